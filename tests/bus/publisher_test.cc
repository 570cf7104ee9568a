#include "bus/publisher.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/bus/bus_test_util.h"

namespace cairn::bus {
namespace {

using testing::MakeEvent;
using testing::MakeRecord;

constexpr char kArn[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";

CurveKeyPair NewKeys() {
  auto keys = NewCurveKeyPair();
  REQUIRE(keys.ok());
  return std::move(*keys);
}

// A raw SUB socket with CURVE client keys, subscribed to `prefix` (everything).
zmq::socket_t Subscriber(zmq::context_t& context, const std::string& endpoint,
                         const std::string& server_public, const CurveKeyPair& keys,
                         const std::string& prefix = "") {
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::curve_serverkey, server_public);
  sub.set(zmq::sockopt::curve_publickey, keys.public_z85);
  sub.set(zmq::sockopt::curve_secretkey, keys.secret_z85.as_string_view());
  sub.set(zmq::sockopt::subscribe, prefix);
  sub.connect(endpoint);
  return sub;
}

std::vector<zmq::message_t> Receive(zmq::socket_t& sub, int timeout_ms) {
  sub.set(zmq::sockopt::rcvtimeo, timeout_ms);
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(sub, std::back_inserter(frames))) frames.clear();
  return frames;
}

Result<RecordMessage> Parse(const std::vector<zmq::message_t>& frames) {
  REQUIRE(frames.size() == 3);
  return ParseRecordMessage(frames[0].to_string(), frames[1].to_string(), frames[2].to_string());
}

// Publishes heartbeats until `sub` receives one (the slow joiner settles).
void AwaitSubscription(Publisher& publisher, zmq::socket_t& sub) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    REQUIRE(publisher.PublishHeartbeat(0, crypto::Digest{}).ok());
    if (!Receive(sub, 10).empty()) return;
  }
  FAIL("the subscription never settled");
}

// A BusContext whose KeyLookup knows only `known` and notes the ZAP domains.
struct Authenticated {
  explicit Authenticated(std::string known) {
    auto created =
        BusContext::Create([this, known](std::string_view key, std::string_view domain,
                                         std::string_view) -> std::optional<std::string> {
          std::lock_guard<std::mutex> lock(mu);
          domains.insert(std::string(domain));
          if (key == known) return "user:subscriber";
          return std::nullopt;
        });
    REQUIRE(created.ok());
    context = std::move(*created);
  }
  std::set<std::string> Domains() {
    std::lock_guard<std::mutex> lock(mu);
    return domains;
  }
  std::mutex mu;
  std::set<std::string> domains;
  std::unique_ptr<BusContext> context;
};

// A CURVE publisher and one enrolled raw subscriber to `prefix`, its
// subscription settled.
struct EnrolledSubscriber {
  explicit EnrolledSubscriber(const std::string& prefix) {
    auto bound = Publisher::Bind(*bus.context, {.endpoint = "tcp://127.0.0.1:*", .server_key = &server});
    REQUIRE(bound.ok());
    publisher = std::move(*bound);
    sub = Subscriber(context, publisher->endpoint(), server.public_z85, client, prefix);
    AwaitSubscription(*publisher, sub);
  }
  CurveKeyPair server = NewKeys();
  CurveKeyPair client = NewKeys();
  Authenticated bus{client.public_z85};
  std::unique_ptr<Publisher> publisher;
  zmq::context_t context;
  zmq::socket_t sub;
};

// `n` linked SecretValueRead records from seq 0.
std::vector<std::string> LinkedRecords(uint64_t n) {
  std::vector<std::string> records;
  crypto::Digest prev{};
  for (uint64_t seq = 0; seq < n; ++seq) {
    records.push_back(MakeRecord(seq, prev, "SecretValueRead", MakeEvent(kArn)));
    prev = testing::Leaf(records.back());
  }
  return records;
}

TEST_CASE("an enrolled subscriber receives [topic][seq][record] frames in order over CURVE",
          "[bus][publisher]") {
  EnrolledSubscriber e("");
  Authenticated& bus = e.bus;
  zmq::socket_t& sub = e.sub;
  const std::vector<std::string> records = LinkedRecords(3);
  for (uint64_t seq = 0; seq < 3; ++seq) REQUIRE(e.publisher->Publish(seq, records[seq]).ok());
  uint64_t expected = 0;
  while (expected < 3) {
    auto frames = Receive(sub, 2000);
    REQUIRE(frames.size() == 3);
    auto m = Parse(frames);
    REQUIRE(m.ok());
    if (m->heartbeat()) continue;  // a late one from AwaitSubscription
    CHECK(m->topic == "SecretValueRead/prod/db");
    CHECK(m->seq == expected);
    CHECK(m->record == records[expected]);
    ++expected;
  }
  CHECK(bus.Domains() == std::set<std::string>{"events"});
}

TEST_CASE("a cairn. subscriber receives each batch as one message and no single-record message",
          "[bus][publisher]") {
  EnrolledSubscriber e(kServiceTopicPrefix);
  zmq::socket_t& sub = e.sub;
  const std::vector<std::string> records = LinkedRecords(5);
  REQUIRE(e.publisher->Publish(0, records[0]).ok());  // single: not for this subscriber
  REQUIRE(e.publisher->PublishBatch(1, {records.begin() + 1, records.end()}).ok());
  for (;;) {
    auto frames = Receive(sub, 2000);
    REQUIRE(frames.size() == 3);
    auto m = Parse(frames);
    REQUIRE(m.ok());
    if (m->heartbeat()) continue;  // a late one from AwaitSubscription
    CHECK(m->topic == kBatchTopic);
    CHECK(m->seq == 1);
    auto split = SplitBatch(m->record);
    REQUIRE(split.ok());
    CHECK(std::vector<std::string>(split->begin(), split->end()) ==
          std::vector<std::string>(records.begin() + 1, records.end()));
    break;
  }
  CHECK(Receive(sub, 100).empty());
  CHECK(e.publisher->PublishBatch(5, {}).code() == StatusCode::kInvalidArgument);
}

// The sizes of the batches `batcher` makes of records of `sizes` bytes, and
// checks that their first seqs follow on from 100.
std::vector<std::vector<size_t>> Batches(Batcher batcher, const std::vector<size_t>& sizes) {
  std::vector<std::vector<size_t>> out;
  uint64_t expected_first = 100;
  auto note = [&](const std::optional<RecordBatch>& b) {
    if (!b) return;
    CHECK(b->first_seq == expected_first);
    expected_first += b->records.size();
    out.emplace_back();
    for (const std::string& r : b->records) out.back().push_back(r.size());
  };
  for (size_t size : sizes) note(batcher.Add(std::string(size, 'r')));
  note(batcher.Take());
  CHECK_FALSE(batcher.Take().has_value());  // nothing left after a Take
  return out;
}

TEST_CASE("a batcher closes a batch at its record count and byte limits, and seqs follow on",
          "[bus][publisher]") {
  using Sizes = std::vector<std::vector<size_t>>;
  // At most 3 records.
  CHECK(Batches(Batcher(100, 3, 1000), {1, 1, 1, 1, 1, 1, 1}) == Sizes{{1, 1, 1}, {1, 1, 1}, {1}});
  // At most 10 bytes: exactly 10 fits, 11 does not.
  CHECK(Batches(Batcher(100, 100, 10), {4, 6, 4, 7}) == Sizes{{4, 6}, {4}, {7}});
  // A record over the byte limit goes alone, whatever came before or after.
  CHECK(Batches(Batcher(100, 100, 10), {3, 25, 2}) == Sizes{{3}, {25}, {2}});
  CHECK(Batches(Batcher(100, 100, 10), {25}) == Sizes{{25}});
  // Nothing added: no batch.
  CHECK(Batches(Batcher(100, 3, 10), {}).empty());
}

TEST_CASE("a batch body whose lengths do not tile it exactly is DataLoss", "[bus][publisher]") {
  const std::string body = EncodeBatch({"first", "", "third"});
  auto whole = SplitBatch(body);
  REQUIRE(whole.ok());
  CHECK(std::vector<std::string>(whole->begin(), whole->end()) == std::vector<std::string>{"first", "", "third"});
  for (size_t cut = 0; cut < body.size(); ++cut) {
    if (cut == 0) continue;  // handled below: an empty body
    auto part = SplitBatch(std::string_view(body).substr(0, cut));
    // Only the cuts at a record's end still tile: 4+5 ("first") and 4+5+4 (and the empty one).
    const bool boundary = cut == 9 || cut == 13;
    INFO("cut at " << cut);
    CHECK(part.ok() == boundary);
    if (!part.ok()) CHECK(part.status().code() == StatusCode::kDataLoss);
  }
  CHECK(SplitBatch("").status().code() == StatusCode::kDataLoss);
  std::string longer = body;
  longer[0] = 1;  // the first record claims 16 MiB more than there is
  CHECK(SplitBatch(longer).status().code() == StatusCode::kDataLoss);
}

TEST_CASE("a subscriber whose key the context does not know receives nothing", "[bus][publisher]") {
  CurveKeyPair server = NewKeys();
  CurveKeyPair known = NewKeys();
  CurveKeyPair stranger = NewKeys();
  Authenticated bus(known.public_z85);
  auto publisher =
      Publisher::Bind(*bus.context, {.endpoint = "tcp://127.0.0.1:*", .server_key = &server});
  REQUIRE(publisher.ok());
  zmq::context_t context;
  zmq::socket_t good = Subscriber(context, (*publisher)->endpoint(), server.public_z85, known);
  zmq::socket_t bad = Subscriber(context, (*publisher)->endpoint(), server.public_z85, stranger);
  AwaitSubscription(**publisher, good);
  // Keep publishing for a while: the stranger has had every chance to join.
  for (int i = 0; i < 30; ++i) {
    REQUIRE((*publisher)->PublishHeartbeat(0, crypto::Digest{}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(Receive(bad, 100).empty());
  CHECK_FALSE(Receive(good, 100).empty());
  CHECK(bus.context->TakeRefusals().attempts > 0);
}

TEST_CASE("binding an address in use is Unavailable", "[bus][publisher]") {
  auto context = BusContext::Create(nullptr);
  REQUIRE(context.ok());
  auto first = Publisher::Bind(**context, {.endpoint = "tcp://127.0.0.1:*"});
  REQUIRE(first.ok());
  auto second = Publisher::Bind(**context, {.endpoint = (*first)->endpoint()});
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("a CURVE publisher in a context without a KeyLookup is InvalidArgument",
          "[bus][publisher]") {
  auto context = BusContext::Create(nullptr);
  REQUIRE(context.ok());
  CurveKeyPair server = NewKeys();
  auto publisher =
      Publisher::Bind(**context, {.endpoint = "tcp://127.0.0.1:*", .server_key = &server});
  REQUIRE_FALSE(publisher.ok());
  CHECK(publisher.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("publishing bytes that are not a record is DataLoss", "[bus][publisher]") {
  auto context = BusContext::Create(nullptr);
  REQUIRE(context.ok());
  auto publisher = Publisher::Bind(**context, {.endpoint = "tcp://127.0.0.1:*"});
  REQUIRE(publisher.ok());
  Status s = (*publisher)->Publish(0, "hello");
  CHECK(s.code() == StatusCode::kDataLoss);
}

TEST_CASE("the topic is the event type and the secret's name", "[bus][publisher][topic]") {
  auto topic = [](std::string_view type, std::string_view payload) {
    auto t = TopicForRecord(MakeRecord(7, crypto::Digest{}, type, payload));
    REQUIRE(t.ok());
    return *t;
  };
  SECTION("a SecretValueRead of an ARN names the secret without the ARN's suffix") {
    CHECK(topic("SecretValueRead", MakeEvent(kArn)) == "SecretValueRead/prod/db");
  }
  SECTION("a name that itself ends in a dash and six characters keeps that part") {
    CHECK(
        topic("SecretValueRead",
              MakeEvent("arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-v2-ab-XyZ123")) ==
        "SecretValueRead/app-v2-ab");
  }
  SECTION("a resource that is not an ARN (a SecretId that failed to resolve) is used as is") {
    CHECK(topic("OperationFailed", MakeEvent("prod/missing")) == "OperationFailed/prod/missing");
    CHECK(topic("OperationFailed", MakeEvent("arn:aws:iam::123:user/x")) ==
          "OperationFailed/arn:aws:iam::123:user/x");
  }
  SECTION("an event about no secret ends in a slash") {
    CHECK(topic("PrincipalCreated", MakeEvent("")) == "PrincipalCreated/");
  }
  SECTION("a payload that is not an Event names no secret") {
    CHECK(topic("LedgerInitialized", "not flatbuffers") == "LedgerInitialized/");
    CHECK(topic("LedgerInitialized", "") == "LedgerInitialized/");
  }
}

TEST_CASE("TopicForRecord refuses bytes that are not a record", "[bus][publisher][topic]") {
  std::string record = MakeRecord(1, crypto::Digest{}, "SecretValueRead", MakeEvent(kArn));
  SECTION("garbage") { CHECK(TopicForRecord("hello").status().code() == StatusCode::kDataLoss); }
  SECTION("truncated") {
    CHECK(TopicForRecord(std::string_view(record).substr(0, record.size() / 2)).status().code() ==
          StatusCode::kDataLoss);
  }
  SECTION("an Event where a Record belongs (wrong identifier)") {
    CHECK(TopicForRecord(MakeEvent(kArn)).status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a heartbeat parses to the head's next seq and leaf", "[bus][publisher]") {
  crypto::Digest leaf{};
  leaf[0] = 0xab;
  leaf[31] = 0xcd;
  std::string leaf_bytes(reinterpret_cast<const char*>(leaf.data()), leaf.size());
  std::string seq("\x00\x00\x00\x00\x00\x01\x02\x03", 8);
  auto m = ParseRecordMessage(kHeartbeatTopic, seq, leaf_bytes);
  REQUIRE(m.ok());
  CHECK(m->heartbeat());
  CHECK(m->seq == 0x010203);
  CHECK(m->record == leaf_bytes);

  SECTION("a heartbeat whose leaf is not 32 bytes is DataLoss") {
    auto bad = ParseRecordMessage(kHeartbeatTopic, seq, leaf_bytes.substr(1));
    CHECK(bad.status().code() == StatusCode::kDataLoss);
  }
  SECTION("a seq frame that is not 8 bytes is DataLoss") {
    auto bad = ParseRecordMessage("SecretValueRead/x", "1234567", "r");
    CHECK(bad.status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a heartbeat goes out as [cairn.heartbeat][next seq BE][head leaf]", "[bus][publisher]") {
  auto context = BusContext::Create(nullptr);
  REQUIRE(context.ok());
  auto publisher = Publisher::Bind(**context, {.endpoint = "tcp://127.0.0.1:*"});
  REQUIRE(publisher.ok());
  zmq::context_t zmq_context;
  zmq::socket_t sub(zmq_context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, kHeartbeatTopic);
  sub.connect((*publisher)->endpoint());
  crypto::Digest leaf{};
  leaf.fill(0x5a);
  std::vector<zmq::message_t> frames;
  for (int attempt = 0; attempt < 500 && frames.empty(); ++attempt) {
    REQUIRE((*publisher)->PublishHeartbeat(42, leaf).ok());
    frames = Receive(sub, 10);
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].to_string() == kHeartbeatTopic);
  CHECK(frames[1].to_string() == std::string("\0\0\0\0\0\0\0\x2a", 8));
  CHECK(frames[2].to_string() == std::string(32, '\x5a'));
}

}  // namespace
}  // namespace cairn::bus
