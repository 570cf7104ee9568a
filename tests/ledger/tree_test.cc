// The stored Merkle tree (ledger/tree.h): written with the records, read back
// as roots and proofs equal to the naive oracle's, built for ledgers that
// predate it, and held against the records by VerifyStore.
#include "ledger/tree.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "ledger/internal/meta_format.h"
#include "ledger/internal/tree_writer.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

using testing::BorrowedStore;
using testing::Input;

// Counts reads and keeps every write; forwards to a store owned elsewhere.
class WatchedStore final : public BorrowedStore {
 public:
  explicit WatchedStore(Store& inner) : BorrowedStore(inner) {}
  struct Log {
    std::mutex mu;
    std::vector<WriteSet> writes;
    std::atomic<int> gets{0};
  };
  std::shared_ptr<Log> log = std::make_shared<Log>();

  Status Write(const WriteSet& writes, bool sync) override {
    {
      std::lock_guard lock(log->mu);
      log->writes.push_back(writes);
    }
    return inner_.Write(writes, sync);
  }
  Result<std::optional<std::string>> Get(Family f, std::string_view key) const override {
    ++log->gets;
    return inner_.Get(f, key);
  }
};

std::unique_ptr<Ledger> OpenLedger(Store& store) {
  auto l = Ledger::Open(testing::Borrow(store));
  REQUIRE(l.ok());
  return std::move(*l);
}

// The records' leaf hashes, read back from the log.
std::vector<Digest> LogLeaves(const Store& store) {
  std::vector<Digest> leaves;
  REQUIRE(ForEachRecord(store, 0, [&](std::string_view, std::string_view bytes) {
            leaves.push_back(RecordLeafHash(bytes));
            return true;
          }).ok());
  return leaves;
}

// A ledger as written before the tree existed: records and head, no `tree`.
void WriteChainOnly(Store& store, uint64_t first, uint64_t count) {
  Result<Head> head = ReadHead(store);
  REQUIRE(head.ok());
  REQUIRE(head->next_seq == first);
  WriteSet w;
  Digest prev = head->last_leaf;
  for (uint64_t i = first; i < first + count; ++i) {
    std::string bytes = EncodeRecord(i, prev, Input(i));
    prev = RecordLeafHash(bytes);
    w.Put(Family::kLog, SeqKey(i), std::move(bytes));
  }
  w.Put(Family::kMeta, kMetaHead, EncodeHead({first + count, prev}));
  REQUIRE(store.Write(w, true).ok());
}

VerifyReport Verify(const Store& store) {
  Result<VerifyReport> r = VerifyStore(store);
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("the tree's roots and proofs equal the oracle's for every size up to 130",
          "[ledger][tree][oracle]") {
  auto mem = NewMemStore();
  {
    auto l = OpenLedger(*mem);
    for (uint64_t i = 0; i < 130; ++i) REQUIRE(l->Append({Input(i)}).ok());
  }
  const std::vector<Digest> leaves = LogLeaves(*mem);
  REQUIRE(leaves.size() == 130);
  TreeReader tree(*mem);
  for (uint64_t n = 1; n <= 130; ++n) {
    INFO("size " << n);
    std::span<const Digest> prefix = std::span(leaves).first(n);
    REQUIRE(*tree.Root(n) == RootOf(prefix));
    for (uint64_t i = 0; i < n; ++i) {
      Result<std::vector<Digest>> proof = tree.InclusionProof(i, n);
      REQUIRE(proof.ok());
      REQUIRE(*proof == *InclusionProofOf(prefix, i));
    }
    const bool all_pairs = n <= 40 || n % 16 == 0 || n % 16 == 1 || n == 130;
    for (uint64_t m = 0; m <= n; ++m) {
      if (!all_pairs && m % 7 != 0 && m != n - 1) continue;
      Result<std::vector<Digest>> proof = tree.ConsistencyProof(m, n);
      REQUIRE(proof.ok());
      INFO(m << " -> " << n);
      REQUIRE(*proof == *ConsistencyProofOf(prefix, m));
    }
  }
}

TEST_CASE("tree nodes ride in the same write as the records that complete them", "[ledger][tree]") {
  auto mem = NewMemStore();
  WatchedStore watched(*mem);
  std::shared_ptr<WatchedStore::Log> log = watched.log;
  {
    auto l = Ledger::Open(testing::Borrow(watched));
    REQUIRE(l.ok());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (uint64_t i = 0; i < 50; ++i) failures += !(*l)->Append({Input(t * 1000 + i)}).ok();
      });
    }
    for (auto& t : threads) t.join();
    REQUIRE(failures == 0);
    REQUIRE((*l)->Append({Input(9000), Input(9001), Input(9002)}).ok());
  }
  CompactRange oracle;
  for (const WriteSet& w : log->writes) {
    std::set<std::string> tree_keys, want;
    bool head = false;
    for (const WriteOp& op : w.ops()) {
      if (op.family == Family::kTree) tree_keys.insert(op.key);
      if (op.family == Family::kMeta && op.key == kMetaHead) head = true;
      if (op.family != Family::kLog) continue;
      REQUIRE(*ParseSeqKey(op.key) == oracle.size());
      oracle.Append(RecordLeafHash(op.value), [&](uint8_t level, uint64_t index, const Digest&) {
        want.insert(TreeNodeKey(level, index));
      });
    }
    CHECK(head);
    CHECK(tree_keys == want);
  }
  REQUIRE(oracle.size() == 203);
  CHECK(*TreeReader(*mem).Root(203) == RootOf(LogLeaves(*mem)));
  VerifyReport r = Verify(*mem);
  CHECK(r.ok);
  CHECK(r.tree_ok);
  CHECK(r.root == oracle.Root());
}

TEST_CASE("after concurrent appends the stored root equals the oracle's", "[ledger][tree]") {
  auto mem = NewMemStore();
  auto l = OpenLedger(*mem);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < 100; ++i) failures += !l->Append({Input(t * 1000 + i)}).ok();
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  const std::vector<Digest> leaves = LogLeaves(*mem);
  REQUIRE(leaves.size() == 400);
  CHECK(*TreeReader(*mem).Root(400) == RootOf(leaves));
  VerifyReport r = Verify(*mem);
  INFO(r.problem);
  CHECK(r.ok);
  CHECK(r.root == RootOf(leaves));
}

TEST_CASE("opening a ledger written before the tree builds it in one write",
          "[ledger][tree][backfill]") {
  auto mem = NewMemStore();
  SECTION("a ledger with no tree at all") {
    WriteChainOnly(*mem, 0, 77);
    VerifyReport before = Verify(*mem);
    CHECK_FALSE(before.ok);
    CHECK_FALSE(before.tree_ok);
    CHECK(before.problem ==
          "the tree family is empty: the ledger was written before the Merkle tree (opening it "
          "read-write builds the tree)");
    CHECK(before.root == RootOf(LogLeaves(*mem)));
  }
  SECTION("a ledger whose tree stops short of the log") {
    REQUIRE(OpenLedger(*mem)->Append({Input(0), Input(1), Input(2), Input(3), Input(4)}).ok());
    WriteChainOnly(*mem, 5, 72);
    CHECK(*StoredTreeSize(*mem, 77) == 5);
    VerifyReport before = Verify(*mem);
    CHECK_FALSE(before.tree_ok);
    CHECK(before.problem == "tree node (level 0, index 5) is missing");
  }
  WatchedStore watched(*mem);
  {
    auto l = Ledger::Open(testing::Borrow(watched));
    REQUIRE(l.ok());
    CHECK(watched.log->writes.size() == 1);
    REQUIRE((*l)->Append({Input(500)}).ok());
  }
  const std::vector<Digest> leaves = LogLeaves(*mem);
  REQUIRE(leaves.size() == 78);
  CHECK(*TreeReader(*mem).Root(78) == RootOf(leaves));
  VerifyReport after = Verify(*mem);
  INFO(after.problem);
  CHECK(after.ok);
  CHECK(after.tree_ok);
  WatchedStore again(*mem);  // a second open writes nothing
  REQUIRE(Ledger::Open(testing::Borrow(again)).ok());
  CHECK(again.log->writes.empty());
}

class TamperFixture {
 public:
  explicit TamperFixture(uint64_t records = 11) : store_(NewMemStore()) {
    auto l = OpenLedger(*store_);
    for (uint64_t i = 0; i < records; i += 100) {
      std::vector<RecordInput> batch;
      for (uint64_t j = i; j < std::min(records, i + 100); ++j) batch.push_back(Input(j));
      REQUIRE(l->Append(std::move(batch)).ok());
    }
  }
  void Put(uint8_t level, uint64_t index, std::string value) {
    WriteSet w;
    w.Put(Family::kTree, TreeNodeKey(level, index), std::move(value));
    REQUIRE(store_->Write(w, true).ok());
  }
  void Flip(uint8_t level, uint64_t index) {
    std::string v = **store_->Get(Family::kTree, TreeNodeKey(level, index));
    v[5] ^= 1;
    Put(level, index, v);
  }
  void Delete(uint8_t level, uint64_t index) {
    WriteSet w;
    w.Delete(Family::kTree, TreeNodeKey(level, index));
    REQUIRE(store_->Write(w, true).ok());
  }
  void CheckTreeProblem(const std::string& problem) const {
    VerifyReport r = Verify(*store_);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.tree_ok);
    CHECK_FALSE(r.first_bad_seq.has_value());  // the records are fine
    CHECK(r.problem == problem);
    CHECK(r.root == RootOf(LogLeaves(*store_)));
  }
  Store& store() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

TEST_CASE("verify catches a tampered tree node", "[ledger][tree][verify][tamper]") {
  TamperFixture f;
  SECTION("a leaf flipped") {
    f.Flip(0, 3);
    f.CheckTreeProblem("tree node (level 0, index 3) does not match the records");
  }
  SECTION("an interior node flipped") {
    f.Flip(1, 2);
    f.CheckTreeProblem("tree node (level 1, index 2) does not match the records");
  }
  SECTION("the node the root is made of flipped") {
    f.Flip(3, 0);
    f.CheckTreeProblem("tree node (level 3, index 0) does not match the records");
  }
  SECTION("a node deleted") {
    f.Delete(2, 1);
    f.CheckTreeProblem("tree node (level 2, index 1) is missing");
  }
  SECTION("a node cut short") {
    f.Put(1, 4, std::string(31, 'x'));
    f.CheckTreeProblem("tree node (level 1, index 4) does not match the records");
  }
  SECTION("a node past the end of the log") {
    f.Put(0, 11, std::string(32, 'x'));
    f.CheckTreeProblem("tree node (level 0, index 11) lies past the end of the log (11 records)");
  }
  SECTION("an ephemeral node stored") {
    f.Put(2, 2, std::string(32, 'x'));  // covers leaves 8..11, incomplete at 11
    f.CheckTreeProblem("tree node (level 2, index 2) lies past the end of the log (11 records)");
  }
}

// VerifyStore reads the log in chunks of 1024 records and folds each tree
// level 64 nodes at a time: tampering far from the start, across those
// boundaries, is named as precisely as in a small tree.
TEST_CASE("verify names a tampered node of a tree larger than one chunk",
          "[ledger][tree][verify][tamper]") {
  TamperFixture f(3000);
  CHECK(Verify(f.store()).ok);
  SECTION("a late leaf flipped") {
    f.Flip(0, 2999);
    f.CheckTreeProblem("tree node (level 0, index 2999) does not match the records");
  }
  SECTION("a leaf past the first fold flipped") {
    f.Flip(0, 1100);
    f.CheckTreeProblem("tree node (level 0, index 1100) does not match the records");
  }
  SECTION("an interior node in the second chunk flipped") {
    f.Flip(1, 700);
    f.CheckTreeProblem("tree node (level 1, index 700) does not match the records");
  }
  SECTION("a high node flipped") {
    f.Flip(11, 0);
    f.CheckTreeProblem("tree node (level 11, index 0) does not match the records");
  }
  SECTION("a node deleted in the middle of a level") {
    f.Delete(3, 200);
    f.CheckTreeProblem("tree node (level 3, index 200) is missing");
  }
  SECTION("a node swapped with its neighbour") {
    std::string a = **f.store().Get(Family::kTree, TreeNodeKey(2, 400));
    std::string b = **f.store().Get(Family::kTree, TreeNodeKey(2, 401));
    f.Put(2, 400, b);
    f.Put(2, 401, a);
    f.CheckTreeProblem("tree node (level 2, index 400) does not match the records");
  }
  SECTION("a node with a byte appended") {
    f.Put(4, 150, **f.store().Get(Family::kTree, TreeNodeKey(4, 150)) + "x");
    f.CheckTreeProblem("tree node (level 4, index 150) does not match the records");
  }
  SECTION("a malformed key inside a level") {
    WriteSet w;
    w.Put(Family::kTree, TreeNodeKey(1, 600) + "x", std::string(32, 'x'));
    REQUIRE(f.store().Write(w, true).ok());
    f.CheckTreeProblem("malformed tree key " +
                       crypto::ToHex(crypto::AsBytes(TreeNodeKey(1, 600) + "x")) +
                       " before tree node (level 1, index 601)");
  }
  SECTION("a node past the end of the log") {
    f.Put(0, 3000, std::string(32, 'x'));
    f.CheckTreeProblem(
        "tree node (level 0, index 3000) lies past the end of the log (3000 records)");
  }
}

TEST_CASE("a record altered on disk is reported by the chain and disowned by the tree",
          "[ledger][tree][verify][tamper]") {
  TamperFixture f;
  std::string b = *ReadRecord(f.store(), 4);
  b[b.find("payload 4")] ^= 1;
  WriteSet w;
  w.Put(Family::kLog, SeqKey(4), b);
  REQUIRE(f.store().Write(w, true).ok());
  VerifyReport r = Verify(f.store());
  CHECK(r.first_bad_seq == std::optional<uint64_t>(4));
  CHECK(r.problem == "seq 4: leaf hash does not match the prev hash of seq 5 (record 4 altered)");
  CHECK_FALSE(r.tree_ok);
}

TEST_CASE("opening refuses a tree whose last leaf disagrees with the head", "[ledger][tree]") {
  TamperFixture f;
  f.Flip(0, 10);
  auto l = Ledger::Open(testing::Borrow(f.store()));
  REQUIRE_FALSE(l.ok());
  CHECK(l.status() == DataLossError("tree leaf 10 does not match the meta head"));
}

TEST_CASE("side writes may not touch the tree", "[ledger][tree]") {
  auto mem = NewMemStore();
  auto l = OpenLedger(*mem);
  auto r = l->Append({Input(0)}, [](const std::vector<Appended>&, WriteSet& out) {
    out.Put(Family::kTree, TreeNodeKey(0, 0), std::string(32, 'x'));
    return Status::Ok();
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.status() == InvalidArgumentError("side writes may not touch the tree family"));
  CHECK(l->WriteUnchained([] {
    WriteSet w;
    w.Delete(Family::kTree, TreeNodeKey(0, 0));
    return w;
  }()) == InvalidArgumentError("unchained writes may not touch the tree family"));
}

TEST_CASE("the tree reader names bad questions and missing nodes", "[ledger][tree]") {
  TamperFixture f;
  TreeReader tree(f.store());
  CHECK(tree.InclusionProof(11, 11).status() ==
        InvalidArgumentError("leaf index 11 is not below tree size 11"));
  CHECK(tree.ConsistencyProof(12, 11).status() ==
        InvalidArgumentError("old tree size 12 is above new tree size 11"));
  CHECK(tree.Root(12).status() == DataLossError("tree node (level 2, index 2) is missing"));
  CHECK(tree.InclusionProof(3, 12).status() ==
        DataLossError("tree node (level 2, index 2) is missing"));
  CHECK(*tree.Root(0) == EmptyRoot());
  f.Put(1, 0, "short");
  CHECK(tree.Node(1, 0).status() ==
        DataLossError("tree node (level 1, index 0) is 5 bytes, want 32"));
}

TEST_CASE("proofs take O(log n) reads", "[ledger][tree]") {
  auto mem = NewMemStore();
  {
    WriteSet w;
    CompactRange range;
    const CompactRange::NodeVisitor put = PutNodesInto(w);
    for (uint64_t i = 0; i < 1000; ++i) {
      range.Append(crypto::LeafHash(crypto::AsBytes(std::to_string(i))), put);
    }
    REQUIRE(mem->Write(w, false).ok());
  }
  WatchedStore watched(*mem);
  TreeReader tree(watched);
  auto reads = [&](auto&& f) {
    int before = watched.log->gets;
    REQUIRE(f().ok());
    return watched.log->gets - before;
  };
  for (uint64_t n : {1000, 999, 777, 513}) {
    CHECK(reads([&] { return tree.Root(n); }) <= 10);
    for (uint64_t i : {uint64_t{0}, n / 3, n - 1}) {
      CHECK(reads([&] { return tree.InclusionProof(i, n); }) <= 20);
    }
    for (uint64_t m : {uint64_t{1}, n / 3, n - 1}) {
      CHECK(reads([&] { return tree.ConsistencyProof(m, n); }) <= 21);
    }
  }
}

TEST_CASE("tree keys are level then big-endian index", "[ledger][tree][format]") {
  CHECK(TreeNodeKey(0, 0) == std::string(9, '\0'));
  CHECK(TreeNodeKey(3, 258) == std::string("\x03\x00\x00\x00\x00\x00\x00\x01\x02", 9));
  Result<TreeNodeId> id = ParseTreeNodeKey(TreeNodeKey(5, 1234567));
  REQUIRE(id.ok());
  CHECK(id->level == 5);
  CHECK(id->index == 1234567);
  CHECK(ParseTreeNodeKey("abc").status() == DataLossError("tree key is 3 bytes, want 9"));
  CHECK(ParseTreeNodeKey(TreeNodeKey(64, 0)).status() ==
        DataLossError("tree key has level 64, want < 64"));
}

}  // namespace
}  // namespace cairn::ledger
