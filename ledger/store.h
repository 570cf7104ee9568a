// Store: the narrow key-value interface the ledger writes through. Two
// implementations run one conformance suite: RocksDB (durable, column families as
// in DESIGN.md) and an in-memory twin for fast tests.
//
// Writes are atomic per WriteSet: all of it or none of it survives a crash, and
// with sync=true it is on stable storage when Write returns. A crash keeps a
// prefix of the writes, in the order they were made. Implementations are
// thread-safe.
#ifndef CAIRN_LEDGER_STORE_H_
#define CAIRN_LEDGER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace cairn::ledger {

enum class Family : uint8_t { kLog = 0, kTree, kCheckpoints, kState, kKeys, kMeta };
inline constexpr int kFamilyCount = 6;
std::string_view FamilyName(Family f);  // "log", "tree", "checkpoints", "state", "keys", "meta"

struct WriteOp {
  Family family;
  std::string key;
  std::string value;
  bool is_delete = false;
};

class WriteSet {
 public:
  void Put(Family f, std::string key, std::string value) {
    ops_.push_back({f, std::move(key), std::move(value), false});
  }
  void Delete(Family f, std::string key) { ops_.push_back({f, std::move(key), {}, true}); }
  void Append(WriteSet&& other) {
    for (auto& op : other.ops_) ops_.push_back(std::move(op));
    other.ops_.clear();
  }
  const std::vector<WriteOp>& ops() const { return ops_; }
  // Drops each op that a later op on the same family and key overrides. For a
  // set written as one atomic batch this changes nothing anyone can see (only
  // the last value of a key is ever visible) and spares the store the
  // overwritten inserts: a group commit of n calls carries n copies of the
  // views' bookkeeping keys (state "info", "applied_seq"), of which one counts.
  void DropOverwritten();
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

 private:
  std::vector<WriteOp> ops_;
};

// Forward iterator over one family in key order. Borrowed data (key/value) is
// valid until the next call to Next/Seek or destruction.
class StoreIterator {
 public:
  virtual ~StoreIterator() = default;
  virtual void Seek(std::string_view key) = 0;  // first key >= key
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Unavailable if the store is read-only; DataLoss / Internal on I/O failure.
  virtual Status Write(const WriteSet& writes, bool sync) = 0;
  // A write kept out of the write-ahead log, for a DR replica catching up,
  // which can fetch again what a crash loses (RocksDB: disableWAL, with
  // atomic_flush so that every flush persists all families at one point).
  // Atomic like Write, and still a prefix: a crash loses this write and every
  // one after it, or none of them, until Persist() returns or a later Write
  // (sync or not), which persists every deferred write before its own.
  virtual Status WriteDeferred(const WriteSet& writes) = 0;
  // Puts every deferred write on stable storage (RocksDB: flushes the
  // memtables); Ok at once if there is none.
  virtual Status Persist() = 0;
  // nullopt if absent.
  virtual Result<std::optional<std::string>> Get(Family f, std::string_view key) const = 0;
  virtual std::unique_ptr<StoreIterator> NewIterator(Family f) const = 0;
  // The same, tuned for one front-to-back pass over a whole family (VerifyStore):
  // RocksDB reads ahead and leaves the block cache alone. Same contract.
  virtual std::unique_ptr<StoreIterator> NewScanIterator(Family f) const { return NewIterator(f); }
  // Drops deleted entries of a family from the files for good (crypto-shredding
  // relies on this for `keys`). No-op for the in-memory store.
  virtual Status CompactFamily(Family f) = 0;
  virtual bool read_only() const = 0;
  // A read-only view of the store as of this call (RocksDB: a snapshot; in
  // memory: a copy): Get and the iterators see what was written before it and
  // nothing after; Write and CompactFamily are Unavailable. The view must not
  // outlive this store. Thread-safe like the store. (A primary serving a DR
  // replica the projection state at one seq while it goes on writing.) While
  // a RocksDB view lives, CompactFamily keeps what the view still sees, so
  // entries deleted since (crypto-shredded keys) stay in the files until the
  // view is gone: release views promptly.
  virtual std::unique_ptr<Store> Snapshot() const = 0;
};

enum class OpenMode {
  kCreate,     // the directory must not hold a ledger yet; creates it
  kReadWrite,  // must exist; takes the exclusive lock
  kReadOnly,   // must exist; no lock, works while another process holds it
};

struct StoreOptions {
  // Flushes and compactions write their table files with O_DIRECT, past the
  // page cache, where the directory's file system allows it (probed when the
  // store opens; where it does not, they write as usual). For a store
  // written far more than it is read:
  // a DR replica catching up, where the page cache's copy of every table file
  // was a sixth of its CPU (bench/RESULTS.md, replica_bench).
  bool direct_table_writes = false;
};

// Opens RocksDB at `dir`. Errors: Unavailable("ledger in use by another process
// (lock held on <dir>/LOCK)") if another process holds it; NotFound("<dir> is not
// a Cairn ledger") for kReadWrite/kReadOnly on a directory without one;
// AlreadyExists for kCreate on an existing ledger.
Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, OpenMode mode, StoreOptions options = {});
std::unique_ptr<Store> NewMemStore();

// Big-endian encoding of a sequence number: the `log` family's key.
std::string SeqKey(uint64_t seq);
Result<uint64_t> ParseSeqKey(std::string_view key);  // DataLoss unless exactly 8 bytes

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_STORE_H_
