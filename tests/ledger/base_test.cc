// A ledger that starts at a base (ledger/ledger.h, "Base"): a DR replica
// bootstrapped from a snapshot. A reference ledger of N records is built in
// one store; another is made a ledger at base N with ImportBase (the
// reference's compact range of the first N leaves) and fed the reference's
// records from N on with StageVerbatim. Its head, tree roots and proofs must
// then be the reference's (and the naive oracle's), it must reopen and
// verify, and tampering with what it holds must show.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "ledger/internal/meta_format.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/tree.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

using Catch::Matchers::Contains;
using testing::Borrow;
using testing::CheckBlames;
using testing::DeleteOne;
using testing::Input;
using testing::WriteOne;

std::unique_ptr<Ledger> OpenLedger(Store& store) {
  auto l = Ledger::Open(Borrow(store));
  INFO(l.status().message());
  REQUIRE(l.ok());
  return std::move(*l);
}

// A reference ledger of `count` records, appended in batches of up to 7.
std::unique_ptr<Store> Reference(uint64_t count) {
  auto store = NewMemStore();
  auto l = OpenLedger(*store);
  for (uint64_t i = 0; i < count;) {
    std::vector<RecordInput> batch;
    for (uint64_t j = 0; j < 7 && i < count; ++j, ++i) batch.push_back(Input(i));
    REQUIRE(l->Append(std::move(batch)).ok());
  }
  return store;
}

std::vector<Digest> Leaves(const Store& store) {
  std::vector<Digest> out;
  REQUIRE(ForEachRecord(store, 0, [&](std::string_view, std::string_view bytes) {
            out.push_back(RecordLeafHash(bytes));
            return true;
          }).ok());
  return out;
}

Base BaseOf(const Store& ref, uint64_t n) {
  Result<std::string> last = ReadRecord(ref, n - 1);
  REQUIRE(last.ok());
  return Base{n, RecordLeafHash(*last)};
}

CompactRange FrontierOf(const Store& ref, uint64_t n) {
  Result<CompactRange> f = TreeReader(ref).Frontier(n);
  REQUIRE(f.ok());
  return *f;
}

// Makes `target` a ledger at base n of `ref`.
void Import(const Store& ref, uint64_t n, Store& target, WriteSet extra = {}) {
  Status s = ImportBase(target, BaseOf(ref, n), FrontierOf(ref, n), std::move(extra));
  INFO(s.message());
  REQUIRE(s.ok());
}

// Stages ref's records [from, to) into `l`, verbatim, in pages of up to 9.
void Replicate(const Store& ref, Ledger& l, uint64_t from, uint64_t to) {
  for (uint64_t seq = from; seq < to;) {
    std::vector<std::string> page;
    for (uint64_t j = 0; j < 9 && seq < to; ++j, ++seq) page.push_back(*ReadRecord(ref, seq));
    auto ticket = l.StageVerbatim(std::move(page));
    INFO(ticket.status().message());
    REQUIRE(ticket.ok());
    REQUIRE(l.Await(*ticket).ok());
  }
}

VerifyReport Verify(const Store& store) {
  Result<VerifyReport> r = VerifyStore(store);
  REQUIRE(r.ok());
  return *r;
}

bool SameHead(const Head& a, const Head& b) {
  return a.next_seq == b.next_seq && a.last_leaf == b.last_leaf;
}

std::string DigestString(const Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// A question below the base: answered as the oracle does, or refused as not
// kept, naming the base. Returns whether it was refused.
template <typename T>
bool CheckOracleOrRefused(const Result<T>& got, const T& want, uint64_t base) {
  if (got.ok()) {
    CHECK(*got == want);
    return false;
  }
  INFO(got.status().message());
  CHECK(got.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(got.status().message(),
             Contains("starts at seq " + std::to_string(base) + " (a snapshot base)"));
  return true;
}

TEST_CASE("a ledger imported at a base and fed the reference's records serves the reference's tree",
          "[ledger][base][tree][oracle]") {
  const uint64_t base = GENERATE(1, 2, 3, 5, 8, 13, 64, 100);
  const uint64_t total = base + 37;
  INFO("base " << base);
  auto ref = Reference(total);
  const std::vector<Digest> leaves = Leaves(*ref);
  REQUIRE(leaves.size() == total);

  auto replica = NewMemStore();
  Import(*ref, base, *replica);
  CHECK(*ReadBase(*replica) == BaseOf(*ref, base));
  CHECK(SameHead(*ReadHead(*replica), Head{base, leaves[base - 1]}));
  {
    auto l = OpenLedger(*replica);
    CHECK(SameHead(l->staged_head(), Head{base, leaves[base - 1]}));
    Replicate(*ref, *l, base, total);
    CHECK(SameHead(l->durable_head(), *ReadHead(*ref)));
  }
  CHECK(SameHead(*ReadHead(*replica), *ReadHead(*ref)));
  // The log holds exactly the reference's records from the base on.
  std::map<std::string, std::string> want_log = testing::Contents(*ref, Family::kLog);
  want_log.erase(want_log.begin(), want_log.find(SeqKey(base)));
  CHECK(testing::Contents(*replica, Family::kLog) == want_log);

  TreeReader tree(*replica);
  TreeReader ref_tree(*ref);
  int refused = 0;
  for (uint64_t n = base; n <= total; ++n) {
    INFO("size " << n);
    std::span<const Digest> prefix = std::span(leaves).first(n);
    Result<Digest> root = tree.Root(n);
    REQUIRE(root.ok());
    CHECK(*root == RootOf(prefix));
    CHECK(*root == *ref_tree.Root(n));
    for (uint64_t i = base; i < n; ++i) {
      Result<std::vector<Digest>> proof = tree.InclusionProof(i, n);
      INFO("leaf " << i << ": " << proof.status().message());
      REQUIRE(proof.ok());
      CHECK(*proof == *InclusionProofOf(prefix, i));
    }
    for (uint64_t m = base; m <= n; ++m) {
      Result<std::vector<Digest>> proof = tree.ConsistencyProof(m, n);
      INFO(m << " -> " << n << ": " << proof.status().message());
      REQUIRE(proof.ok());
      CHECK(*proof == *ConsistencyProofOf(prefix, m));
    }
    // Below the base: the oracle's answer or a refusal naming the base, never a wrong answer.
    for (uint64_t m = 1; m < base; m += (base > 20 ? 7 : 1)) {
      refused +=
          CheckOracleOrRefused(tree.ConsistencyProof(m, n), *ConsistencyProofOf(prefix, m), base);
      refused += CheckOracleOrRefused(tree.InclusionProof(m - 1, n),
                                      *InclusionProofOf(prefix, m - 1), base);
      refused += CheckOracleOrRefused(tree.Root(m), RootOf(std::span(leaves).first(m)), base);
    }
  }
  // Below every base but 1 (nothing to ask there) some question needs a node it does not keep.
  CHECK((refused > 0) == (base > 1));
  // The tree holds the base's compact range and the nodes completed since: no more.
  for (const auto& [key, value] : testing::Contents(*replica, Family::kTree)) {
    TreeNodeId id = *ParseTreeNodeKey(key);
    INFO(DescribeNode(id.level, id.index));
    CHECK(NodeKeptWithBase(base, id.level, id.index));
    CHECK(testing::Contents(*ref, Family::kTree).at(key) == value);
  }

  VerifyReport report = Verify(*replica);
  INFO(report.problem);
  CHECK(report.ok);
  CHECK(report.tree_ok);
  CHECK(report.records == total - base);
  CHECK(report.root == RootOf(leaves));
  CHECK(report.head == leaves.back());

  // Reopened, it goes on: an append through Stage equals the reference's.
  {
    auto l = OpenLedger(*replica);
    auto r = OpenLedger(*ref);
    auto mine = l->Append({Input(total)});
    auto theirs = r->Append({Input(total)});
    REQUIRE(mine.ok());
    REQUIRE(theirs.ok());
    CHECK(mine->at(0).bytes == theirs->at(0).bytes);
  }
  CHECK(*TreeReader(*replica).Root(total + 1) == *TreeReader(*ref).Root(total + 1));
  CHECK(Verify(*replica).ok);
}

TEST_CASE("Stage right after ImportBase links its first record to the base", "[ledger][base]") {
  const uint64_t base = GENERATE(1, 6, 7, 32);
  auto ref = Reference(base + 3);
  auto replica = NewMemStore();
  Import(*ref, base, *replica);
  auto l = OpenLedger(*replica);
  auto appended = l->Append({Input(base), Input(base + 1), Input(base + 2)});
  REQUIRE(appended.ok());
  for (const Appended& a : *appended) CHECK(a.bytes == *ReadRecord(*ref, a.seq));
  CHECK(SameHead(l->durable_head(), *ReadHead(*ref)));
  CHECK(*TreeReader(*replica).Root(base + 3) == *TreeReader(*ref).Root(base + 3));
}

TEST_CASE("a ledger with a base and no record past it opens, verifies and reads its base",
          "[ledger][base]") {
  auto ref = Reference(13);
  auto replica = NewMemStore();
  Import(*ref, 13, *replica);
  {
    auto l = OpenLedger(*replica);
    CHECK(SameHead(l->durable_head(), *ReadHead(*ref)));
  }
  VerifyReport report = Verify(*replica);
  INFO(report.problem);
  CHECK(report.ok);
  CHECK(report.records == 0);
  CHECK(report.head == ReadHead(*ref)->last_leaf);
  CHECK(report.root == *TreeReader(*ref).Root(13));
  CHECK(*TreeReader(*replica).Root(13) == *TreeReader(*ref).Root(13));
}

TEST_CASE("reading below the base is NotFound naming the base", "[ledger][base]") {
  auto ref = Reference(20);
  auto replica = NewMemStore();
  Import(*ref, 10, *replica);
  {
    auto l = OpenLedger(*replica);
    Replicate(*ref, *l, 10, 20);
  }
  CHECK(ReadRecord(*replica, 9).status() ==
        NotFoundError("no record at seq 9: the ledger starts at seq 10 (a snapshot base)"));
  CHECK(ReadRecord(*replica, 20).status() == NotFoundError("no record at seq 20"));
  CHECK(*ReadRecord(*replica, 10) == *ReadRecord(*ref, 10));
  std::vector<uint64_t> seen;
  REQUIRE(ForEachRecord(*replica, 0, [&](std::string_view key, std::string_view) {
            seen.push_back(*ParseSeqKey(key));
            return true;
          }).ok());
  REQUIRE(seen.size() == 10);
  CHECK(seen.front() == 10);
  CHECK(seen.back() == 19);
  Result<Digest> below = TreeReader(*replica).Node(0, 3);
  CHECK(below.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(below.status().message(), Contains("starts at seq 10 (a snapshot base)"));
}

TEST_CASE("ImportBase refuses what would not be a ledger at that base", "[ledger][base]") {
  auto ref = Reference(12);
  const Base base = BaseOf(*ref, 11);
  const CompactRange frontier = FrontierOf(*ref, 11);
  auto fresh = NewMemStore();

  SECTION("a base at seq 0") {
    CHECK(ImportBase(*fresh, Base{}, CompactRange(), {}).code() == StatusCode::kInvalidArgument);
  }
  SECTION("a frontier of another size") {
    Status s = ImportBase(*fresh, base, FrontierOf(*ref, 10), {});
    CHECK(s == InvalidArgumentError("the frontier is of tree size 10, the base is at seq 11"));
  }
  SECTION("a frontier whose last leaf is not the base's prev_leaf") {
    Base wrong = base;
    wrong.prev_leaf[0] ^= 1;
    CHECK(ImportBase(*fresh, wrong, frontier, {}) ==
          InvalidArgumentError("the frontier's last leaf (seq 10) is not the base's prev_leaf"));
  }
  SECTION("extra entries that touch the chain") {
    struct Bad {
      Family family;
      std::string key;
    };
    for (const Bad& bad : {Bad{Family::kLog, SeqKey(11)}, Bad{Family::kTree, TreeNodeKey(0, 11)},
                           Bad{Family::kMeta, kMetaHead}, Bad{Family::kMeta, kMetaBase},
                           Bad{Family::kMeta, kMetaFormat}}) {
      WriteSet extra;
      extra.Put(Family::kState, "fine", "1");
      extra.Put(bad.family, bad.key, "x");
      INFO(FamilyName(bad.family) << " " << bad.key);
      CHECK(ImportBase(*fresh, base, frontier, std::move(extra)).code() ==
            StatusCode::kInvalidArgument);
    }
  }
  SECTION("a store that is already a ledger") {
    CHECK(ImportBase(*ref, base, frontier, {}) ==
          FailedPreconditionError("ImportBase needs an empty store, but it has a meta head"));
  }
  SECTION("a store with a stray record or tree node") {
    WriteSet w;
    const bool tree = GENERATE(false, true);
    w.Put(tree ? Family::kTree : Family::kLog, tree ? TreeNodeKey(0, 0) : SeqKey(0), "x");
    REQUIRE(fresh->Write(w, true).ok());
    CHECK(ImportBase(*fresh, base, frontier, {}).code() == StatusCode::kFailedPrecondition);
  }
  SECTION("a second import") {
    REQUIRE(ImportBase(*fresh, base, frontier, {}).ok());
    CHECK(ImportBase(*fresh, base, frontier, {}).code() == StatusCode::kFailedPrecondition);
  }
  // Nothing of a refused import was written.
  if (ReadBase(*fresh)->seq == 0) {
    CHECK(testing::Contents(*fresh, Family::kMeta).size() == 1);  // format_version
    CHECK(testing::Contents(*fresh, Family::kState).empty());
  }
}

TEST_CASE("ImportBase writes the extra entries, meta base, head and the compact range in one batch",
          "[ledger][base]") {
  auto ref = Reference(13);
  auto fresh = NewMemStore();
  WriteSet extra;
  extra.Put(Family::kState, "applied_seq", SeqKey(13));
  extra.Put(Family::kKeys, "k", "wrapped");
  extra.Put(Family::kMeta, "replica_of", "ledger-1");
  Import(*ref, 13, *fresh, std::move(extra));
  CHECK(testing::Contents(*fresh, Family::kState) ==
        std::map<std::string, std::string>{{"applied_seq", SeqKey(13)}});
  CHECK(testing::Contents(*fresh, Family::kKeys).at("k") == "wrapped");
  CHECK(testing::Contents(*fresh, Family::kMeta).at("replica_of") == "ledger-1");
  CHECK(testing::Contents(*fresh, Family::kMeta).at(kMetaBase) ==
        SeqKey(13) + DigestString(BaseOf(*ref, 13).prev_leaf));
  // 13 = 8 + 4 + 1: nodes (3, 0), (2, 2), (0, 12).
  std::map<std::string, std::string> tree = testing::Contents(*fresh, Family::kTree);
  const std::map<std::string, std::string> ref_tree = testing::Contents(*ref, Family::kTree);
  CHECK(tree ==
        std::map<std::string, std::string>{{TreeNodeKey(0, 12), ref_tree.at(TreeNodeKey(0, 12))},
                                           {TreeNodeKey(2, 2), ref_tree.at(TreeNodeKey(2, 2))},
                                           {TreeNodeKey(3, 0), ref_tree.at(TreeNodeKey(3, 0))}});
  CHECK(testing::Contents(*fresh, Family::kLog).empty());
}

TEST_CASE("meta base is 40 bytes and a malformed one is DataLoss", "[ledger][base]") {
  auto store = NewMemStore();
  CHECK(*ReadBase(*store) == Base{});
  WriteSet w;
  w.Put(Family::kMeta, kMetaBase, "short");
  REQUIRE(store->Write(w, true).ok());
  CHECK(ReadBase(*store).status() == DataLossError("meta base is 5 bytes, want 40"));
  CHECK(Ledger::Open(Borrow(*store)).status().code() == StatusCode::kDataLoss);
  Result<VerifyReport> r = VerifyStore(*store);
  REQUIRE(r.ok());
  CHECK_FALSE(r->ok);
  CHECK(r->problem == "meta base is 5 bytes, want 40");
}

TEST_CASE("side writes and unchained writes may not touch meta base", "[ledger][base]") {
  auto store = NewMemStore();
  auto l = OpenLedger(*store);
  WriteSet w;
  w.Put(Family::kMeta, kMetaBase, std::string(40, '\0'));
  CHECK(l->WriteUnchained(w) ==
        InvalidArgumentError("unchained writes may not touch meta \"base\""));
  auto staged = l->Append({Input(0)}, [](const std::vector<Appended>&, WriteSet& out) {
    out.Put(Family::kMeta, kMetaBase, std::string(40, '\0'));
    return Status::Ok();
  });
  CHECK(staged.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Open refuses a ledger with a base whose head or log disagrees with it",
          "[ledger][base]") {
  auto ref = Reference(10);
  auto replica = NewMemStore();
  Import(*ref, 8, *replica);
  SECTION("a head that is not the base's") {
    WriteSet w;
    Digest other = BaseOf(*ref, 8).prev_leaf;
    other[5] ^= 1;
    w.Put(Family::kMeta, kMetaHead, EncodeHead(Head{8, other}));
    REQUIRE(replica->Write(w, true).ok());
    CHECK(Ledger::Open(Borrow(*replica)).status() ==
          DataLossError("meta head and meta base disagree on the leaf hash of seq 7"));
  }
  SECTION("a record below the base") {
    {
      auto l = OpenLedger(*replica);
      Replicate(*ref, *l, 8, 10);
    }
    WriteSet w;
    w.Put(Family::kLog, SeqKey(3), *ReadRecord(*ref, 3));
    REQUIRE(replica->Write(w, true).ok());
    Status s = Ledger::Open(Borrow(*replica)).status();
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Contains("below its base"));
    VerifyReport r = Verify(*replica);
    CHECK_FALSE(r.ok);
    CHECK(r.problem == "seq 8: key seq 3 lies below the ledger's base (seq 8)");
  }
  SECTION("a head below the base") {
    WriteSet w;
    w.Put(Family::kMeta, kMetaHead, EncodeHead(Head{5, {}}));
    REQUIRE(replica->Write(w, true).ok());
    CHECK(Ledger::Open(Borrow(*replica)).status().code() == StatusCode::kDataLoss);
  }
  SECTION("a last leaf missing from the tree") {
    {
      auto l = OpenLedger(*replica);
      Replicate(*ref, *l, 8, 10);
    }
    WriteSet w;
    w.Delete(Family::kTree, TreeNodeKey(0, 9));
    REQUIRE(replica->Write(w, true).ok());
    Status s = Ledger::Open(Borrow(*replica)).status();
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Contains("tree leaf 9 is missing"));
  }
}

TEST_CASE("StageVerbatim on a base refuses a first record that does not link to it",
          "[ledger][base]") {
  auto ref = Reference(10);
  auto other = NewMemStore();
  {
    auto l = OpenLedger(*other);
    for (uint64_t i = 0; i < 10; ++i) REQUIRE(l->Append({Input(100 + i)}).ok());
  }
  auto replica = NewMemStore();
  Import(*ref, 6, *replica);
  auto l = OpenLedger(*replica);
  auto staged = l->StageVerbatim({*ReadRecord(*other, 6)});
  CHECK(staged.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(staged.status().message(), Contains("does not link"));
  CHECK(l->staged_head().next_seq == 6);
}

// A replica at base kBase of a reference of kTotal records.
constexpr uint64_t kBase = 100;
constexpr uint64_t kTotal = 140;

class BaseFixture {
 public:
  BaseFixture() : ref_(Reference(kTotal)), store_(NewMemStore()) {
    Import(*ref_, kBase, *store_);
    auto l = OpenLedger(*store_);
    Replicate(*ref_, *l, kBase, kTotal);
  }
  void Write(Family f, std::string key, std::string value) { WriteOne(*store_, f, std::move(key), std::move(value)); }
  void Delete(Family f, std::string key) { DeleteOne(*store_, f, std::move(key)); }
  std::string Bytes(uint64_t seq) const { return *ReadRecord(*store_, seq); }
  std::string Node(uint8_t level, uint64_t index) const {
    return testing::Contents(*store_, Family::kTree).at(TreeNodeKey(level, index));
  }
  VerifyReport Verify() const { return ledger::Verify(*store_); }
  Base base() const { return *ReadBase(*store_); }

 private:
  std::unique_ptr<Store> ref_;
  std::unique_ptr<Store> store_;
};

void CheckTreeProblem(const VerifyReport& r, const std::string& problem) {
  INFO(r.problem);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.tree_ok);
  CHECK_FALSE(r.first_bad_seq.has_value());
  CHECK(r.problem == problem);
}

TEST_CASE("verify on a base pins a flipped byte in the first record after it",
          "[ledger][base][verify]") {
  BaseFixture f;
  std::string b = f.Bytes(kBase);
  size_t at = b.find("payload 100");
  REQUIRE(at != std::string::npos);
  b[at] ^= 1;
  f.Write(Family::kLog, SeqKey(kBase), b);
  CheckBlames(f.Verify(), kBase,
              "seq 100: leaf hash does not match the prev hash of seq 101 (record 100 altered)");
}

TEST_CASE("verify on a base pins a wrong prev in the first record after it",
          "[ledger][base][verify]") {
  BaseFixture f;
  Digest wrong{};
  wrong[0] = 7;
  f.Write(Family::kLog, SeqKey(kBase), EncodeRecord(kBase, wrong, Input(kBase)));
  CheckBlames(f.Verify(), kBase,
              "seq 100: prev hash does not match the leaf hash of seq 99 in meta base");
}

TEST_CASE("verify on a base finds a tampered meta base leaf", "[ledger][base][verify]") {
  BaseFixture f;
  Base tampered = f.base();
  tampered.prev_leaf[31] ^= 1;
  f.Write(Family::kMeta, kMetaBase, EncodeBase(tampered));
  CheckBlames(f.Verify(), kBase,
              "meta base: the leaf hash of seq 99 does not match the prev hash of seq 100 (meta "
              "base altered)");
}

TEST_CASE("verify on a base with no record past it finds a head that is not the base's",
          "[ledger][base][verify]") {
  auto ref = Reference(6);
  auto replica = NewMemStore();
  Import(*ref, 6, *replica);
  Digest other = BaseOf(*ref, 6).prev_leaf;
  other[0] ^= 1;
  WriteSet w;
  w.Put(Family::kMeta, kMetaHead, EncodeHead(Head{6, other}));
  REQUIRE(replica->Write(w, true).ok());
  CheckBlames(Verify(*replica), 6, "meta head: the leaf hash of seq 5 is not meta base's");
}

TEST_CASE("verify on a base finds a tampered node of its compact range", "[ledger][base][verify]") {
  BaseFixture f;
  SECTION("a node that a later node covers") {
    // 100 = 64 + 32 + 4: (2, 24) covers leaves 96..99; (3, 12) = its parent, completed at leaf 103.
    std::string node = f.Node(2, 24);
    node[3] ^= 1;
    f.Write(Family::kTree, TreeNodeKey(2, 24), node);
    CheckTreeProblem(f.Verify(),
                     "tree node (level 3, index 12) does not match the records and the base's "
                     "compact range (seq 100)");
  }
  SECTION("a node deleted") {
    f.Delete(Family::kTree, TreeNodeKey(6, 0));
    CheckTreeProblem(f.Verify(), "tree node (level 6, index 0) is missing");
  }
  SECTION("a node completed after the base") {
    std::string node = f.Node(1, 60);
    node[0] ^= 1;
    f.Write(Family::kTree, TreeNodeKey(1, 60), node);
    CheckTreeProblem(f.Verify(), "tree node (level 1, index 60) does not match the records");
  }
}

TEST_CASE("verify on an odd base holds the compact range's last leaf against meta base",
          "[ledger][base][verify]") {
  auto ref = Reference(9);
  auto replica = NewMemStore();
  Import(*ref, 5, *replica);
  const bool with_records = GENERATE(false, true);
  if (with_records) {
    auto l = OpenLedger(*replica);
    Replicate(*ref, *l, 5, 9);
  }
  WriteSet w;
  std::string leaf = testing::Contents(*replica, Family::kTree).at(TreeNodeKey(0, 4));
  leaf[0] ^= 1;
  w.Put(Family::kTree, TreeNodeKey(0, 4), leaf);
  REQUIRE(replica->Write(w, true).ok());
  CheckTreeProblem(Verify(*replica),
                   "tree node (level 0, index 4), the last of the base's compact range, is not "
                   "meta base's leaf hash");
  if (!with_records) {
    CHECK(Ledger::Open(Borrow(*replica)).status() ==
          DataLossError("tree leaf 4 does not match meta base"));
  }
}

TEST_CASE("a RocksDB ledger with a base reopens and verifies", "[ledger][base][rocks]") {
  testing::TempDir dir;
  auto ref = Reference(50);
  {
    auto store = OpenRocksStore(dir.sub("db"), OpenMode::kCreate);
    REQUIRE(store.ok());
    Import(*ref, 21, **store);
  }
  {
    auto store = OpenRocksStore(dir.sub("db"), OpenMode::kReadWrite);
    REQUIRE(store.ok());
    auto l = Ledger::Open(std::move(*store));
    REQUIRE(l.ok());
    CHECK(SameHead((*l)->durable_head(), Head{21, BaseOf(*ref, 21).prev_leaf}));
    Replicate(*ref, **l, 21, 40);
  }
  {
    auto store = OpenRocksStore(dir.sub("db"), OpenMode::kReadWrite);
    REQUIRE(store.ok());
    auto l = Ledger::Open(std::move(*store));
    REQUIRE(l.ok());
    CHECK(SameHead((*l)->durable_head(), Head{40, BaseOf(*ref, 40).prev_leaf}));
    Replicate(*ref, **l, 40, 50);
    CHECK(SameHead((*l)->durable_head(), *ReadHead(*ref)));
  }
  auto ro = OpenRocksStore(dir.sub("db"), OpenMode::kReadOnly);
  REQUIRE(ro.ok());
  VerifyReport r = Verify(**ro);
  INFO(r.problem);
  CHECK(r.ok);
  CHECK(r.records == 29);
  CHECK(r.root == *TreeReader(*ref).Root(50));
  CHECK(*TreeReader(**ro).Root(50) == *TreeReader(*ref).Root(50));
  CHECK(*TreeReader(**ro).ConsistencyProof(21, 50) == *TreeReader(*ref).ConsistencyProof(21, 50));
}

TEST_CASE("verifying a ledger with a base while it is appended to finds nothing wrong",
          "[ledger][base][verify]") {
  auto ref = Reference(77);
  auto replica = NewMemStore();
  Import(*ref, 77, *replica);
  auto l = OpenLedger(*replica);
  constexpr uint64_t kEach = 200;
  std::atomic<int> running{2};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 0; i < kEach; ++i) (void)l->Append({Input(t * uint64_t{1000} + i)});
      --running;
    });
  }
  int rounds = 0;
  while (running > 0 || rounds == 0) {
    VerifyReport r = Verify(*replica);
    INFO(r.problem);
    CHECK(r.ok);
    ++rounds;
  }
  for (auto& w : writers) w.join();
  VerifyReport r = Verify(*replica);
  CHECK(r.ok);
  CHECK(r.records == 2 * kEach);
}

}  // namespace
}  // namespace cairn::ledger
