// Tampered twins: one good eight-record ledger, and for each way of tampering
// with it, the exact first bad seq and problem VerifyStore must report.
#include "ledger/verify.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "ledger/internal/meta_format.h"
#include "ledger/internal/tree_writer.h"
#include "ledger/ledger.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

using testing::CheckBlames;
using testing::DeleteOne;
using testing::Input;
using testing::WriteOne;

constexpr uint64_t kRecords = 8;

// Appends inputs `first`.. one per batch to a ledger over `store`.
void Build(Store& store, uint64_t count, uint64_t first = 0) {
  auto l = Ledger::Open(std::make_unique<testing::BorrowedStore>(store));
  REQUIRE(l.ok());
  for (uint64_t i = 0; i < count; ++i) REQUIRE((*l)->Append({Input(first + i)}).ok());
}

class Fixture {
 public:
  Fixture() : store_(NewMemStore()) { Build(*store_, kRecords); }

  std::string Bytes(uint64_t seq) const { return *ReadRecord(*store_, seq); }
  void Put(uint64_t seq, std::string bytes) { Write(Family::kLog, SeqKey(seq), std::move(bytes)); }
  void Write(Family f, std::string key, std::string value) { WriteOne(*store_, f, std::move(key), std::move(value)); }
  void Delete(Family f, std::string key) { DeleteOne(*store_, f, std::move(key)); }
  void Delete(uint64_t seq) { Delete(Family::kLog, SeqKey(seq)); }
  // Flips the low bit of the byte at `offset` of record `seq`.
  void Flip(uint64_t seq, size_t offset) {
    std::string b = Bytes(seq);
    REQUIRE(offset < b.size());
    b[offset] ^= 1;
    Put(seq, b);
  }
  size_t Find(uint64_t seq, std::string_view needle) const {
    size_t at = Bytes(seq).find(needle);
    REQUIRE(at != std::string::npos);
    return at;
  }
  VerifyReport Verify() const {
    Result<VerifyReport> r = VerifyStore(*store_);
    REQUIRE(r.ok());
    return *r;
  }
  const Store& store() const { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

std::string_view DigestBytes(const crypto::Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

TEST_CASE("the untampered twin verifies", "[ledger][verify]") {
  Fixture f;
  VerifyReport r = f.Verify();
  CHECK(r.ok);
  CHECK(r.records == kRecords);
  CHECK_FALSE(r.first_bad_seq.has_value());
  CHECK(r.problem.empty());
  CHECK(r.head == RecordLeafHash(f.Bytes(kRecords - 1)));
}

TEST_CASE("an empty ledger verifies", "[ledger][verify]") {
  auto store = NewMemStore();
  Result<VerifyReport> r = VerifyStore(*store);
  REQUIRE(r.ok());
  CHECK(r->ok);
  CHECK(r->records == 0);
  CHECK(r->head == crypto::Digest{});
}

TEST_CASE("verify pins a flipped payload byte to its record", "[ledger][verify]") {
  Fixture f;
  SECTION("the genesis record") {
    f.Flip(0, f.Find(0, "payload 0"));
    CheckBlames(f.Verify(), 0,
                "seq 0: leaf hash does not match the prev hash of seq 1 (record 0 altered)");
  }
  SECTION("a middle record") {
    f.Flip(3, f.Find(3, "payload 3"));
    VerifyReport r = f.Verify();
    CheckBlames(r, 3, "seq 3: leaf hash does not match the prev hash of seq 4 (record 3 altered)");
    CHECK(r.head == RecordLeafHash(f.Bytes(2)));  // the last good record
  }
  SECTION("the record before the last") {
    f.Flip(6, f.Find(6, "payload 6"));
    CheckBlames(f.Verify(), 6,
                "seq 6: leaf hash does not match the prev hash of seq 7 (record 6 altered)");
  }
  SECTION("the last record, caught by the meta head") {
    f.Flip(7, f.Find(7, "payload 7"));
    CheckBlames(f.Verify(), 7, "seq 7: leaf hash does not match the meta head");
  }
  SECTION("a byte of the actor") {
    f.Flip(5, f.Find(5, "req-5"));
    CheckBlames(f.Verify(), 5,
                "seq 5: leaf hash does not match the prev hash of seq 6 (record 5 altered)");
  }
}

TEST_CASE("verify pins a flipped prev byte to the record that holds it", "[ledger][verify]") {
  Fixture f;
  SECTION("the genesis record") {
    f.Flip(0, f.Find(0, std::string(32, '\0')) + 17);
    CheckBlames(f.Verify(), 0, "seq 0: prev hash is not 32 zero bytes");
  }
  SECTION("a middle record") {
    f.Flip(4, f.Find(4, DigestBytes(RecordLeafHash(f.Bytes(3)))));
    CheckBlames(f.Verify(), 4, "seq 4: prev hash does not match leaf hash of seq 3");
  }
  SECTION("the last record") {
    f.Flip(7, f.Find(7, DigestBytes(RecordLeafHash(f.Bytes(6)))) + 31);
    CheckBlames(f.Verify(), 7, "seq 7: prev hash does not match leaf hash of seq 6");
  }
}

TEST_CASE("verify names a record that no longer decodes", "[ledger][verify]") {
  Fixture f;
  SECTION("its file identifier flipped") {
    f.Flip(2, 4);
    CheckBlames(f.Verify(), 2, "seq 2: record file identifier is \"BRNR\", want \"CRNR\"");
  }
  SECTION("its root offset flipped past the end") {
    std::string b = f.Bytes(5);
    b[3] = '\x7f';
    f.Put(5, b);
    CheckBlames(f.Verify(), 5,
                "seq 5: record bytes fail the FlatBuffers verifier (" + std::to_string(b.size()) +
                    " bytes)");
  }
}

TEST_CASE("verify names the first dropped record", "[ledger][verify]") {
  Fixture f;
  SECTION("the genesis record") {
    f.Delete(0);
    CheckBlames(f.Verify(), 0, "seq 0: record missing (the next key is seq 1)");
  }
  SECTION("a middle record") {
    f.Delete(3);
    CheckBlames(f.Verify(), 3, "seq 3: record missing (the next key is seq 4)");
  }
  SECTION("two middle records") {
    f.Delete(4);
    f.Delete(5);
    CheckBlames(f.Verify(), 4, "seq 4: record missing (the next key is seq 6)");
  }
}

TEST_CASE("verify names the first of two reordered records", "[ledger][verify]") {
  Fixture f;
  SECTION("neighbours") {
    std::string a = f.Bytes(3), b = f.Bytes(4);
    f.Put(3, b);
    f.Put(4, a);
    CheckBlames(f.Verify(), 3, "seq 3: record carries seq 4");
  }
  SECTION("far apart") {
    std::string a = f.Bytes(1), b = f.Bytes(6);
    f.Put(1, b);
    f.Put(6, a);
    CheckBlames(f.Verify(), 1, "seq 1: record carries seq 6");
  }
}

TEST_CASE("verify names the key holding a duplicated record", "[ledger][verify]") {
  Fixture f;
  SECTION("over its successor") {
    f.Put(3, f.Bytes(2));
    CheckBlames(f.Verify(), 3, "seq 3: record carries seq 2");
  }
  SECTION("past the end") {
    f.Put(8, f.Bytes(7));
    CheckBlames(f.Verify(), 8, "seq 8: record carries seq 7");
  }
}

TEST_CASE("verify names a record spliced in from another ledger", "[ledger][verify]") {
  Fixture f;
  auto other = NewMemStore();
  Build(*other, kRecords, /*first=*/100);
  SECTION("the genesis record") {
    f.Put(0, *ReadRecord(*other, 0));
    CheckBlames(f.Verify(), 0,
                "seq 0: leaf hash does not match the prev hash of seq 1 (record 0 altered)");
  }
  SECTION("a middle record") {
    f.Put(3, *ReadRecord(*other, 3));
    CheckBlames(f.Verify(), 3, "seq 3: prev hash does not match leaf hash of seq 2");
  }
  SECTION("the last record") {
    f.Put(7, *ReadRecord(*other, 7));
    CheckBlames(f.Verify(), 7, "seq 7: prev hash does not match leaf hash of seq 6");
  }
  SECTION("a record from a fork that shares the records before it") {
    auto fork = NewMemStore();
    WriteSet prefix;
    for (uint64_t i = 0; i < 4; ++i) prefix.Put(Family::kLog, SeqKey(i), f.Bytes(i));
    prefix.Put(Family::kMeta, kMetaHead, EncodeHead({4, RecordLeafHash(f.Bytes(3))}));
    REQUIRE(fork->Write(prefix, true).ok());
    Build(*fork, 1, /*first=*/500);
    f.Put(4, *ReadRecord(*fork, 4));
    CheckBlames(f.Verify(), 4,
                "seq 4: leaf hash does not match the prev hash of seq 5 (record 4 altered)");
  }
}

TEST_CASE("verify names a record whose embedded seq differs from its key", "[ledger][verify]") {
  Fixture f;
  f.Put(5, EncodeRecord(15, RecordLeafHash(f.Bytes(4)), Input(5)));
  CheckBlames(f.Verify(), 5, "seq 5: record carries seq 15");
}

TEST_CASE("verify names a malformed log key", "[ledger][verify]") {
  Fixture f;
  f.Write(Family::kLog, SeqKey(3) + "x", "junk");  // sorts between seq 3 and seq 4
  CheckBlames(f.Verify(), 4, "seq 4: log key is 9 bytes, want 8");
}

TEST_CASE("verify finds a torn tail", "[ledger][verify]") {
  Fixture f;
  std::string last = f.Bytes(7);
  SECTION("the last record cut in half") {
    f.Put(7, last.substr(0, last.size() / 2));
    CheckBlames(f.Verify(), 7,
                "seq 7: record bytes fail the FlatBuffers verifier (" +
                    std::to_string(last.size() / 2) + " bytes)");
  }
  SECTION("the last record short of its final bytes") {
    for (size_t cut = 1; cut <= 8; ++cut) {
      f.Put(7, last.substr(0, last.size() - cut));
      VerifyReport r = f.Verify();  // decodes or not, the head no longer matches
      CHECK_FALSE(r.ok);
      CHECK(r.first_bad_seq == std::optional<uint64_t>(7));
    }
  }
  SECTION("the last record deleted") {
    f.Delete(7);
    CheckBlames(f.Verify(), 7, "seq 7: record missing (meta head says the last record is seq 7)");
  }
  SECTION("the last three records deleted") {
    for (uint64_t s : {5, 6, 7}) f.Delete(s);
    VerifyReport r = f.Verify();
    CheckBlames(r, 5, "seq 5: record missing (meta head says the last record is seq 7)");
    CHECK(r.records == 5);
    CHECK(r.head == RecordLeafHash(f.Bytes(4)));
  }
  SECTION("a linked record appended behind the head's back") {
    auto copy = NewMemStore();
    WriteSet all;
    for (uint64_t i = 0; i < kRecords; ++i) all.Put(Family::kLog, SeqKey(i), f.Bytes(i));
    all.Put(Family::kMeta, kMetaHead, EncodeHead({kRecords, RecordLeafHash(last)}));
    REQUIRE(copy->Write(all, true).ok());
    Build(*copy, 1, /*first=*/900);
    f.Put(8, *ReadRecord(*copy, 8));
    CheckBlames(f.Verify(), 8,
                "seq 8: record past the meta head (meta head says the last record is seq 7)");
  }
  SECTION("the meta head deleted") {
    f.Delete(Family::kMeta, kMetaHead);
    CheckBlames(f.Verify(), 0, "seq 0: record past the meta head (meta has no head)");
  }
  SECTION("the meta head malformed") {
    f.Write(Family::kMeta, kMetaHead, "garbage");
    VerifyReport r = f.Verify();
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.first_bad_seq.has_value());
    CHECK(r.problem == "meta head is 7 bytes, want 40");
  }
}

TEST_CASE("with two tamperings verify blames the earlier record", "[ledger][verify]") {
  Fixture f;
  f.Flip(3, f.Find(3, "payload 3"));  // breaks link 3 -> 4
  f.Delete(5);                        // so link 4 -> 5 cannot judge it
  CheckBlames(f.Verify(), 3,
              "seq 4: prev hash does not match leaf hash of seq 3, and then seq 5: record "
              "missing (the next key is seq 6)");
}

TEST_CASE("the chain verifier works on bytes alone", "[ledger][verify]") {
  Fixture f;
  ChainVerifier v;
  for (uint64_t i = 0; i < kRecords; ++i) v.Add(SeqKey(i), f.Bytes(i));
  Head head{kRecords, RecordLeafHash(f.Bytes(kRecords - 1))};

  SECTION("with the right head") { CHECK(v.Finish(head).ok); }
  SECTION("with a head from elsewhere") {
    head.last_leaf[0] ^= 1;
    CheckBlames(v.Finish(head), 7, "seq 7: leaf hash does not match the meta head");
  }
  SECTION("with the head of an empty ledger") {
    CheckBlames(v.Finish(Head{}), 0,
                "seq 0: record past the meta head (meta head says the ledger is empty)");
  }
  SECTION("fed out of order") {
    v.Add(SeqKey(2), f.Bytes(2));
    CheckBlames(v.Finish(head), 8, "seq 8: key seq 2 out of order");
  }
}

TEST_CASE("verifying a ledger while it is appended to finds nothing wrong", "[ledger][verify]") {
  auto mem = NewMemStore();
  auto l = Ledger::Open(std::make_unique<testing::BorrowedStore>(*mem));
  REQUIRE(l.ok());
  constexpr uint64_t kEach = 300;
  std::atomic<int> running{4};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 0; i < kEach; ++i) (void)(*l)->Append({Input(t * uint64_t{1000} + i)});
      --running;
    });
  }
  int rounds = 0;
  while (running > 0 || rounds == 0) {
    Result<VerifyReport> r = VerifyStore(*mem);
    REQUIRE(r.ok());
    INFO(r->problem);
    CHECK(r->ok);
    ++rounds;
  }
  for (auto& w : writers) w.join();
  Result<VerifyReport> r = VerifyStore(*mem);
  REQUIRE(r.ok());
  CHECK(r->records == 4 * kEach);
}

TEST_CASE("verify reports progress every 100000 records", "[.slow][ledger][verify]") {
  auto mem = NewMemStore();
  WriteSet w;
  crypto::Digest prev{};
  constexpr uint64_t kCount = 200001;
  CompactRange tree;
  const CompactRange::NodeVisitor put = PutNodesInto(w);
  for (uint64_t i = 0; i < kCount; ++i) {
    std::string bytes = EncodeRecord(i, prev, Input(i, 0));
    prev = RecordLeafHash(bytes);
    tree.Append(prev, put);
    w.Put(Family::kLog, SeqKey(i), std::move(bytes));
  }
  w.Put(Family::kMeta, kMetaHead, EncodeHead({kCount, prev}));
  REQUIRE(mem->Write(w, false).ok());
  std::vector<uint64_t> calls;
  Result<VerifyReport> r = VerifyStore(*mem, [&](uint64_t done) { calls.push_back(done); });
  REQUIRE(r.ok());
  CHECK(r->ok);
  CHECK(r->records == kCount);
  CHECK(calls == std::vector<uint64_t>{100000, 200000});
}

TEST_CASE("a tampered RocksDB ledger verifies the same through a read-only handle",
          "[ledger][verify]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  {
    auto store = OpenRocksStore(dir, OpenMode::kCreate);
    REQUIRE(store.ok());
    Build(**store, kRecords);
    std::string b = *ReadRecord(**store, 3);
    b[b.find("payload 3")] ^= 1;
    WriteSet w;
    w.Put(Family::kLog, SeqKey(3), b);
    REQUIRE((*store)->Write(w, true).ok());
  }
  auto ro = OpenRocksStore(dir, OpenMode::kReadOnly);
  REQUIRE(ro.ok());
  Result<VerifyReport> r = VerifyStore(**ro);
  REQUIRE(r.ok());
  CheckBlames(*r, 3, "seq 3: leaf hash does not match the prev hash of seq 4 (record 3 altered)");
}

}  // namespace
}  // namespace cairn::ledger
