#include "bus/follower.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "bus/internal/follower_core.h"
#include "bus/publisher.h"
#include "tests/bus/bus_test_util.h"

namespace cairn::bus {
namespace {

using internal::FollowerCore;
using internal::FollowerCoreOptions;
using internal::SteadyTime;
using testing::FakeLog;
using testing::MakeRecord;
using Call = FakeLog::Call;
using namespace std::chrono_literals;

RecordMessage Live(FakeLog& log, uint64_t seq) { return {"SecretValueRead/x", seq, log.At(seq)}; }

RecordMessage Heartbeat(uint64_t next_seq, const crypto::Digest& leaf) {
  return {kHeartbeatTopic, next_seq,
          std::string(reinterpret_cast<const char*>(leaf.data()), leaf.size())};
}

FollowerCoreOptions NoCatchUp() {
  FollowerCoreOptions options;
  options.catch_up_at_start = false;
  return options;
}

// Polls until nothing more is at hand at `now`; returns the seqs handed on.
std::vector<uint64_t> Drain(FollowerCore& core, SteadyTime now = SteadyTime{}) {
  std::vector<uint64_t> seqs;
  for (;;) {
    auto r = core.Poll(now);
    REQUIRE(r.ok());
    if (!*r) return seqs;
    seqs.push_back((*r)->seq);
  }
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> v;
  for (uint64_t s = from; s < to; ++s) v.push_back(s);
  return v;
}

TEST_CASE("the core hands on live records in order, each with its leaf hash", "[bus][follower]") {
  FakeLog log;
  log.AppendN(5);
  FollowerCore core(NoCatchUp(), log.Fetcher());
  for (uint64_t s = 0; s < 5; ++s) {
    REQUIRE(core.Offer(Live(log, s)).ok());
    auto r = core.Poll(SteadyTime{});
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK((*r)->seq == s);
    CHECK((*r)->bytes == log.At(s));
    CHECK((*r)->leaf_hash == log.LeafAt(s));
  }
  CHECK(core.next_seq() == 5);
  CHECK(core.stats().live == 5);
  CHECK(core.stats().fetched == 0);
  CHECK(log.calls().empty());
}

TEST_CASE("the core fills a gap from fetch, up to the record it holds", "[bus][follower]") {
  FakeLog log;
  log.AppendN(5);
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer(Live(log, 0)).ok());
  REQUIRE(core.Offer(Live(log, 1)).ok());
  REQUIRE(core.Offer(Live(log, 4)).ok());
  CHECK(Drain(core) == Range(0, 5));
  CHECK(log.calls() == std::vector<Call>{{2, 2}});
  CHECK(core.stats().live == 3);
  CHECK(core.stats().fetched == 2);
}

TEST_CASE("the core fetches a long gap in pages", "[bus][follower]") {
  FakeLog log;
  log.AppendN(26);
  FollowerCoreOptions options = NoCatchUp();
  options.fetch_page = 10;
  FollowerCore core(options, log.Fetcher());
  REQUIRE(core.Offer(Live(log, 25)).ok());
  CHECK(Drain(core) == Range(0, 26));
  CHECK(log.calls() == std::vector<Call>{{0, 10}, {10, 10}, {20, 5}});
}

TEST_CASE("the core drops duplicates", "[bus][follower]") {
  FakeLog log;
  log.AppendN(4);
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer(Live(log, 0)).ok());
  REQUIRE(core.Offer(Live(log, 1)).ok());
  CHECK(Drain(core) == Range(0, 2));
  REQUIRE(core.Offer(Live(log, 0)).ok());  // already handed on
  REQUIRE(core.Offer(Live(log, 1)).ok());
  REQUIRE(core.Offer(Live(log, 3)).ok());
  REQUIRE(core.Offer(Live(log, 3)).ok());  // already held
  REQUIRE(core.Offer(Live(log, 2)).ok());
  CHECK(Drain(core) == Range(2, 4));
  CHECK(core.stats().duplicates == 3);
  CHECK(core.stats().live == 4);
}

TEST_CASE("the core refuses a record whose prev does not link, for good", "[bus][follower]") {
  FakeLog log;
  log.AppendN(3);
  crypto::Digest wrong{};
  wrong.fill(0x11);
  log.Append();  // record 3, then replaced by a twin with a tampered prev
  log.Replace(3, MakeRecord(3, wrong));
  FollowerCore core(NoCatchUp(), log.Fetcher());
  for (uint64_t s = 0; s < 4; ++s) REQUIRE(core.Offer(Live(log, s)).ok());
  for (uint64_t s = 0; s < 3; ++s) REQUIRE(core.Poll(SteadyTime{}).ok());
  auto r = core.Poll(SteadyTime{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK(r.status().message() == "record 3 does not link to record 2: prev " + crypto::ToHex(wrong) +
                                    " != " + crypto::ToHex(log.LeafAt(2)));
  CHECK(core.next_seq() == 3);
  // Stopped: nothing more, whatever arrives.
  CHECK(core.Offer(Live(log, 0)).code() == StatusCode::kDataLoss);
  CHECK(core.Poll(SteadyTime{}).status().code() == StatusCode::kDataLoss);
}

TEST_CASE("the core refuses a fetched record that does not link", "[bus][follower]") {
  FakeLog log;
  log.AppendN(4);
  log.Replace(2, MakeRecord(2, log.LeafAt(0)));  // links to 0, skipping 1
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer(Live(log, 3)).ok());
  auto first = core.Poll(SteadyTime{});
  REQUIRE(first.ok());
  auto second = core.Poll(SteadyTime{});
  REQUIRE(second.ok());
  auto third = core.Poll(SteadyTime{});
  CHECK(third.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(third.status().message(),
             Catch::StartsWith("record 2 does not link to record 1: prev "));
}

TEST_CASE("the core refuses a record whose seq field is not its place", "[bus][follower]") {
  FakeLog log;
  log.AppendN(2);
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer(Live(log, 0)).ok());
  REQUIRE(core.Offer(Live(log, 1)).ok());
  REQUIRE(Drain(core) == Range(0, 2));
  // Published as seq 2, but the envelope says 5 (it does link to record 1).
  REQUIRE(core.Offer({"SecretValueRead/x", 2, MakeRecord(5, log.LeafAt(1))}).ok());
  auto r = core.Poll(SteadyTime{});
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK(r.status().message() == "record 2 carries seq 5");
}

TEST_CASE("the core refuses a record 0 whose prev is not zeros", "[bus][follower]") {
  crypto::Digest wrong{};
  wrong[31] = 1;
  FakeLog log;
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer({"SecretValueRead/x", 0, MakeRecord(0, wrong)}).ok());
  auto r = core.Poll(SteadyTime{});
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(r.status().message(), Catch::StartsWith("record 0 does not start the chain: prev "));
}

TEST_CASE("the core refuses bytes that are not a record", "[bus][follower]") {
  FakeLog log;
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer({"SecretValueRead/x", 0, "garbage"}).ok());
  auto r = core.Poll(SteadyTime{});
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(r.status().message(), Catch::StartsWith("record 0 does not decode: "));
}

TEST_CASE("the core refuses a record of an unknown format version", "[bus][follower]") {
  FakeLog log;
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer({"SecretValueRead/x", 0, MakeRecord(0, crypto::Digest{}, "X", "", 2)}).ok());
  auto r = core.Poll(SteadyTime{});
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK(r.status().message() == "record 0 does not decode: unknown record format_version 2");
}

TEST_CASE("the core passes over checkpoint messages: they are not records", "[bus][follower]") {
  FakeLog log;
  log.AppendN(2);
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer(Live(log, 0)).ok());
  // A checkpoint of size 5 would look like a gap at seq 5 if it were read as a record.
  REQUIRE(core.Offer(RecordMessage{kCheckpointTopic, 5, "cairn.ledger/x\n5\n..."}).ok());
  REQUIRE(core.Offer(Live(log, 1)).ok());
  CHECK(Drain(core) == std::vector<uint64_t>{0, 1});
  CHECK(log.calls().empty());
  CHECK(core.stats().duplicates == 0);
}

TEST_CASE("the core keeps the largest checkpoint since it was last taken", "[bus][follower]") {
  FakeLog log;
  FollowerCore core(NoCatchUp(), log.Fetcher());
  CHECK_FALSE(core.TakeCheckpoint().has_value());
  REQUIRE(core.Offer(RecordMessage{kCheckpointTopic, 5, "note-5"}).ok());
  REQUIRE(core.Offer(RecordMessage{kCheckpointTopic, 9, "note-9"}).ok());
  REQUIRE(core.Offer(RecordMessage{kCheckpointTopic, 7, "note-7"}).ok());  // late: older
  auto taken = core.TakeCheckpoint();
  REQUIRE(taken.has_value());
  CHECK(taken->first == 9);
  CHECK(taken->second == "note-9");
  CHECK_FALSE(core.TakeCheckpoint().has_value());
}

TEST_CASE("the core refuses a fetch that returns records out of place", "[bus][follower]") {
  FakeLog log;
  log.AppendN(3);
  FetchRecords misnumbered = [&](uint64_t from, uint32_t) -> Result<std::vector<StoredRecord>> {
    return std::vector<StoredRecord>{{from + 1, log.At(from + 1)}};
  };
  FollowerCore core(NoCatchUp(), misnumbered);
  REQUIRE(core.Offer(Live(log, 2)).ok());
  auto r = core.Poll(SteadyTime{});
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK(r.status().message() == "fetch from 0 returned record 1 in the place of 0");
}

// A replica hashes the records of a page it read ahead on the reading thread
// (StoredRecord::leaf_hash). A hash that is not its record's cannot pass:
// the next record's prev is the true hash.
TEST_CASE("the core takes the leaf hashes a fetch gives, and a wrong one breaks the next link", "[bus][follower]") {
  FakeLog log;
  log.AppendN(3);
  int wrong_at = -1;
  FetchRecords hashed = [&](uint64_t from, uint32_t max) -> Result<std::vector<StoredRecord>> {
    std::vector<StoredRecord> page;
    for (uint64_t s = from; s < std::min<uint64_t>(3, from + max); ++s) {
      page.push_back({s, log.At(s), log.LeafAt(s)});
      if (static_cast<int>(s) == wrong_at) (*page.back().leaf_hash)[0] ^= 1;
    }
    return page;
  };
  FollowerCoreOptions options;  // catch_up_at_start
  FollowerCore core(options, hashed);
  SECTION("the right hashes are handed on") {
    for (uint64_t s = 0; s < 3; ++s) {
      auto r = core.Poll(SteadyTime{});
      REQUIRE(r.ok());
      REQUIRE(r->has_value());
      CHECK((*r)->leaf_hash == log.LeafAt(s));
    }
  }
  SECTION("a wrong hash for record 1: record 2 does not link") {
    wrong_at = 1;
    REQUIRE(core.Poll(SteadyTime{}).ok());
    auto one = core.Poll(SteadyTime{});
    REQUIRE(one.ok());
    CHECK((*one)->leaf_hash != log.LeafAt(1));
    auto two = core.Poll(SteadyTime{});
    CHECK(two.status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a late joiner from seq 0 fetches everything in pages", "[bus][follower]") {
  FakeLog log;
  log.AppendN(2500);
  FollowerCoreOptions options;  // catch_up_at_start
  options.fetch_page = 1000;
  FollowerCore core(options, log.Fetcher());
  CHECK(Drain(core) == Range(0, 2500));
  CHECK(log.calls() == std::vector<Call>{{0, 1000}, {1000, 1000}, {2000, 1000}});
  CHECK(core.stats().fetched == 2500);
  CHECK_FALSE(core.RetryAt().has_value());  // at the head: waits for the stream
  SECTION("live records that were also fetched are duplicates") {
    REQUIRE(core.Offer(Live(log, 2499)).ok());
    CHECK(core.stats().duplicates == 1);
  }
  SECTION("and then goes on live") {
    log.Append();
    REQUIRE(core.Offer(Live(log, 2500)).ok());
    CHECK(Drain(core) == std::vector<uint64_t>{2500});
    CHECK(core.stats().live == 1);
  }
}

TEST_CASE("a heartbeat reveals lost live records, which are fetched", "[bus][follower]") {
  FakeLog log;
  log.AppendN(10);
  FollowerCore core(NoCatchUp(), log.Fetcher());
  CHECK(Drain(core).empty());  // nothing known yet
  REQUIRE(core.Offer(Heartbeat(10, log.LeafAt(9))).ok());
  CHECK(Drain(core) == Range(0, 10));
  CHECK(core.stats().heartbeats == 1);
  CHECK(core.stats().fetched == 10);
  SECTION("a heartbeat at our head with our leaf changes nothing") {
    REQUIRE(core.Offer(Heartbeat(10, log.LeafAt(9))).ok());
    CHECK(Drain(core).empty());
  }
  SECTION("a heartbeat at our head with another leaf is DataLoss") {
    crypto::Digest other{};
    Status s = core.Offer(Heartbeat(10, other));
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::StartsWith("heartbeat: head record 9 has leaf 0000"));
    CHECK(core.Poll(SteadyTime{}).status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a fetch behind a known record is retried later, not in a hot loop", "[bus][follower]") {
  FakeLog log;
  log.AppendN(6);
  log.SetVisible(3);  // the API has not caught up with the publisher yet
  FollowerCore core(NoCatchUp(), log.Fetcher());
  REQUIRE(core.Offer(Live(log, 5)).ok());
  SteadyTime t0{};
  CHECK(Drain(core, t0) == Range(0, 3));
  CHECK(log.calls() == std::vector<Call>{{0, 5}});
  REQUIRE(core.RetryAt().has_value());
  CHECK(*core.RetryAt() == t0 + 10ms);
  CHECK(Drain(core, t0 + 5ms).empty());  // not due yet: no fetch
  CHECK(log.calls().size() == 1);
  CHECK(Drain(core, t0 + 10ms).empty());  // due, still lagging: the delay doubles
  CHECK(log.calls() == std::vector<Call>{{0, 5}, {3, 2}});
  CHECK(*core.RetryAt() == t0 + 30ms);
  log.SetVisible(6);
  CHECK(Drain(core, t0 + 30ms) == Range(3, 6));
  CHECK(log.calls().size() == 3);
}

TEST_CASE("a failing fetch is retried and its error kept", "[bus][follower]") {
  FakeLog log;
  log.AppendN(2);
  int failures = 2;
  FetchRecords flaky = [&](uint64_t from, uint32_t max) -> Result<std::vector<StoredRecord>> {
    if (failures-- > 0) return UnavailableError("api down");
    return log.Fetcher()(from, max);
  };
  FollowerCore core(NoCatchUp(), flaky);
  REQUIRE(core.Offer(Live(log, 1)).ok());
  SteadyTime t0{};
  CHECK(Drain(core, t0).empty());
  CHECK_THAT(core.last_fetch_error(), Catch::Contains("api down"));
  CHECK(Drain(core, t0 + 10ms).empty());
  CHECK(Drain(core, t0 + 30ms) == Range(0, 2));
  CHECK(core.last_fetch_error().empty());
}

TEST_CASE("beyond the buffer bound, later records are fetched in their turn", "[bus][follower]") {
  FakeLog log;
  log.AppendN(6);
  FollowerCoreOptions options = NoCatchUp();
  options.max_buffered = 2;
  FollowerCore core(options, log.Fetcher());
  for (uint64_t s = 1; s < 6; ++s) REQUIRE(core.Offer(Live(log, s)).ok());
  CHECK(Drain(core) == Range(0, 6));
  CHECK(log.calls() == std::vector<Call>{{0, 1}, {3, 3}});
  CHECK(core.stats().live == 2);
  CHECK(core.stats().fetched == 4);
}

TEST_CASE("a core started mid-log links to the prev leaf it is given", "[bus][follower]") {
  FakeLog log;
  log.AppendN(8);
  FollowerCoreOptions options;
  options.from_seq = 5;
  options.prev_leaf = log.LeafAt(4);
  FollowerCore core(options, log.Fetcher());
  CHECK(Drain(core) == Range(5, 8));
  SECTION("and refuses the log if the leaf is another") {
    FollowerCoreOptions wrong = options;
    wrong.prev_leaf = log.LeafAt(3);
    FollowerCore bad(wrong, log.Fetcher());
    CHECK(bad.Poll(SteadyTime{}).status().code() == StatusCode::kDataLoss);
  }
}

// --- with sockets -------------------------------------------------------------

struct Bus {
  Bus() {
    auto s = NewCurveKeyPair();
    auto c = NewCurveKeyPair();
    REQUIRE(s.ok());
    REQUIRE(c.ok());
    server = std::move(*s);
    client = std::move(*c);
    auto created = BusContext::Create(
        [key = client.public_z85](std::string_view k, std::string_view,
                                  std::string_view) -> std::optional<std::string> {
          if (k == key) return "user:follower";
          return std::nullopt;
        });
    REQUIRE(created.ok());
    context = std::move(*created);
  }
  std::unique_ptr<Publisher> Bind(const std::string& endpoint) {
    // A restarted publisher may find the port still held for a moment.
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto p = Publisher::Bind(*context, {.endpoint = endpoint, .server_key = &server});
      if (p.ok()) return std::move(*p);
      REQUIRE(p.status().code() == StatusCode::kUnavailable);
      std::this_thread::sleep_for(20ms);
    }
    FAIL("cannot bind " << endpoint);
    return nullptr;
  }
  std::unique_ptr<Follower> Follow(const std::string& endpoint, FakeLog& log,
                                   uint64_t from_seq = 0) {
    FollowerOptions options;
    options.events_endpoint = endpoint;
    options.server_public_z85 = server.public_z85;
    options.client_key = {client.public_z85, client.secret_z85.Clone()};
    options.from_seq = from_seq;
    auto f = Follower::Start(*context, std::move(options), log.Fetcher());
    REQUIRE(f.ok());
    return std::move(*f);
  }
  CurveKeyPair server, client;
  std::unique_ptr<BusContext> context;
};

// Heartbeats at the empty head until the follower has seen one.
void Settle(Publisher& publisher, Follower& follower) {
  for (int attempt = 0; attempt < 500 && follower.stats().heartbeats == 0; ++attempt) {
    REQUIRE(publisher.PublishHeartbeat(0, crypto::Digest{}).ok());
    auto r = follower.Next(10);
    REQUIRE(r.status().code() == StatusCode::kUnavailable);
  }
  REQUIRE(follower.stats().heartbeats > 0);
}

// Reads `n` records; checks they come in order from `from`, each once.
void ExpectRecords(Follower& follower, FakeLog& log, uint64_t from, uint64_t n) {
  for (uint64_t s = from; s < from + n; ++s) {
    auto r = follower.Next(5000);
    REQUIRE(r.ok());
    REQUIRE(r->seq == s);
    CHECK(r->bytes == log.At(s));
  }
  auto none = follower.Next(50);
  CHECK(none.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("a follower yields every record once across random drops", "[bus][follower][zmq]") {
  Bus bus;
  FakeLog log;
  auto publisher = bus.Bind("tcp://127.0.0.1:*");
  auto follower = bus.Follow(publisher->endpoint(), log);
  Settle(*publisher, *follower);

  constexpr uint64_t kRecords = 300;
  std::atomic<bool> done = false;
  std::thread daemon([&] {
    std::mt19937 rng(Catch::rngSeed());
    std::vector<std::string> batch;  // commit groups of 1 to 4 records
    for (uint64_t s = 0; s < kRecords; ++s) {
      batch.push_back(log.Append());
      if (batch.size() > rng() % 4 || s + 1 == kRecords) {
        if (rng() % 5 != 0) CHECK(publisher->PublishBatch(s + 1 - batch.size(), batch).ok());  // ~20% lost
        batch.clear();
      }
      if (s % 50 == 49) CHECK(publisher->PublishHeartbeat(s + 1, log.LeafAt(s)).ok());
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    done = true;
  });
  std::vector<uint64_t> seen;
  while (seen.size() < kRecords) {
    auto r = follower->Next(5000);
    if (!r.ok()) break;
    seen.push_back(r->seq);
  }
  daemon.join();
  CHECK(seen == Range(0, kRecords));
  FollowerStats stats = follower->stats();
  CHECK(stats.live + stats.fetched == kRecords);
  CHECK(stats.live > 0);
  CHECK(stats.fetched > 0);
  CHECK(follower->Next(50).status().code() == StatusCode::kUnavailable);
}

TEST_CASE("a follower goes on without gap or duplicate across a publisher restart",
          "[bus][follower][zmq]") {
  Bus bus;
  FakeLog log;
  auto publisher = bus.Bind("tcp://127.0.0.1:*");
  const std::string endpoint = publisher->endpoint();
  auto follower = bus.Follow(endpoint, log);
  Settle(*publisher, *follower);
  std::vector<std::string> first;
  for (uint64_t s = 0; s < 10; ++s) first.push_back(log.Append());
  REQUIRE(publisher->PublishBatch(0, first).ok());
  ExpectRecords(*follower, log, 0, 10);
  CHECK(follower->stats().live == 10);

  publisher.reset();  // the daemon stops; records 10..14 commit meanwhile
  log.AppendN(5);
  publisher = bus.Bind(endpoint);
  // The new publisher's heartbeat (once the follower has reconnected) shows
  // the gap; then it goes on live.
  uint64_t heartbeats = follower->stats().heartbeats;
  for (int attempt = 0; attempt < 500 && follower->stats().heartbeats == heartbeats; ++attempt) {
    REQUIRE(publisher->PublishHeartbeat(15, log.LeafAt(14)).ok());
    std::this_thread::sleep_for(10ms);
    if (follower->next_seq() == 10) {
      auto r = follower->Next(0);  // drains the socket; may hand on 10 already
      if (r.ok()) REQUIRE(r->seq == 10);
    }
  }
  uint64_t from = follower->next_seq();
  for (uint64_t s = 15; s < 20; ++s) REQUIRE(publisher->PublishBatch(s, {log.Append()}).ok());
  ExpectRecords(*follower, log, from, 20 - from);
  FollowerStats stats = follower->stats();
  CHECK(stats.live + stats.fetched == 20);
  CHECK(stats.fetched == 5);  // 10..14, committed while the daemon was down
}

TEST_CASE("a follower takes records from batches, not from single-record messages", "[bus][follower][zmq]") {
  Bus bus;
  FakeLog log;
  auto publisher = bus.Bind("tcp://127.0.0.1:*");
  auto follower = bus.Follow(publisher->endpoint(), log);
  Settle(*publisher, *follower);
  // 0..4 go out singly only (topic subscribers' messages): the follower does
  // not subscribe to them, learns of them from the batch of 5..9, fetches them.
  for (uint64_t s = 0; s < 5; ++s) REQUIRE(publisher->Publish(s, log.Append()).ok());
  std::vector<std::string> batch;
  for (uint64_t s = 5; s < 10; ++s) batch.push_back(log.Append());
  REQUIRE(publisher->PublishBatch(5, batch).ok());
  ExpectRecords(*follower, log, 0, 10);
  FollowerStats stats = follower->stats();
  CHECK(stats.fetched == 5);
  CHECK(stats.live == 5);
  CHECK(stats.malformed == 0);
}

TEST_CASE("a follower started mid-log learns the prev leaf from fetch", "[bus][follower][zmq]") {
  Bus bus;
  FakeLog log;
  log.AppendN(10);
  // Nobody publishes: connecting is asynchronous and catch-up is by fetch.
  const std::string nowhere = "tcp://127.0.0.1:1";
  SECTION("and catches up from there") {
    auto follower = bus.Follow(nowhere, log, 5);
    ExpectRecords(*follower, log, 5, 5);
    CHECK(log.calls().front() == Call{4, 1});
  }
  SECTION("a tampered record before from_seq makes the next one fail to link") {
    log.Replace(4, MakeRecord(4, log.LeafAt(2)));
    auto follower = bus.Follow(nowhere, log, 5);
    auto r = follower->Next(1000);
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::StartsWith("record 5 does not link to record 4"));
  }
  SECTION("a from_seq beyond the head is NotFound") {
    FollowerOptions options;
    options.events_endpoint = nowhere;
    options.from_seq = 12;
    auto follower = Follower::Start(*bus.context, std::move(options), log.Fetcher());
    CHECK(follower.status().code() == StatusCode::kNotFound);
  }
  SECTION("a follower without fetch is InvalidArgument") {
    auto follower = Follower::Start(*bus.context, FollowerOptions{}, nullptr);
    CHECK(follower.status().code() == StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cairn::bus
