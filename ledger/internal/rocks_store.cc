// The durable Store: RocksDB with one column family per Family (DESIGN.md,
// "Storage layout"). RocksDB's LOCK file gives the exclusive writer; read-only
// handles take no lock. Iterators must not outlive the store. Snapshot() gives
// a RocksSnapshotView: the same reads through ReadOptions.snapshot.
//
// Deferred writes (WriteDeferred) skip the WAL. With the WAL, RocksDB keeps
// the families consistent after a crash by replaying it; without it, only
// atomic_flush does: every flush, ours or RocksDB's when a memtable fills,
// persists all families at one sequence number, so what survives is a prefix
// of whole batches. A WAL write after unpersisted deferred ones would be
// replayed onto a state without them, so Write persists them first.
#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/internal/meta_format.h"
#include "ledger/internal/rocks_status.h"
#include "ledger/internal/scan_options.h"
#include "ledger/store.h"

namespace cairn::ledger {
namespace {

namespace fs = std::filesystem;

rocksdb::ColumnFamilyOptions FamilyOptions(std::string_view name) {
  rocksdb::ColumnFamilyOptions options;
  // Hashes and ciphertext do not compress; spare the CPU. (Records are
  // mostly hashes, signatures and ciphertext, and the tree all hashes.)
  if (name == FamilyName(Family::kLog) || name == FamilyName(Family::kKeys) || name == FamilyName(Family::kTree)) {
    options.compression = rocksdb::kNoCompression;
  }
  // The log and the tree only ever append: each new log key follows the last,
  // and each tree level grows at its end. A memtable insert hint per prefix
  // (none for the log, the level byte for the tree) lets each insert start
  // where the last one of its prefix ended instead of searching the skiplist
  // from the top; the committer's memtable inserts were its largest CPU cost.
  // Hints are an in-memory aid only: nothing on disk changes.
  if (name == FamilyName(Family::kLog)) {
    options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));
    // The log is read in long scans (a replica's pages, audits) far more
    // than record by record: 32 KiB blocks (some 40 records) instead of 4 KiB
    // are an eighth of the blocks to read, check and index.
    rocksdb::BlockBasedTableOptions table;
    table.block_size = 32 << 10;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  } else if (name == FamilyName(Family::kTree)) {
    options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
    // Every flushed tree file spans all levels' keys (level byte first), so
    // it overlaps the whole of L1 and each L0->L1 compaction rewrites the
    // tree: at the default trigger of 4 files, a replica catching up (a
    // flush every ~90k records) rewrote it again and again, and the last
    // rewrites landed on the lag right after. Four times the files per
    // compaction is a quarter of the rewrites; a point read of a node checks
    // at most this many more files.
    options.level0_file_num_compaction_trigger = 16;
    options.level0_slowdown_writes_trigger = 40;
    options.level0_stop_writes_trigger = 56;
  }
  return options;
}

std::vector<std::string> OurFamilyNames() {
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  for (int i = 0; i < kFamilyCount; ++i) {
    names.emplace_back(FamilyName(static_cast<Family>(i)));
  }
  return names;
}

class RocksIterator final : public StoreIterator {
 public:
  explicit RocksIterator(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}
  void Seek(std::string_view key) override { it_->Seek(rocksdb::Slice(key.data(), key.size())); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  Status status() const override { return FromRocks(it_->status(), "iterating"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

// A RocksIterator with ScanReadOptions and, while it lives, RocksDB's perf
// counters off (PerfCountersOff). Used on the thread that created it.
class ScanIterator final : public StoreIterator {
 public:
  explicit ScanIterator(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}
  void Seek(std::string_view key) override { it_.Seek(key); }
  void SeekToFirst() override { it_.SeekToFirst(); }
  void SeekToLast() override { it_.SeekToLast(); }
  bool Valid() const override { return it_.Valid(); }
  void Next() override { it_.Next(); }
  std::string_view key() const override { return it_.key(); }
  std::string_view value() const override { return it_.value(); }
  Status status() const override { return it_.status(); }

 private:
  PerfCountersOff perf_;  // constructed first, destroyed last
  RocksIterator it_;
};

class RocksStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, OpenMode mode, const StoreOptions& options);
  ~RocksStore() override;

  Status Write(const WriteSet& writes, bool sync) override;
  Status WriteDeferred(const WriteSet& writes) override;
  Status Persist() override;
  Result<std::optional<std::string>> Get(Family f, std::string_view key) const override;
  std::unique_ptr<StoreIterator> NewIterator(Family f) const override;
  std::unique_ptr<StoreIterator> NewScanIterator(Family f) const override;
  Status CompactFamily(Family f) override;
  bool read_only() const override { return read_only_; }
  std::unique_ptr<Store> Snapshot() const override;

 private:
  RocksStore(std::string dir, bool read_only) : dir_(std::move(dir)), read_only_(read_only) {}
  Status OpenDb(OpenMode mode, const std::vector<std::string>& existing, const StoreOptions& tuning);
  Status CreateFamilies();
  Status MapFamilies(const std::vector<std::string>& names);
  Status CheckFormat();
  rocksdb::ColumnFamilyHandle* cf(Family f) const { return families_[static_cast<int>(f)]; }
  Status WriteOps(const WriteSet& writes, const rocksdb::WriteOptions& options);
  Status PersistLocked();

  std::string dir_;
  bool read_only_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // every family opened
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> families_{};
  // Held by every write: a WAL write must not slip between a deferred write
  // and the flush that persists it.
  std::mutex write_mu_;
  bool unpersisted_ = false;  // guarded by write_mu_: deferred writes since the last flush
};

Status NotALedger(const std::string& dir) { return NotFoundError(dir + " is not a Cairn ledger"); }

// Whether files in `dir` can be opened with O_DIRECT (not on tmpfs, say).
bool SupportsDirectIo(const std::string& dir) {
  const std::string probe = dir + "/.direct-io-probe";
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

Status RocksStore::OpenDb(OpenMode mode, const std::vector<std::string>& existing, const StoreOptions& tuning) {
  rocksdb::DBOptions options;
  options.create_if_missing = mode == OpenMode::kCreate;
  options.error_if_exists = mode == OpenMode::kCreate;
  options.keep_log_file_num = 4;
  // One committer writes; concurrent memtable writes would only disable the
  // insert hints above.
  options.allow_concurrent_memtable_write = false;
  // Deferred writes (above) rely on it; with the WAL it changes nothing a
  // reader or a crash can tell.
  options.atomic_flush = true;
  options.use_direct_io_for_flush_and_compaction =
      tuning.direct_table_writes && mode != OpenMode::kReadOnly && SupportsDirectIo(dir_);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : existing) descriptors.emplace_back(name, FamilyOptions(name));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      mode == OpenMode::kReadOnly
          ? rocksdb::DB::OpenForReadOnly(options, dir_, descriptors, &handles_, &raw)
          : rocksdb::DB::Open(options, dir_, descriptors, &handles_, &raw);
  if (IsLockError(s)) {
    return UnavailableError("ledger in use by another process (lock held on " + dir_ + "/LOCK)");
  }
  if (!s.ok()) return FromRocks(s, "opening ledger store " + dir_);
  db_.reset(raw);
  return mode == OpenMode::kCreate ? CreateFamilies() : MapFamilies(existing);
}

// At creation the database opens with "default" only and gets Cairn's families
// in one call: one OPTIONS file rewrite instead of one per family.
Status RocksStore::CreateFamilies() {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  for (int f = 0; f < kFamilyCount; ++f) {
    names.emplace_back(FamilyName(static_cast<Family>(f)));
    descriptors.emplace_back(names.back(), FamilyOptions(names.back()));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> created;
  rocksdb::Status s = db_->CreateColumnFamilies(descriptors, &created);
  handles_.insert(handles_.end(), created.begin(), created.end());
  if (!s.ok()) return FromRocks(s, "creating column families in " + dir_);
  return MapFamilies(names);
}

Status RocksStore::MapFamilies(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    for (int f = 0; f < kFamilyCount; ++f) {
      if (names[i] == FamilyName(static_cast<Family>(f))) families_[f] = handles_[i];
    }
  }
  for (auto* h : families_) {
    if (h == nullptr) return NotALedger(dir_);
  }
  return Status::Ok();
}

Status RocksStore::CheckFormat() {
  ASSIGN_OR_RETURN(std::optional<std::string> format, Get(Family::kMeta, kMetaFormat));
  if (!format) return NotALedger(dir_);
  if (*format != kStoreFormat) {
    return FailedPreconditionError(dir_ + " has ledger format_version " + *format +
                                   "; this build reads " + std::string(kStoreFormat));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Store>> RocksStore::Open(const std::string& dir, OpenMode mode, const StoreOptions& options) {
  std::error_code ec;
  bool has_db = fs::exists(fs::path(dir) / "CURRENT", ec);
  std::vector<std::string> families = {rocksdb::kDefaultColumnFamilyName};
  if (mode == OpenMode::kCreate) {
    if (has_db) return AlreadyExistsError(dir + " already holds a ledger");
    fs::create_directories(dir, ec);
    if (ec) return InternalError("creating " + dir + ": " + ec.message());
  } else {
    if (!has_db) return NotALedger(dir);
    families.clear();
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families);
    if (!s.ok()) return FromRocks(s, "listing column families of " + dir);
    for (const std::string& name : OurFamilyNames()) {
      if (std::find(families.begin(), families.end(), name) == families.end()) {
        return NotALedger(dir);
      }
    }
  }
  std::unique_ptr<RocksStore> store(new RocksStore(dir, mode == OpenMode::kReadOnly));
  RETURN_IF_ERROR(store->OpenDb(mode, families, options));
  if (mode == OpenMode::kCreate) {
    WriteSet init;
    init.Put(Family::kMeta, kMetaFormat, std::string(kStoreFormat));
    RETURN_IF_ERROR(store->Write(init, /*sync=*/true));
  }
  RETURN_IF_ERROR(store->CheckFormat());
  return std::unique_ptr<Store>(std::move(store));
}

RocksStore::~RocksStore() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close().PermitUncheckedError();
}

Status RocksStore::Write(const WriteSet& writes, bool sync) {
  if (read_only_) return UnavailableError("ledger store is read-only: " + dir_);
  rocksdb::WriteOptions options;
  options.sync = sync;
  std::lock_guard lock(write_mu_);
  if (unpersisted_) RETURN_IF_ERROR(PersistLocked());
  return WriteOps(writes, options);
}

Status RocksStore::WriteDeferred(const WriteSet& writes) {
  if (read_only_) return UnavailableError("ledger store is read-only: " + dir_);
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  std::lock_guard lock(write_mu_);
  unpersisted_ = true;  // even if it fails: a part may be in the memtable
  return WriteOps(writes, options);
}

Status RocksStore::Persist() {
  if (read_only_) return UnavailableError("ledger store is read-only: " + dir_);
  std::lock_guard lock(write_mu_);
  return unpersisted_ ? PersistLocked() : Status::Ok();
}

Status RocksStore::PersistLocked() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  RETURN_IF_ERROR(FromRocks(db_->Flush(flush, handles_), "persisting deferred writes to " + dir_));
  unpersisted_ = false;
  return Status::Ok();
}

Status RocksStore::WriteOps(const WriteSet& writes, const rocksdb::WriteOptions& options) {
  // Sized up front: a replica's page is megabytes, and growing by doubling
  // copies it again and again (into freshly faulted pages).
  size_t bytes = 64;
  for (const WriteOp& op : writes.ops()) bytes += op.key.size() + op.value.size() + 16;
  rocksdb::WriteBatch batch(bytes);
  for (const WriteOp& op : writes.ops()) {
    rocksdb::Status s = op.is_delete ? batch.Delete(cf(op.family), op.key)
                                     : batch.Put(cf(op.family), op.key, op.value);
    if (!s.ok()) return FromRocks(s, "building write batch");
  }
  PerfCountersOff perf;
  return FromRocks(db_->Write(options, &batch), "writing to " + dir_);
}

Result<std::optional<std::string>> RocksStore::Get(Family f, std::string_view key) const {
  std::string value;
  PerfCountersOff perf;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(f), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading " + std::string(FamilyName(f)));
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<StoreIterator> RocksStore::NewIterator(Family f) const {
  return std::make_unique<RocksIterator>(
      std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), cf(f))));
}

std::unique_ptr<StoreIterator> RocksStore::NewScanIterator(Family f) const {
  return std::make_unique<ScanIterator>(
      std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ScanReadOptions(), cf(f))));
}

Status RocksStore::CompactFamily(Family f) {
  if (read_only_) return UnavailableError("ledger store is read-only: " + dir_);
  // Flush every family first: a WAL file is deleted only once no family still
  // needs it, and a WAL may hold a value this compaction is meant to destroy.
  {
    std::lock_guard lock(write_mu_);
    RETURN_IF_ERROR(PersistLocked().WithContext("flushing before compaction"));
  }
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(options, cf(f), nullptr, nullptr),
                   "compacting " + std::string(FamilyName(f)));
}

// A read-only view of a RocksStore as of one RocksDB snapshot, released when
// the last view sharing it goes. Borrows the database, which must outlive it.
class RocksSnapshotView final : public Store {
 public:
  RocksSnapshotView(rocksdb::DB* db,
                    std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> families,
                    std::string dir, std::shared_ptr<const rocksdb::Snapshot> snapshot)
      : db_(db), families_(families), dir_(std::move(dir)), snapshot_(std::move(snapshot)) {}

  Status Write(const WriteSet&, bool) override { return ReadOnly(); }
  Status WriteDeferred(const WriteSet&) override { return ReadOnly(); }
  Status Persist() override { return ReadOnly(); }
  Result<std::optional<std::string>> Get(Family f, std::string_view key) const override {
    std::string value;
    rocksdb::Status s = db_->Get(Options(rocksdb::ReadOptions()), families_[static_cast<int>(f)],
                                 rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "reading " + std::string(FamilyName(f)) + " in a snapshot");
    return std::optional<std::string>(std::move(value));
  }
  std::unique_ptr<StoreIterator> NewIterator(Family f) const override {
    return std::make_unique<RocksIterator>(std::unique_ptr<rocksdb::Iterator>(
        db_->NewIterator(Options(rocksdb::ReadOptions()), families_[static_cast<int>(f)])));
  }
  std::unique_ptr<StoreIterator> NewScanIterator(Family f) const override {
    return std::make_unique<ScanIterator>(std::unique_ptr<rocksdb::Iterator>(
        db_->NewIterator(Options(ScanReadOptions()), families_[static_cast<int>(f)])));
  }
  Status CompactFamily(Family) override { return ReadOnly(); }
  bool read_only() const override { return true; }
  // Shares the same RocksDB snapshot: a view of a view sees the same data.
  std::unique_ptr<Store> Snapshot() const override {
    return std::make_unique<RocksSnapshotView>(db_, families_, dir_, snapshot_);
  }

 private:
  rocksdb::ReadOptions Options(rocksdb::ReadOptions options) const {
    options.snapshot = snapshot_.get();
    return options;
  }
  Status ReadOnly() const {
    return UnavailableError("a snapshot of ledger store " + dir_ + " is read-only");
  }

  rocksdb::DB* db_;
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> families_;
  std::string dir_;
  std::shared_ptr<const rocksdb::Snapshot> snapshot_;
};

std::unique_ptr<Store> RocksStore::Snapshot() const {
  rocksdb::DB* db = db_.get();
  std::shared_ptr<const rocksdb::Snapshot> snapshot(db->GetSnapshot(),
                                                    [db](const rocksdb::Snapshot* s) {
                                                      if (s != nullptr) db->ReleaseSnapshot(s);
                                                    });
  return std::make_unique<RocksSnapshotView>(db, families_, dir_, std::move(snapshot));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, OpenMode mode, StoreOptions options) {
  auto store = RocksStore::Open(dir, mode, options);
  // A read-only open races the holder's compaction, which deletes table files
  // the MANIFEST still lists; once open, every file it uses is held. Retry only
  // that race, briefly.
  for (int attempt = 0; mode == OpenMode::kReadOnly && attempt < 40 && !store.ok() &&
                        store.status().message().find("No such file or directory") != std::string::npos;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    store = RocksStore::Open(dir, mode, options);
  }
  return store;
}

}  // namespace cairn::ledger
