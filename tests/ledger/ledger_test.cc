// Sequencing, chaining and group commit (ledger/ledger.h).
#include "ledger/ledger.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "ledger/internal/meta_format.h"
#include "ledger/record.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

using testing::Contents;
using testing::Input;

std::unique_ptr<Ledger> MustOpen(std::unique_ptr<Store> store, LedgerOptions options = {}) {
  Result<std::unique_ptr<Ledger>> l = Ledger::Open(std::move(store), options);
  INFO(l.status().ToString());
  REQUIRE(l.ok());
  return std::move(l).value();
}

std::vector<Appended> MustAppend(Ledger& l, std::vector<RecordInput> in,
                                 SideWrites side = nullptr) {
  Result<std::vector<Appended>> r = l.Append(std::move(in), std::move(side));
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::unique_ptr<Store> MustOpenRocks(const std::string& dir, OpenMode mode) {
  Result<std::unique_ptr<Store>> s = OpenRocksStore(dir, mode);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(s).value();
}

void RequireVerifies(const Store& store, uint64_t records) {
  Result<VerifyReport> report = VerifyStore(store);
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok);
  CHECK(report->records == records);
}

TEST_CASE("an empty ledger has no head", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  CHECK(l->staged_head().next_seq == 0);
  CHECK(l->durable_head().last_leaf == crypto::Digest{});
  Result<Head> h = ReadHead(l->store());
  REQUIRE(h.ok());
  CHECK(h->next_seq == 0);
  CHECK(*l->store().Get(Family::kMeta, kMetaHead) == std::nullopt);
}

TEST_CASE("records are dense from 0 and each carries the leaf hash of the one before", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  std::vector<Appended> all = MustAppend(*l, {Input(0)});
  for (auto& a : MustAppend(*l, {Input(1), Input(2), Input(3)})) all.push_back(a);
  all.push_back(MustAppend(*l, {Input(4)}).at(0));

  crypto::Digest prev{};
  for (uint64_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].seq == i);
    Result<std::string> stored = ReadRecord(l->store(), i);
    REQUIRE(stored.ok());
    CHECK(*stored == all[i].bytes);  // the caller gets the stored bytes
    CHECK(all[i].leaf_hash == RecordLeafHash(*stored));
    Result<RecordFields> f = DecodeRecord(*stored);
    REQUIRE(f.ok());
    CHECK(f->seq == i);
    CHECK(f->prev == prev);
    CHECK(f->payload == Input(i).payload);
    prev = all[i].leaf_hash;
  }
  Result<Head> h = ReadHead(l->store());
  REQUIRE(h.ok());
  CHECK(h->next_seq == 5);
  CHECK(h->last_leaf == prev);
  CHECK(l->durable_head().next_seq == 5);
  CHECK(l->durable_head().last_leaf == prev);
  RequireVerifies(l->store(), 5);
}

TEST_CASE("reading past the head is NotFound and the visitor can stop early", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  MustAppend(*l, {Input(0), Input(1), Input(2), Input(3)});
  CHECK(ReadRecord(l->store(), 4).status() == NotFoundError("no record at seq 4"));
  std::vector<uint64_t> seen;
  REQUIRE(ForEachRecord(l->store(), 1, [&](std::string_view key, std::string_view) {
            seen.push_back(*ParseSeqKey(key));
            return seen.size() < 2;
          }).ok());
  CHECK(seen == std::vector<uint64_t>{1, 2});
}

TEST_CASE("sixteen threads appending at once leave a dense, linked chain", "[ledger]") {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  SECTION("in memory") { store = NewMemStore(); }
  SECTION("in RocksDB") { store = MustOpenRocks(tmp.sub("db"), OpenMode::kCreate); }
  auto l = MustOpen(std::move(store), {.max_batch_records = 8});
  constexpr uint64_t kThreads = 16, kEach = 40;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < kEach; ++i) {
        auto r = l->Append({Input(t * 1000 + i)});
        if (r.ok()) got[t].push_back(r->at(0).seq);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> seqs;
  for (const auto& g : got) {
    CHECK(g.size() == kEach);
    CHECK(std::is_sorted(g.begin(), g.end()));  // one thread's appends keep their order
    seqs.insert(g.begin(), g.end());
  }
  CHECK(seqs.size() == kThreads * kEach);
  CHECK(*seqs.rbegin() == kThreads * kEach - 1);
  CHECK(l->durable_head().next_seq == kThreads * kEach);
  RequireVerifies(l->store(), kThreads * kEach);
}

TEST_CASE("side writes see their records and land in the same batch", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  MustAppend(*l, {Input(0)});
  std::vector<uint64_t> seen;
  auto side = [&](const std::vector<Appended>& staged, WriteSet& out) {
    for (const auto& a : staged) seen.push_back(a.seq);
    out.Put(Family::kState, "applied_seq", std::to_string(staged.back().seq + 1));
    out.Put(Family::kKeys, "secret/v1", "wrapped");
    return Status::Ok();
  };
  MustAppend(*l, {Input(1), Input(2)}, side);
  CHECK(seen == std::vector<uint64_t>{1, 2});
  CHECK(*l->store().Get(Family::kState, "applied_seq") == std::optional<std::string>("3"));
  CHECK(*l->store().Get(Family::kKeys, "secret/v1") == std::optional<std::string>("wrapped"));
}

TEST_CASE("records, side writes and head of a group commit are one store write", "[ledger]") {
  auto mem = NewMemStore();
  auto gated = std::make_unique<testing::GateStore>(*mem);
  auto gate = gated->gate;
  gate->hold = true;
  auto l = MustOpen(std::move(gated), {.max_batch_records = 2});
  auto side = [](const std::vector<Appended>& staged, WriteSet& out) {
    out.Put(Family::kState, "s" + std::to_string(staged[0].seq), "x");
    return Status::Ok();
  };
  std::vector<std::shared_ptr<CommitTicket>> tickets;
  tickets.push_back(*l->Stage({Input(0)}, side));
  gate->WaitEntered(1);  // the committer holds ticket 0 in a blocked write
  for (int i = 1; i <= 5; ++i) tickets.push_back(*l->Stage({Input(i)}, side));
  CHECK(l->staged_head().next_seq == 6);
  CHECK(l->durable_head().next_seq == 0);
  gate->Release();
  for (auto& t : tickets) REQUIRE(l->Await(t).ok());
  CHECK(l->durable_head().next_seq == 6);
  // Each batch: per record a log put, its tree nodes (leaf + completed
  // ancestors) and a side put, then the head. Batches hold seq 0 | 1-2 | 3-4 | 5.
  CHECK(gate->write_sizes == std::vector<size_t>{1 + 1 + 1 + 1, 2 + 3 + 2 + 1, 2 + 4 + 2 + 1,
                                                 1 + 2 + 1 + 1});
  RequireVerifies(*mem, 6);
}

TEST_CASE("a group commit writes a key its side writes repeat once, with the last value", "[ledger]") {
  auto mem = NewMemStore();
  auto gated = std::make_unique<testing::GateStore>(*mem);
  auto gate = gated->gate;
  gate->hold = true;
  auto l = MustOpen(std::move(gated));
  auto side = [](const std::vector<Appended>& staged, WriteSet& out) {
    out.Put(Family::kState, "applied_seq", std::to_string(staged[0].seq + 1));
    out.Put(Family::kState, "s" + std::to_string(staged[0].seq), "x");
    return Status::Ok();
  };
  std::vector<std::shared_ptr<CommitTicket>> tickets;
  tickets.push_back(*l->Stage({Input(0)}, side));
  gate->WaitEntered(1);
  for (int i = 1; i <= 3; ++i) tickets.push_back(*l->Stage({Input(i)}, side));
  gate->Release();
  for (auto& t : tickets) REQUIRE(l->Await(t).ok());
  // Batch 2 holds seq 1-3: 3 log puts, 6 tree nodes (leaves 1-3, (1,0),
  // (1,1), (2,0)), 3 "s<seq>" puts, one "applied_seq" of the three, the head.
  CHECK(gate->write_sizes == std::vector<size_t>{1 + 1 + 2 + 1, 3 + 6 + 3 + 1 + 1});
  CHECK(*l->store().Get(Family::kState, "applied_seq") == std::optional<std::string>("4"));
  CHECK(*l->store().Get(Family::kState, "s2") == std::optional<std::string>("x"));
  RequireVerifies(*mem, 4);
}

TEST_CASE("DropOverwritten keeps the last op of each family and key, in order", "[ledger]") {
  WriteSet w;
  w.Put(Family::kState, "a", "1");
  w.Put(Family::kKeys, "a", "k");     // same key, another family: kept
  w.Put(Family::kState, "b", "1");
  w.Delete(Family::kState, "a");      // overrides a=1
  w.Put(Family::kState, "b", "2");    // overrides b=1
  w.Put(Family::kState, "a", "3");    // overrides the delete
  w.Delete(Family::kKeys, "gone");
  w.DropOverwritten();
  std::vector<std::string> got;
  for (const WriteOp& op : w.ops()) {
    got.push_back(std::string(FamilyName(op.family)) + ":" + op.key + "=" +
                  (op.is_delete ? "<deleted>" : op.value));
  }
  CHECK(got == std::vector<std::string>{"keys:a=k", "state:b=2", "state:a=3", "keys:gone=<deleted>"});

  WriteSet single;
  single.Put(Family::kMeta, "head", "h");
  single.DropOverwritten();
  CHECK(single.size() == 1);
  WriteSet none;
  none.DropOverwritten();
  CHECK(none.empty());
}

TEST_CASE("a ticket larger than the batch bound commits whole and alone", "[ledger]") {
  auto mem = NewMemStore();
  auto gated = std::make_unique<testing::GateStore>(*mem);
  auto gate = gated->gate;
  auto l = MustOpen(std::move(gated), {.max_batch_records = 2});
  std::vector<RecordInput> five;
  for (int i = 0; i < 5; ++i) five.push_back(Input(i));
  std::vector<Appended> appended = MustAppend(*l, std::move(five));
  CHECK(appended.size() == 5);
  CHECK(gate->write_sizes == std::vector<size_t>{5 + 8 + 1});  // records, tree nodes, head
}

TEST_CASE("a failing side-writes callback stages nothing", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  auto failing = [](const std::vector<Appended>&, WriteSet&) {
    return FailedPreconditionError("projection refused");
  };
  CHECK(l->Append({Input(0)}, failing).status() ==
        FailedPreconditionError("side writes for seq 0: projection refused"));
  CHECK(l->staged_head().next_seq == 0);
  CHECK(MustAppend(*l, {Input(0)}).at(0).seq == 0);
  RequireVerifies(l->store(), 1);
}

TEST_CASE("side writes and unchained writes may not touch the chain", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  auto into_log = [](const std::vector<Appended>&, WriteSet& out) {
    out.Put(Family::kLog, SeqKey(9), "forged");
    return Status::Ok();
  };
  auto into_head = [](const std::vector<Appended>&, WriteSet& out) {
    out.Delete(Family::kMeta, kMetaHead);
    return Status::Ok();
  };
  CHECK(l->Append({Input(0)}, into_log).status() ==
        InvalidArgumentError("side writes may not touch the log family"));
  CHECK(l->Append({Input(0)}, into_head).status() ==
        InvalidArgumentError("side writes may not touch meta \"head\""));
  WriteSet unchained;
  unchained.Delete(Family::kLog, SeqKey(0));
  CHECK(l->WriteUnchained(unchained) ==
        InvalidArgumentError("unchained writes may not touch the log family"));
  CHECK(l->staged_head().next_seq == 0);
}

TEST_CASE("unchained writes land at once, outside the chain", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  MustAppend(*l, {Input(0)});
  WriteSet w;
  w.Delete(Family::kKeys, "secret/v1");
  w.Put(Family::kKeys, "secret/v2", "wrapped");
  REQUIRE(l->WriteUnchained(w).ok());
  CHECK(*l->store().Get(Family::kKeys, "secret/v2") == std::optional<std::string>("wrapped"));
  CHECK(l->durable_head().next_seq == 1);
}

TEST_CASE("a failed commit poisons the ledger", "[ledger]") {
  auto mem = NewMemStore();
  auto faulty =
      std::make_unique<testing::FaultyStore>(std::make_unique<testing::BorrowedStore>(*mem));
  auto fail = faulty->fail_writes;
  auto l = MustOpen(std::move(faulty));
  MustAppend(*l, {Input(0)});
  fail->store(true);
  Status want = InternalError("committing records seq 1..2: injected write failure");
  CHECK(l->Append({Input(1), Input(2)}).status() == want);
  fail->store(false);  // even once the disk recovers
  CHECK(l->Stage({Input(3)}).status() == want);
  CHECK(l->Append({Input(3)}).status() == want);
  CHECK(l->durable_head().next_seq == 1);
  CHECK(l->staged_head().next_seq == 3);  // ahead of the disk: why it is poisoned
  CHECK(ReadRecord(*mem, 1).status().code() == StatusCode::kNotFound);
  RequireVerifies(*mem, 1);
}

TEST_CASE("tickets queued behind a failed batch fail with it", "[ledger]") {
  auto mem = NewMemStore();
  auto faulty =
      std::make_unique<testing::FaultyStore>(std::make_unique<testing::BorrowedStore>(*mem));
  auto fail = faulty->fail_writes;
  auto gated = std::make_unique<testing::GateStore>(*faulty);
  auto gate = gated->gate;
  gate->hold = true;
  fail->store(true);
  auto l = MustOpen(std::move(gated), {.max_batch_records = 1});
  auto first = *l->Stage({Input(0)});
  gate->WaitEntered(1);
  auto second = *l->Stage({Input(1)});
  gate->Release();
  Status want = InternalError("committing records seq 0..0: injected write failure");
  CHECK(l->Await(first).status() == want);
  CHECK(l->Await(second).status() == want);
  CHECK(gate->write_sizes.size() == 1);  // the second batch was never written
}

TEST_CASE("await checks its ticket", "[ledger]") {
  auto l = MustOpen(NewMemStore());
  CHECK(l->Await(nullptr).status() == InvalidArgumentError("Await needs a ticket from Stage"));
  CHECK(l->Stage({}).status() == InvalidArgumentError("Stage needs at least one record"));
  auto t = *l->Stage({Input(0)});
  REQUIRE(l->Await(t).ok());
  CHECK(l->Await(t).status() == FailedPreconditionError("commit ticket was already awaited"));
}

TEST_CASE("destroying the ledger commits everything staged", "[ledger]") {
  auto mem = NewMemStore();
  {
    auto l = MustOpen(std::make_unique<testing::BorrowedStore>(*mem), {.max_batch_records = 3});
    for (int i = 0; i < 10; ++i) REQUIRE(l->Stage({Input(i)}).ok());
  }
  RequireVerifies(*mem, 10);
  CHECK(ReadHead(*mem)->next_seq == 10);
}

TEST_CASE("a reopened ledger continues the chain", "[ledger]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  {
    auto l = MustOpen(MustOpenRocks(dir, OpenMode::kCreate));
    MustAppend(*l, {Input(0), Input(1)});
  }
  auto l = MustOpen(MustOpenRocks(dir, OpenMode::kReadWrite));
  CHECK(l->durable_head().next_seq == 2);
  CHECK(MustAppend(*l, {Input(2)}).at(0).seq == 2);
  RequireVerifies(l->store(), 3);
}

TEST_CASE("open needs a writable store and a positive batch bound", "[ledger]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  MustOpenRocks(dir, OpenMode::kCreate).reset();
  auto ro = MustOpenRocks(dir, OpenMode::kReadOnly);
  Status read_only = Ledger::Open(std::move(ro)).status();
  CHECK(read_only == FailedPreconditionError("the ledger needs a writable store"));
  CHECK(Ledger::Open(NewMemStore(), {.max_batch_records = 0}).status() ==
        InvalidArgumentError("max_batch_records must be at least 1"));
  CHECK(Ledger::Open(nullptr).status() == InvalidArgumentError("Ledger::Open needs a store"));
}

TEST_CASE("open refuses a tail that disagrees with the meta head", "[ledger]") {
  auto mem = NewMemStore();
  {
    auto l = MustOpen(std::make_unique<testing::BorrowedStore>(*mem));
    MustAppend(*l, {Input(0), Input(1), Input(2)});
  }
  WriteSet tamper;
  Status want;
  SECTION("the last record deleted") {
    tamper.Delete(Family::kLog, SeqKey(2));
    want = DataLossError("meta head says the last record is seq 2 but the log ends at seq 1");
  }
  SECTION("the last record truncated") {
    tamper.Put(Family::kLog, SeqKey(2), ReadRecord(*mem, 2)->substr(0, 20));
    want = DataLossError("leaf hash of seq 2 does not match the meta head");
  }
  SECTION("a record appended behind the head's back") {
    tamper.Put(Family::kLog, SeqKey(3), *ReadRecord(*mem, 2));
    want = DataLossError("meta head says the last record is seq 2 but the log ends at seq 3");
  }
  SECTION("the head deleted") {
    tamper.Delete(Family::kMeta, kMetaHead);
    want = DataLossError("the log ends at seq 2 but meta has no head");
  }
  SECTION("every record deleted") {
    for (int i = 0; i < 3; ++i) tamper.Delete(Family::kLog, SeqKey(i));
    want = DataLossError("meta head says the last record is seq 2 but the log is empty");
  }
  SECTION("the head malformed") {
    tamper.Put(Family::kMeta, kMetaHead, "short");
    want = DataLossError("meta head is 5 bytes, want 40");
  }
  REQUIRE(mem->Write(tamper, true).ok());
  CHECK(Ledger::Open(std::make_unique<testing::BorrowedStore>(*mem)).status() == want);
}

TEST_CASE("WaitDurable returns at once when the durable head is already past", "[ledger][wait]") {
  auto l = MustOpen(NewMemStore());
  MustAppend(*l, {Input(0), Input(1)});
  const auto began = std::chrono::steady_clock::now();
  CHECK(l->WaitDurable(0, 10'000).next_seq == 2);
  CHECK(l->WaitDurable(1, 10'000).next_seq == 2);
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(5));
}

TEST_CASE("WaitDurable wakes when the batch holding the next record commits", "[ledger][wait]") {
  auto mem = NewMemStore();
  auto gated = std::make_unique<testing::GateStore>(*mem);
  auto gate = gated->gate;
  gate->hold = true;
  auto l = MustOpen(std::move(gated));
  std::atomic<bool> returned = false;
  Head woke;
  std::thread waiter([&] {
    woke = l->WaitDurable(0, 30'000);
    returned = true;
  });
  auto ticket = *l->Stage({Input(0)});
  gate->WaitEntered(1);  // staged and being written, not yet durable
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(returned.load());
  const auto released = std::chrono::steady_clock::now();
  gate->Release();
  waiter.join();
  CHECK(std::chrono::steady_clock::now() - released < std::chrono::seconds(10));
  CHECK(woke.next_seq == 1);
  CHECK(woke.last_leaf == l->durable_head().last_leaf);
  REQUIRE(l->Await(ticket).ok());
}

TEST_CASE("WaitDurable times out with the durable head unchanged", "[ledger][wait]") {
  auto l = MustOpen(NewMemStore());
  MustAppend(*l, {Input(0)});
  const auto began = std::chrono::steady_clock::now();
  Head head = l->WaitDurable(1, 60);
  CHECK(std::chrono::steady_clock::now() - began >= std::chrono::milliseconds(60));
  CHECK(head.next_seq == 1);
  CHECK(l->WaitDurable(5, 0).next_seq == 1);   // zero: just a look
  CHECK(l->WaitDurable(5, -1).next_seq == 1);  // negative counts as zero
}

// The encoded records of `l`, in order.
std::vector<std::string> EncodedRecords(const Ledger& l) {
  std::vector<std::string> out;
  for (uint64_t seq = 0; seq < l.durable_head().next_seq; ++seq) {
    Result<std::string> bytes = ReadRecord(l.store(), seq);
    REQUIRE(bytes.ok());
    out.push_back(*bytes);
  }
  return out;
}

TEST_CASE("StageVerbatim appends another ledger's records byte for byte, tree and head included", "[ledger][replication]") {
  auto primary = MustOpen(NewMemStore());
  for (uint64_t i = 0; i < 37; ++i) MustAppend(*primary, {Input(i)});
  const std::vector<std::string> records = EncodedRecords(*primary);

  auto replica = MustOpen(NewMemStore());
  // In uneven slices, as a replica fetches pages.
  for (size_t from = 0; from < records.size(); from += 10) {
    std::vector<std::string> page(records.begin() + from, records.begin() + std::min(records.size(), from + 10));
    auto ticket = replica->StageVerbatim(page);
    INFO(ticket.status().ToString());
    REQUIRE(ticket.ok());
    REQUIRE(replica->Await(*ticket).ok());
  }
  CHECK(replica->durable_head().next_seq == primary->durable_head().next_seq);
  CHECK(replica->durable_head().last_leaf == primary->durable_head().last_leaf);
  for (Family f : {Family::kLog, Family::kTree}) {
    CHECK(Contents(replica->store(), f) == Contents(primary->store(), f));
  }
  CHECK(Contents(replica->store(), Family::kMeta).at(std::string(kMetaHead)) ==
        Contents(primary->store(), Family::kMeta).at(std::string(kMetaHead)));
}

TEST_CASE("StageVerbatim refuses a record that does not decode or link, and stages nothing", "[ledger][replication]") {
  auto primary = MustOpen(NewMemStore());
  for (uint64_t i = 0; i < 6; ++i) MustAppend(*primary, {Input(i)});
  std::vector<std::string> records = EncodedRecords(*primary);
  auto other = MustOpen(NewMemStore());
  for (uint64_t i = 0; i < 6; ++i) MustAppend(*other, {Input(100 + i)});
  const std::vector<std::string> foreign = EncodedRecords(*other);

  auto replica = MustOpen(NewMemStore());
  REQUIRE(replica->Await(*replica->StageVerbatim({records[0], records[1]})).ok());
  const Head before = replica->durable_head();

  struct Case {
    const char* what;
    std::vector<std::string> page;
    const char* needle;
  };
  // A byte flipped in record 2's prev link, and one flipped in its payload:
  // the latter links (prev is intact), so only the next record exposes it (or
  // a signed checkpoint over record 2, which is why a replica applies only
  // records a verified checkpoint covers; service/replica.h).
  const crypto::Digest leaf1 = RecordLeafHash(records[1]);
  const size_t prev_at = records[2].find(std::string(reinterpret_cast<const char*>(leaf1.data()), leaf1.size()));
  REQUIRE(prev_at != std::string::npos);
  std::string flipped = records[2];
  flipped[prev_at + 7] ^= 0x01;
  std::string payload_flipped = records[2];
  const size_t payload_at = payload_flipped.find("payload 2 ");
  REQUIRE(payload_at != std::string::npos);
  payload_flipped[payload_at] ^= 0x01;
  std::string truncated = records[2].substr(0, records[2].size() - 5);
  const std::vector<Case> cases = {
      {"a byte flipped in the prev link", {flipped}, "replicated record 2 does not link"},
      {"a byte flipped in the payload, then the next record", {payload_flipped, records[3]},
       "replicated record 3 does not link"},
      {"a gap", {records[3]}, "carries seq 3"},
      {"a replay of a record applied already", {records[1]}, "carries seq 1"},
      {"two swapped", {records[3], records[2]}, "carries seq 3"},
      {"a good record then a spliced one", {records[2], foreign[3]}, "does not link"},
      {"a record of another ledger at the right seq", {foreign[2]}, "does not link"},
      {"truncated bytes", {truncated}, "replicated record 2"},
      {"not a record at all", {std::string("hello")}, "replicated record 2"},
  };
  for (const Case& c : cases) {
    auto ticket = replica->StageVerbatim(c.page);
    INFO(c.what << ": " << ticket.status().ToString());
    REQUIRE_FALSE(ticket.ok());
    CHECK(ticket.status().code() == StatusCode::kDataLoss);
    CHECK(ticket.status().message().find(c.needle) != std::string::npos);
    CHECK(replica->staged_head().next_seq == before.next_seq);
    CHECK(replica->staged_head().last_leaf == before.last_leaf);
  }
  // Still usable: the right record goes on.
  auto ok = replica->StageVerbatim({records[2]});
  REQUIRE(ok.ok());
  REQUIRE(replica->Await(*ok).ok());
  CHECK(replica->durable_head().next_seq == 3);
}

}  // namespace
}  // namespace cairn::ledger
