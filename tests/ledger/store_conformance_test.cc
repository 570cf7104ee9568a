// One suite, two stores: every case runs against RocksDB and the in-memory twin.
#include <catch2/catch.hpp>
#include <thread>

#include "ledger/internal/meta_format.h"
#include "ledger/store.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

struct MemStoreMaker {
  static constexpr const char* kName = "mem";
  std::unique_ptr<Store> Make() { return NewMemStore(); }
};

struct RocksStoreMaker {
  static constexpr const char* kName = "rocks";
  testing::TempDir dir;
  std::unique_ptr<Store> Make() {
    Result<std::unique_ptr<Store>> s = OpenRocksStore(dir.sub("db"), OpenMode::kCreate);
    REQUIRE(s.ok());
    return std::move(s).value();
  }
};

std::optional<std::string> GetOrFail(const Store& s, Family f, std::string_view key) {
  Result<std::optional<std::string>> r = s.Get(f, key);
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::pair<std::string, std::string>> Scan(const Store& s, Family f) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = s.NewIterator(f);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->key(), it->value());
  REQUIRE(it->status().ok());
  return out;
}

using KV = std::vector<std::pair<std::string, std::string>>;

TEMPLATE_TEST_CASE("a new store is empty except for its format version", "[ledger][store]",
                   MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  CHECK_FALSE(store->read_only());
  CHECK(GetOrFail(*store, Family::kMeta, kMetaFormat) == std::string(kStoreFormat));
  for (Family f :
       {Family::kLog, Family::kTree, Family::kCheckpoints, Family::kState, Family::kKeys}) {
    CHECK(Scan(*store, f).empty());
  }
}

TEMPLATE_TEST_CASE("a written value reads back and an absent key reads as nullopt",
                   "[ledger][store]", MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet w;
  w.Put(Family::kState, "a", "1");
  REQUIRE(store->Write(w, /*sync=*/true).ok());
  CHECK(GetOrFail(*store, Family::kState, "a") == "1");
  CHECK(GetOrFail(*store, Family::kState, "b") == std::nullopt);
}

TEMPLATE_TEST_CASE("a write set applies its operations in order", "[ledger][store]", MemStoreMaker,
                   RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet w;
  w.Put(Family::kState, "gone", "x");
  w.Delete(Family::kState, "gone");
  w.Delete(Family::kState, "back");
  w.Put(Family::kState, "back", "y");
  w.Put(Family::kState, "twice", "first");
  w.Put(Family::kState, "twice", "second");
  REQUIRE(store->Write(w, /*sync=*/false).ok());
  CHECK(Scan(*store, Family::kState) == KV{{"back", "y"}, {"twice", "second"}});
}

TEMPLATE_TEST_CASE("families are separate key spaces", "[ledger][store]", MemStoreMaker,
                   RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet w;
  w.Put(Family::kTree, "k", "tree");
  w.Put(Family::kKeys, "k", "keys");
  REQUIRE(store->Write(w, true).ok());
  CHECK(GetOrFail(*store, Family::kTree, "k") == "tree");
  CHECK(GetOrFail(*store, Family::kKeys, "k") == "keys");
  CHECK(GetOrFail(*store, Family::kCheckpoints, "k") == std::nullopt);
  WriteSet d;
  d.Delete(Family::kTree, "k");
  REQUIRE(store->Write(d, true).ok());
  CHECK(GetOrFail(*store, Family::kKeys, "k") == "keys");
}

TEMPLATE_TEST_CASE("keys and values are bytes, NULs and high bytes included", "[ledger][store]",
                   MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  std::string key("\0\xff\x01", 3);
  std::string value("\0\0\x80zz", 5);
  WriteSet w;
  w.Put(Family::kKeys, key, value);
  w.Put(Family::kKeys, std::string(), "empty key");
  REQUIRE(store->Write(w, true).ok());
  CHECK(GetOrFail(*store, Family::kKeys, key) == value);
  CHECK(Scan(*store, Family::kKeys) == KV{{"", "empty key"}, {key, value}});
}

TEMPLATE_TEST_CASE("an iterator walks one family in unsigned bytewise key order", "[ledger][store]",
                   MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet w;
  for (const char* k : {"b", "\x80", "a", "ab", "c"}) w.Put(Family::kCheckpoints, k, k);
  w.Put(Family::kTree, "zzz", "other family");
  REQUIRE(store->Write(w, true).ok());
  auto it = store->NewIterator(Family::kCheckpoints);

  SECTION("from the first key") {
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
    CHECK(keys == std::vector<std::string>{"a", "ab", "b", "c", "\x80"});
  }
  SECTION("seek lands on the first key at or after the target") {
    it->Seek("aa");
    REQUIRE(it->Valid());
    CHECK(it->key() == "ab");
    it->Seek("b");
    REQUIRE(it->Valid());
    CHECK(it->key() == "b");
    CHECK(it->value() == "b");
    it->Seek("\x81");
    CHECK_FALSE(it->Valid());
  }
  SECTION("seek to last, then past the end") {
    it->SeekToLast();
    REQUIRE(it->Valid());
    CHECK(it->key() == "\x80");
    it->Next();
    CHECK_FALSE(it->Valid());
    CHECK(it->status().ok());
  }
}

TEMPLATE_TEST_CASE("an iterator over an empty family is never valid", "[ledger][store]",
                   MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  auto it = store->NewIterator(Family::kLog);
  it->SeekToFirst();
  CHECK_FALSE(it->Valid());
  it->SeekToLast();
  CHECK_FALSE(it->Valid());
  it->Seek(SeqKey(0));
  CHECK_FALSE(it->Valid());
  CHECK(it->status().ok());
}

TEMPLATE_TEST_CASE("sequence keys sort in numeric order", "[ledger][store]", MemStoreMaker,
                   RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  std::vector<uint64_t> seqs = {256, 1, 0, 255, 65536, UINT64_MAX, 1ULL << 40};
  WriteSet w;
  for (uint64_t s : seqs) w.Put(Family::kLog, SeqKey(s), std::to_string(s));
  REQUIRE(store->Write(w, true).ok());
  std::vector<uint64_t> order;
  for (const auto& [k, v] : Scan(*store, Family::kLog)) {
    Result<uint64_t> s = ParseSeqKey(k);
    REQUIRE(s.ok());
    CHECK(std::to_string(*s) == v);
    order.push_back(*s);
  }
  std::sort(seqs.begin(), seqs.end());
  CHECK(order == seqs);
}

TEMPLATE_TEST_CASE("compacting a family keeps live entries and drops deleted ones",
                   "[ledger][store]", MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet w;
  w.Put(Family::kKeys, "keep", "k");
  w.Put(Family::kKeys, "shred", "s");
  REQUIRE(store->Write(w, true).ok());
  WriteSet d;
  d.Delete(Family::kKeys, "shred");
  REQUIRE(store->Write(d, true).ok());
  REQUIRE(store->CompactFamily(Family::kKeys).ok());
  CHECK(Scan(*store, Family::kKeys) == KV{{"keep", "k"}});
}

TEMPLATE_TEST_CASE("concurrent writers all land", "[ledger][store]", MemStoreMaker,
                   RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        WriteSet w;
        w.Put(Family::kState, std::to_string(t) + "/" + std::to_string(i), "v");
        if (!store->Write(w, i % 10 == 0).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(Scan(*store, Family::kState).size() == kThreads * kEach);
}

TEMPLATE_TEST_CASE("a snapshot sees the writes before it and none after",
                   "[ledger][store][snapshot]", MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet before;
  before.Put(Family::kState, "a", "1");
  before.Put(Family::kState, "b", "2");
  before.Put(Family::kLog, SeqKey(0), "r0");
  REQUIRE(store->Write(before, /*sync=*/true).ok());

  std::unique_ptr<Store> snap = store->Snapshot();
  REQUIRE(snap != nullptr);
  CHECK(snap->read_only());
  CHECK_FALSE(store->read_only());

  WriteSet after;
  after.Put(Family::kState, "a", "changed");
  after.Delete(Family::kState, "b");
  after.Put(Family::kState, "c", "3");
  after.Put(Family::kLog, SeqKey(1), "r1");
  REQUIRE(store->Write(after, /*sync=*/true).ok());

  // The store moved on; the snapshot did not.
  CHECK(GetOrFail(*store, Family::kState, "a") == "changed");
  CHECK(GetOrFail(*snap, Family::kState, "a") == "1");
  CHECK(GetOrFail(*snap, Family::kState, "b") == "2");
  CHECK(GetOrFail(*snap, Family::kState, "c") == std::nullopt);
  CHECK(GetOrFail(*snap, Family::kMeta, kMetaFormat) == std::string(kStoreFormat));
  CHECK(Scan(*snap, Family::kState) == KV{{"a", "1"}, {"b", "2"}});
  CHECK(Scan(*snap, Family::kLog) == KV{{SeqKey(0), "r0"}});
  CHECK(Scan(*store, Family::kState) == KV{{"a", "changed"}, {"c", "3"}});

  auto scan = snap->NewScanIterator(Family::kLog);
  scan->SeekToLast();
  REQUIRE(scan->Valid());
  CHECK(scan->key() == SeqKey(0));
}

TEMPLATE_TEST_CASE("an iterator over a snapshot ignores writes made while it walks",
                   "[ledger][store][snapshot]", MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet w;
  for (char c : std::string("aceg")) w.Put(Family::kState, std::string(1, c), "v");
  REQUIRE(store->Write(w, true).ok());
  std::unique_ptr<Store> snap = store->Snapshot();
  auto it = snap->NewIterator(Family::kState);
  it->SeekToFirst();
  REQUIRE(it->Valid());
  CHECK(it->key() == "a");
  WriteSet more;
  more.Put(Family::kState, "b", "new");
  more.Put(Family::kState, "d", "new");
  more.Delete(Family::kState, "e");
  REQUIRE(store->Write(more, true).ok());
  std::string seen;
  for (; it->Valid(); it->Next()) seen += std::string(it->key());
  REQUIRE(it->status().ok());
  CHECK(seen == "aceg");
  // An iterator made after the write, on the snapshot, does not see it either.
  CHECK(Scan(*snap, Family::kState).size() == 4);
}

TEMPLATE_TEST_CASE("a deferred write reads back at once, and Persist and a later write keep it",
                   "[ledger][store]", MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  WriteSet deferred;
  deferred.Put(Family::kLog, SeqKey(0), "record 0");
  deferred.Put(Family::kState, "applied", "1");
  REQUIRE(store->WriteDeferred(deferred).ok());
  CHECK(GetOrFail(*store, Family::kLog, SeqKey(0)) == "record 0");
  CHECK(GetOrFail(*store, Family::kState, "applied") == "1");
  REQUIRE(store->Persist().ok());
  REQUIRE(store->Persist().ok());  // nothing left to persist: still Ok
  WriteSet more;
  more.Put(Family::kLog, SeqKey(1), "record 1");
  REQUIRE(store->WriteDeferred(more).ok());
  WriteSet synced;
  synced.Put(Family::kState, "applied", "2");
  REQUIRE(store->Write(synced, /*sync=*/true).ok());
  CHECK(Scan(*store, Family::kLog) == KV{{SeqKey(0), "record 0"}, {SeqKey(1), "record 1"}});
  CHECK(GetOrFail(*store, Family::kState, "applied") == "2");
}

TEMPLATE_TEST_CASE("a snapshot refuses writes and compaction", "[ledger][store][snapshot]",
                   MemStoreMaker, RocksStoreMaker) {
  TestType maker;
  auto store = maker.Make();
  std::unique_ptr<Store> snap = store->Snapshot();
  WriteSet w;
  w.Put(Family::kState, "a", "1");
  CHECK(snap->Write(w, true).code() == StatusCode::kUnavailable);
  CHECK(snap->WriteDeferred(w).code() == StatusCode::kUnavailable);
  CHECK(snap->Persist().code() == StatusCode::kUnavailable);
  CHECK(snap->CompactFamily(Family::kState).code() == StatusCode::kUnavailable);
  CHECK(GetOrFail(*snap, Family::kState, "a") == std::nullopt);
  CHECK(GetOrFail(*store, Family::kState, "a") == std::nullopt);
  // A snapshot of the snapshot is the same view.
  REQUIRE(store->Write(w, true).ok());
  std::unique_ptr<Store> again = snap->Snapshot();
  CHECK(again->read_only());
  CHECK(GetOrFail(*again, Family::kState, "a") == std::nullopt);
  CHECK(GetOrFail(*store->Snapshot(), Family::kState, "a") == "1");
}

TEST_CASE("family names match the column families of DESIGN.md", "[ledger][store]") {
  CHECK(FamilyName(Family::kLog) == "log");
  CHECK(FamilyName(Family::kTree) == "tree");
  CHECK(FamilyName(Family::kCheckpoints) == "checkpoints");
  CHECK(FamilyName(Family::kState) == "state");
  CHECK(FamilyName(Family::kKeys) == "keys");
  CHECK(FamilyName(Family::kMeta) == "meta");
}

TEST_CASE("a sequence key is the 8-byte big-endian seq", "[ledger][store]") {
  CHECK(SeqKey(0) == std::string(8, '\0'));
  CHECK(SeqKey(0x0102030405060708ULL) == "\x01\x02\x03\x04\x05\x06\x07\x08");
  CHECK(*ParseSeqKey(SeqKey(UINT64_MAX)) == UINT64_MAX);
  CHECK(ParseSeqKey("1234567").status() == DataLossError("log key is 7 bytes, want 8"));
  CHECK(ParseSeqKey("123456789").status() == DataLossError("log key is 9 bytes, want 8"));
}

}  // namespace
}  // namespace cairn::ledger
