// What only the RocksDB store does: files, locks, read-only handles, shredding.
#include <fcntl.h>
#include <unistd.h>
#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "ledger/internal/meta_format.h"
#include "ledger/store.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

std::unique_ptr<Store> MustOpen(const std::string& dir, OpenMode mode) {
  Result<std::unique_ptr<Store>> s = OpenRocksStore(dir, mode);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(s).value();
}

Status Put(Store& s, Family f, std::string k, std::string v) {
  WriteSet w;
  w.Put(f, std::move(k), std::move(v));
  return s.Write(w, /*sync=*/true);
}

// True if any file under `dir` contains `needle`.
bool AnyFileContains(const std::string& dir, const std::string& needle) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("data written with sync survives closing and reopening", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  {
    auto s = MustOpen(dir, OpenMode::kCreate);
    REQUIRE(Put(*s, Family::kState, "k", "v").ok());
  }
  auto s = MustOpen(dir, OpenMode::kReadWrite);
  Result<std::optional<std::string>> v = s->Get(Family::kState, "k");
  REQUIRE(v.ok());
  CHECK(*v == "v");
}

TEST_CASE("create refuses a directory that already holds a ledger", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  MustOpen(dir, OpenMode::kCreate).reset();
  CHECK(OpenRocksStore(dir, OpenMode::kCreate).status() ==
        AlreadyExistsError(dir + " already holds a ledger"));
}

TEST_CASE("create accepts an existing empty directory", "[ledger][rocks]") {
  testing::TempDir tmp;
  CHECK(OpenRocksStore(tmp.path(), OpenMode::kCreate).ok());
}

TEST_CASE("opening a directory without a ledger is NotFound", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir;
  SECTION("missing directory") { dir = tmp.sub("nothing-here"); }
  SECTION("empty directory") { dir = tmp.path(); }
  SECTION("directory of unrelated files") {
    dir = tmp.path();
    std::ofstream(tmp.sub("notes.txt")) << "hello";
  }
  SECTION("a RocksDB database without Cairn's families") {
    dir = tmp.sub("plain");
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, dir, &db).ok());
    delete db;
  }
  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    CHECK(OpenRocksStore(dir, mode).status() == NotFoundError(dir + " is not a Cairn ledger"));
  }
}

TEST_CASE("a second read-write open of a held ledger is Unavailable", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  auto writer = MustOpen(dir, OpenMode::kCreate);
  Status s = OpenRocksStore(dir, OpenMode::kReadWrite).status();
  CHECK(s == UnavailableError("ledger in use by another process (lock held on " + dir + "/LOCK)"));
  writer.reset();
  CHECK(OpenRocksStore(dir, OpenMode::kReadWrite).ok());  // the lock goes with the handle
}

TEST_CASE("a read-only open works while a writer holds the ledger", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  auto writer = MustOpen(dir, OpenMode::kCreate);
  REQUIRE(Put(*writer, Family::kState, "before", "1").ok());
  auto reader = MustOpen(dir, OpenMode::kReadOnly);
  CHECK(reader->read_only());
  CHECK(*reader->Get(Family::kState, "before") == std::optional<std::string>("1"));

  SECTION("it cannot write") {
    CHECK(Put(*reader, Family::kState, "x", "y") ==
          UnavailableError("ledger store is read-only: " + dir));
    CHECK(reader->CompactFamily(Family::kKeys).code() == StatusCode::kUnavailable);
  }
  SECTION("it sees the ledger as of its opening") {
    REQUIRE(Put(*writer, Family::kState, "after", "2").ok());
    CHECK(*reader->Get(Family::kState, "after") == std::nullopt);
  }
}

TEST_CASE("a ledger of an unknown format version is refused", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  {
    auto s = MustOpen(dir, OpenMode::kCreate);
    REQUIRE(Put(*s, Family::kMeta, kMetaFormat, "99").ok());
  }
  CHECK(OpenRocksStore(dir, OpenMode::kReadWrite).status() ==
        FailedPreconditionError(dir + " has ledger format_version 99; this build reads 1"));
}

TEST_CASE("compacting keys removes a deleted wrapped key from every file", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  auto s = MustOpen(dir, OpenMode::kCreate);
  const std::string dek = "WRAPPED-DEK-0123456789abcdef-must-disappear";
  REQUIRE(Put(*s, Family::kKeys, "secret/v1", dek).ok());
  REQUIRE(Put(*s, Family::kKeys, "secret/v2", "still-needed").ok());
  REQUIRE(Put(*s, Family::kLog, SeqKey(0), "a record").ok());
  REQUIRE(s->CompactFamily(Family::kKeys).ok());  // now in an SST file
  REQUIRE(AnyFileContains(dir, dek));

  WriteSet d;
  d.Delete(Family::kKeys, "secret/v1");
  REQUIRE(s->Write(d, true).ok());
  REQUIRE(s->CompactFamily(Family::kKeys).ok());
  CHECK_FALSE(AnyFileContains(dir, dek));
  CHECK(*s->Get(Family::kKeys, "secret/v2") == std::optional<std::string>("still-needed"));
  CHECK(*s->Get(Family::kLog, SeqKey(0)) == std::optional<std::string>("a record"));
}

TEST_CASE("a deferred write reaches no WAL file, and is in a table file once persisted",
          "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  const std::string value = "DEFERRED-VALUE-5f1c0b7e-not-in-any-wal";
  {
    auto s = MustOpen(dir, OpenMode::kCreate);
    WriteSet w;
    w.Put(Family::kKeys, "secret/v1", value);
    REQUIRE(s->WriteDeferred(w).ok());
    CHECK(*s->Get(Family::kKeys, "secret/v1") == std::optional<std::string>(value));
    CHECK_FALSE(AnyFileContains(dir, value));  // in the memtable only
    REQUIRE(s->Persist().ok());
    CHECK(AnyFileContains(dir, value));
  }
  auto s = MustOpen(dir, OpenMode::kReadWrite);
  CHECK(*s->Get(Family::kKeys, "secret/v1") == std::optional<std::string>(value));
}

// The value RocksDB's latest OPTIONS file in `dir` records for `name` in
// `section` ("DBOptions", or "CFOptions \"tree\"" for a column family).
std::string RocksOption(const std::string& dir, const std::string& section, const std::string& name) {
  std::string latest;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string file = e.path().filename().string();
    if (file.rfind("OPTIONS-", 0) == 0 && file > latest) latest = file;
  }
  std::ifstream in(dir + "/" + latest);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[", 0) == 0) inside = line == "[" + section + "]";
    const size_t at = line.find(name + "=");
    if (inside && at != std::string::npos) return line.substr(at + name.size() + 1);
  }
  return "";
}

std::string FamilyOption(const std::string& dir, const std::string& family, const std::string& name) {
  return RocksOption(dir, "CFOptions \"" + family + "\"", name);
}

// Direct table writes where the file system allows O_DIRECT (the test's
// temporary directory, on disk here) and buffered ones where it does not
// (/dev/shm, a tmpfs): either way flushes, compactions and reopening work.
TEST_CASE("a store with direct table writes flushes, compacts and reopens, on disk and on tmpfs", "[ledger][rocks]") {
  std::vector<std::string> parents = {std::filesystem::temp_directory_path().string()};
  if (std::filesystem::is_directory("/dev/shm")) parents.push_back("/dev/shm");
  for (const std::string& parent : parents) {
    INFO("under " << parent);
    std::string pattern = parent + "/cairn-direct-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    const std::string dir = pattern + "/db";
    {
      auto s = OpenRocksStore(dir, OpenMode::kCreate, {.direct_table_writes = true});
      INFO(s.status().ToString());
      REQUIRE(s.ok());
      WriteSet w;
      w.Put(Family::kLog, SeqKey(0), std::string(100000, 'r'));
      w.Put(Family::kKeys, "secret/v1", "wrapped");
      REQUIRE((*s)->WriteDeferred(w).ok());
      REQUIRE((*s)->Persist().ok());
      REQUIRE(Put(**s, Family::kState, "applied", "1").ok());
      REQUIRE((*s)->CompactFamily(Family::kKeys).ok());
    }
    auto s = OpenRocksStore(dir, OpenMode::kReadWrite, {.direct_table_writes = true});
    REQUIRE(s.ok());
    const int fd = ::open((pattern + "/probe").c_str(), O_CREAT | O_WRONLY | O_DIRECT, 0600);
    CHECK(RocksOption(dir, "DBOptions", "use_direct_io_for_flush_and_compaction") == (fd >= 0 ? "true" : "false"));
    if (fd >= 0) ::close(fd);
    CHECK(*(*s)->Get(Family::kLog, SeqKey(0)) == std::optional<std::string>(std::string(100000, 'r')));
    CHECK(*(*s)->Get(Family::kKeys, "secret/v1") == std::optional<std::string>("wrapped"));
    CHECK(*(*s)->Get(Family::kState, "applied") == std::optional<std::string>("1"));
    s->reset();
    std::filesystem::remove_all(pattern);
  }
}

// Each flushed tree file spans every level's keys, so each tree compaction
// rewrites the tree: the tree family waits for four times RocksDB's default
// number of level-0 files. The other families keep the default. The log,
// read in long scans, is stored in 32 KiB blocks.
TEST_CASE("the tree family compacts at 16 level-0 files and the log has 32 KiB blocks", "[ledger][rocks]") {
  testing::TempDir tmp;
  const std::string dir = tmp.sub("db");
  auto s = MustOpen(dir, OpenMode::kCreate);
  CHECK(FamilyOption(dir, "tree", "level0_file_num_compaction_trigger") == "16");
  CHECK(FamilyOption(dir, "tree", "level0_slowdown_writes_trigger") == "40");
  CHECK(FamilyOption(dir, "log", "level0_file_num_compaction_trigger") == "4");
  CHECK(FamilyOption(dir, "state", "level0_file_num_compaction_trigger") == "4");
  CHECK(RocksOption(dir, "TableOptions/BlockBasedTable \"log\"", "block_size") == "32768");
  CHECK(RocksOption(dir, "TableOptions/BlockBasedTable \"tree\"", "block_size") == "4096");
}

// Replaying a WAL write onto a state without the deferred writes before it
// would leave a hole: the WAL write persists them first.
TEST_CASE("a write through the WAL first persists the deferred writes before it", "[ledger][rocks]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  auto s = MustOpen(dir, OpenMode::kCreate);
  const std::string value = "DEFERRED-RECORD-8a2d41c9";
  WriteSet deferred;
  deferred.Put(Family::kLog, SeqKey(0), value);
  REQUIRE(s->WriteDeferred(deferred).ok());
  REQUIRE_FALSE(AnyFileContains(dir, value));
  SECTION("a synced write") { REQUIRE(Put(*s, Family::kLog, SeqKey(1), "synced").ok()); }
  SECTION("an unsynced write") {
    WriteSet w;
    w.Put(Family::kLog, SeqKey(1), "unsynced");
    REQUIRE(s->Write(w, /*sync=*/false).ok());
  }
  CHECK(AnyFileContains(dir, value));
}

TEST_CASE("a snapshot keeps its view across a compaction and of a read-only handle",
          "[ledger][rocks][snapshot]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  auto s = MustOpen(dir, OpenMode::kCreate);
  REQUIRE(Put(*s, Family::kKeys, "k", "wrapped").ok());
  {
    std::unique_ptr<Store> snap = s->Snapshot();
    WriteSet del;
    del.Delete(Family::kKeys, "k");
    REQUIRE(s->Write(del, true).ok());
    REQUIRE(s->CompactFamily(Family::kKeys).ok());
    CHECK(*snap->Get(Family::kKeys, "k") == std::optional<std::string>("wrapped"));
    CHECK(*s->Get(Family::kKeys, "k") == std::nullopt);
  }
  REQUIRE(Put(*s, Family::kState, "a", "1").ok());
  auto ro = MustOpen(dir, OpenMode::kReadOnly);
  std::unique_ptr<Store> snap = ro->Snapshot();
  CHECK(snap->read_only());
  CHECK(*snap->Get(Family::kState, "a") == std::optional<std::string>("1"));
  CHECK(snap->Write(WriteSet(), true).code() == StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cairn::ledger
