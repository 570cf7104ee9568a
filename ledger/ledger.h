// ledger/: Cairn's append-only, hash-chained log.
//
// Invariant: sequence numbers are dense from 0 (from the base, for a ledger
// with one: see Base below); record n carries the leaf hash of record n-1 (32
// zero bytes for record 0; meta base's leaf for a base's first record); leaf
// hash = SHA-256(0x00 || stored record bytes); a record, once durable, is never
// rewritten or deleted. The `meta` family's "head" entry (seq + leaf hash of the
// last record) is written in the same batch as the records, so a truncated or
// altered tail is detectable.
//
// Ledger sequences and commits. Stage() assigns seq and prev, encodes the records
// and queues them, in order, for the committer; Await() blocks until they are
// durable. The committer turns everything queued into one RocksDB WriteBatch
// with sync=true (group commit): the records, the Merkle tree nodes they
// complete (ledger/tree.h), the new head, and the side writes each caller
// attached (projection state, wrapped keys) ride in that batch. If a
// batch fails to write, the ledger is poisoned: the failed and every later ticket
// return the error, and so does every later Stage(), because in-memory state
// that callers derived from those records is now ahead of the disk.
//
// Thread-safety: every method is thread-safe. Stage() calls are serialized
// internally; callers that must keep their own state consistent with the order of
// the records (the service's sequencer) call Stage() under their own lock and
// Await() outside it, so many callers share one fsync.
#ifndef CAIRN_LEDGER_LEDGER_H_
#define CAIRN_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/store.h"

namespace cairn::ledger {

struct Appended {
  uint64_t seq = 0;
  crypto::Digest leaf_hash{};
  std::string bytes;  // the stored record bytes
};

struct Head {
  uint64_t next_seq = 0;         // number of records
  crypto::Digest last_leaf{};    // leaf hash of record next_seq-1, zeros if empty
};

// Given the records just staged (seq assigned), adds side writes that must be
// durable in the same batch. Runs inside Stage(), under the ledger's lock.
using SideWrites = std::function<Status(const std::vector<Appended>& staged, WriteSet& out)>;

class CommitTicket;  // opaque; returned by Stage, consumed by Await

// How a staged batch reaches the disk.
enum class Durability {
  kSync,      // on stable storage when Await returns
  // Written without the WAL (Store::WriteDeferred): in the store when Await
  // returns, on stable storage after the next Persist() or kSync batch. A
  // crash before then loses it and every batch after it, never a part of
  // one. For a DR replica catching up, which fetches lost records again. A
  // group commit mixing both kinds is written kSync.
  kDeferred,
};

struct LedgerOptions {
  // Upper bound on the records one WriteBatch takes; the rest wait for the next.
  size_t max_batch_records = 1024;
};

class Ledger {
 public:
  // Reads the head from the store (DataLoss if meta head and log disagree),
  // builds the Merkle tree in one batch if it lags the log (a ledger written
  // before the tree existed; DataLoss if its last leaf disagrees with the head)
  // and starts the committer thread. The store must be writable. A ledger with
  // a base opens with an empty log if its head is the base; its log must not
  // hold a key below the base, and its tree is never backfilled (DataLoss if
  // the last record's leaf is not stored).
  static Result<std::unique_ptr<Ledger>> Open(std::unique_ptr<Store> store,
                                              LedgerOptions options = {});
  ~Ledger();  // drains the queue, then stops the committer
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  Result<std::shared_ptr<CommitTicket>> Stage(std::vector<RecordInput> inputs,
                                              SideWrites side_writes = nullptr);
  // The staged records once durable; the batch's write error otherwise.
  Result<std::vector<Appended>> Await(const std::shared_ptr<CommitTicket>& ticket);
  // Replication (a DR replica, service/replica.h): stages records another
  // ledger encoded, byte for byte, in order. Each must decode (DecodeRecord's
  // checks) and link: its seq is the next one here and its prev the leaf hash
  // of the record before it. DataLoss naming the seq otherwise, and nothing of
  // the call is staged. `side_writes` as for Stage.
  Result<std::shared_ptr<CommitTicket>> StageVerbatim(std::vector<std::string> records,
                                                      SideWrites side_writes = nullptr);
  // StageVerbatim with the records' leaf hashes the caller computed already
  // (a replica's follower hashes each record to check the next one's link):
  // leaf_hashes[i] must be RecordLeafHash(records[i]); InvalidArgument if the
  // sizes differ. The links are still checked here: record i's prev must be
  // leaf_hashes[i-1] (the staged head's leaf for i = 0), so a hash that is not
  // its record's shows up as the next record not linking, and the last
  // record, whose hash nothing here links to, is hashed again (InvalidArgument
  // if it differs). The head and tree nodes are built from these hashes.
  Result<std::shared_ptr<CommitTicket>> StageVerbatim(std::vector<std::string> records,
                                                      std::vector<crypto::Digest> leaf_hashes,
                                                      SideWrites side_writes = nullptr,
                                                      Durability durability = Durability::kSync);
  // Stage + Await: one durable append.
  Result<std::vector<Appended>> Append(std::vector<RecordInput> inputs,
                                       SideWrites side_writes = nullptr);

  Head staged_head() const;   // includes staged, not yet durable records
  // The head written: durable, but for kDeferred batches not yet persisted.
  Head durable_head() const;
  // Blocks until durable_head().next_seq > `next_seq`, `timeout_ms` passes or
  // the ledger is closing; returns the durable head either way. The daemon's
  // publisher thread waits here and publishes strictly in seq order.
  Head WaitDurable(uint64_t next_seq, int timeout_ms) const;
  // Writes outside the chain (e.g. deleting wrapped keys after a crypto-shred
  // committed), synchronously. Never touches `log` or `tree`.
  Status WriteUnchained(const WriteSet& writes);
  // Puts every kDeferred batch written so far (Await returned) on stable
  // storage (Store::Persist). Batches still queued are not covered.
  Status Persist();
  Store& store() { return *store_; }
  const Store& store() const { return *store_; }

 private:
  class Impl;
  Ledger(std::unique_ptr<Store> store, std::unique_ptr<Impl> impl);
  std::unique_ptr<Store> store_;
  std::unique_ptr<Impl> impl_;
};

// Reading: the record at `seq`, or every record in order. Works on any Store,
// including a read-only one.
// NotFound past the head, and below a base ("... the ledger starts at seq N (a
// snapshot base)").
Result<std::string> ReadRecord(const Store& store, uint64_t seq);
Result<Head> ReadHead(const Store& store);  // from meta; {0, zeros} for an empty ledger

// Visits records from `from_seq` in key order; stop early by returning false.
// Reports the raw key too, so verifiers can see gaps and misplaced records.
// On a ledger with a base, a `from_seq` below it starts at the base.
using RecordVisitor = std::function<bool(std::string_view key, std::string_view bytes)>;
Status ForEachRecord(const Store& store, uint64_t from_seq, const RecordVisitor& visit);

// A ledger that starts at a base: a DR replica bootstrapped from a snapshot
// (service/replica.h) holds the records from `seq` on, not those before; its
// tree holds, for the first `seq` leaves, only their compact range (the roots
// of their perfect subtrees), which is all that roots, appends and proofs for
// sizes >= seq need. A ledger without meta "base" starts at {0, zeros}.
struct Base {
  uint64_t seq = 0;             // the first seq the log holds
  crypto::Digest prev_leaf{};   // leaf hash of record seq-1; zeros if seq == 0
  friend bool operator==(const Base&, const Base&) = default;
};
Result<Base> ReadBase(const Store& store);  // {0, zeros} if meta has no base; DataLoss if malformed

// Makes an empty store (no head, no record, no tree node) a ledger whose first
// record will be base.seq, in one synced batch: meta "base" and "head"
// ({base.seq, base.prev_leaf}), the tree nodes of `frontier` (the compact
// range of the first base.seq leaves, whose root the caller has verified), and
// `extra` (the snapshot's `state` and `keys` entries, and `meta` entries of
// the caller's; the same rule as side writes: not `log`, `tree`, meta "head",
// "base" or "format_version"). InvalidArgument if base.seq is 0,
// frontier.size() != base.seq, or the frontier contradicts prev_leaf (for an
// odd size its last node is leaf seq-1); FailedPrecondition if the store
// holds a head, a record or a tree node.
Status ImportBase(Store& store, const Base& base, const CompactRange& frontier, WriteSet extra);

// meta keys
inline constexpr char kMetaHead[] = "head";            // 8-byte BE seq of last record || 32-byte leaf
inline constexpr char kMetaFormat[] = "format_version";
inline constexpr char kMetaBase[] = "base";            // 8-byte BE first seq || 32-byte leaf of seq-1

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_LEDGER_H_
