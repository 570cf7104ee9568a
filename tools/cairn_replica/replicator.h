// cairn-replica's follow loop: a DR replica of a primary cairnd
// (service/replica.h), verifying before it applies.
//
// Records come from the primary's events socket through a bus::Follower
// (ordered, prev-linked, gaps filled through ReadRecords). They wait in a
// pending queue until a checkpoint signed by the pinned key covers them:
//  - a checkpoint the primary publishes on the stream (every
//    --checkpoint-records / --checkpoint-ms of cairnd) whose size falls within
//    the records held: the replica's tree (its frontier plus the pending leaf
//    hashes) must reproduce its root exactly;
//  - or, when the queue is full or its oldest record has waited
//    verify_after_ms (catch-up, a quiet primary), GetCheckpoint for at least
//    the records held, and if the signed tree is larger a consistency proof
//    (GetConsistencyProof) from the replica's size to it. Catching up, one
//    signed checkpoint (the primary's head) covers many pages: it is asked
//    for again only once the records held pass it, and each page's proof to
//    it is asked for ahead, on a connection of its own, while the page's
//    records come (each note is still checked against the pinned key, each
//    proof against the replica's own root).
// A signature that does not verify, a root that differs, a proof that fails:
// replication stops with DataLoss and nothing of the pending records is
// applied. The verified records go to the engine (Engine::StageReplicated)
// with the data keys they put, which the pages read through ReadReplicaPage
// bring (or one more ReadReplicaPage per verified batch; the record bytes it
// returns must be the ones held).
//
// Catching up overlaps its three stages: while a page comes back full, the
// next is read ahead on a second connection, and its records hashed on that
// thread (bus::StoredRecord::leaf_hash); each record is decoded once as
// it arrives (service::ReplicatedRecord: its time, actor, event and the keys
// it puts, with the follower's leaf hash, which the engine and the ledger
// take as they are); a verified batch is
// staged and awaited only once the next one is staged, or the stream is idle,
// so the committer writes one batch while the next is fetched and verified.
// A batch is still staged only once a signed checkpoint covers it.
// While the signed tree holds at least another full batch after it, a batch
// is written without the WAL (ledger::Durability::kDeferred, ledger/FORMAT.md):
// the kernel copying each page into the WAL was a fifth of the replica's CPU.
// A crash then loses whole batches from the end, which follow fetches again
// from the head it reopens at. The batches near the primary's head are
// synced, and the first of them persists the deferred ones; so does a stream
// idle for 250 ms, and stopping.
//
// The replica's own calls are records on the primary too (ReadRecords, the
// checkpoint and page reads): they are applied with the rest once a
// checkpoint covers them, and records of its own calls alone never make it
// ask for one (that would be a call, a record, and so on for ever): they
// wait for the next checkpoint the primary publishes.
// Replication is asynchronous: what the primary acknowledged and published
// but the replica had not applied is lost if the primary is lost.
//
// Around that loop: at start, the primary must serve the directory's ledger
// (GetReplicaSeed); a call lost with a dropped connection, or refused for a
// passing cause, is retried until it goes through (the stream itself resumes
// through the follower); every report_every_ms the replica reports its status
// (ReportReplicaStatus, for `cairn replica status` on the primary), and stops
// if the primary answers that its head leaf is not the primary's. After a
// failover, PromoteReplica makes it a primary and RejoinReplicaDir checks an
// old primary (or its replica) against the new one: rejoined if all its
// records are in the new signed tree, refused with the fork reported if not.
#ifndef CAIRN_TOOLS_CAIRN_REPLICA_REPLICATOR_H_
#define CAIRN_TOOLS_CAIRN_REPLICA_REPLICATOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "service/api.h"
#include "tools/common/log.h"
#include "tools/common/profile.h"
#include "tools/common/replica_files.h"

namespace cairn::tools {

// What `cairn-replica status` shows (and follow writes to <data-dir>/replica-status.json).
struct ReplicaStatus {
  uint64_t head = 0;             // records applied (next seq)
  std::string head_leaf_hex;     // leaf hash of the last applied record
  uint64_t primary_head = 0;     // the primary's head as the stream shows it
  uint64_t pending = 0;          // received, waiting for a checkpoint
  uint64_t verified_size = 0;    // size of the last checkpoint verified
  std::string verified_root_hex;
  int64_t verified_at_ms = 0;
  int64_t lag_ms = 0;            // now - time of the oldest record not applied (0 if none)
  double bytes_per_s = 0;        // record bytes applied per second, over the last interval
  uint64_t applied_since_start = 0;
  uint64_t first_seq = 0;        // the ledger's base: 0, or the seq of the snapshot it started from
  service::Json ToJson() const;
};

struct ReplicatorOptions {
  std::string data_dir;
  Profile primary;                     // the replica's principal on the primary
  std::string pinned_key;              // the primary's checkpoint verifier key
  const crypto::SecureBuffer* passphrase = nullptr;  // of the master key file
  size_t max_pending = 10000;          // verify by GetCheckpoint once this many wait
  int verify_after_ms = 15000;         // ... or once the oldest has waited this long
  int status_every_ms = 1000;
  // ReportReplicaStatus to the primary every this many ms (0: never), as
  // `replica_id`: what `cairn replica status` there shows. A primary that
  // refuses it (no cairn:ReportReplicaStatus) is warned of once, then not asked.
  int report_every_ms = 5000;
  std::string replica_id;
  const std::atomic<bool>* stop = nullptr;
  Logger* log = nullptr;
};

// Creates the replica's data directory: reads the seed (GetReplicaSeed) and
// the primary's verifier key (GetCheckpoint), refuses a primary whose key is
// not `pinned_key`, checks <data-dir>/master.key is the primary's and writes
// <data-dir>/replica.json (primary profile path and pinned key). With
// `from_snapshot`, the replica starts from a snapshot of the primary's state
// (ReadReplicaSnapshot, service/snapshot.h) instead of its genesis: written
// only once its note verifies by the pinned key, its compact range
// reproduces the signed root and its entries the signed digest (DataLoss
// otherwise, and nothing is written). Returns the first seq the replica
// will hold (0 from genesis, N from a snapshot at N).
struct InitOptions {
  std::string data_dir;
  std::string primary_profile_path;
  std::string pinned_key;
  const crypto::SecureBuffer* passphrase = nullptr;
  bool from_snapshot = false;
};
Result<uint64_t> InitReplicaDir(const InitOptions& options);

// Follows the primary until *stop (Ok) or a failure: DataLoss for anything
// that does not verify (nothing of it applied), the transport's or the
// engine's errors otherwise. Writes the status file every status_every_ms and
// reports to the primary every report_every_ms; a report the primary answers
// with another leaf at the replica's head (a fork) stops it with DataLoss.
Status RunReplica(const ReplicatorOptions& options);

// Makes the replica in `data_dir` a primary (service::Engine::Promote): a
// ReplicaPromoted record naming the replica's head, the last checkpoint it
// verified and the primary head it had seen (from the status follow wrote);
// replica.json becomes replica.json.promoted. Returns what to tell the
// operator: {PromotedAtSeq, ReplicaHeadSeq, PrimaryHeadSeqSeen,
// RecordsLostAtLeast, LastVerifiedCheckpoint}. Unavailable while follow runs
// (the ledger lock); FailedPrecondition if it is no replica.
Result<service::Json> PromoteReplica(const std::string& data_dir, const crypto::SecureBuffer* passphrase);

// Rejoins a ledger to the primary after a failover: an old primary (cairnd
// stopped), or a replica of it, against the promoted one. Verifies the
// primary's checkpoint by `pinned_key`, then finds by consistency proofs the
// longest prefix of this ledger in the primary's signed tree. If that is the
// whole ledger, the directory becomes the primary's replica (replica.json,
// Engine::Rejoin) and `follow` goes on from its head. Otherwise the records
// after the fork point are refused: nothing changes, and the report names the
// fork (AtSeq, RecordsRefused) and both heads; with `fork_out` those records
// are written there as cairn-audit export's JSON lines. The report:
// {Rejoined, CommonRecords, ThisLedger{HeadSeq, HeadLeafHash, Root},
//  Primary{TreeSize, Root, VerifierKey}, Fork{AtSeq, RecordsRefused,
//  RecordsWrittenTo}?}. FailedPrecondition for another ledger's primary,
// PermissionDenied for a primary signing with another key.
struct RejoinOptions {
  std::string data_dir;
  std::string primary_profile_path;
  std::string pinned_key;
  std::string fork_out;
  const crypto::SecureBuffer* passphrase = nullptr;
};
Result<service::Json> RejoinReplicaDir(const RejoinOptions& options);

// <hostname>:<absolute data dir>, in ReportReplicaStatus's ReplicaId alphabet.
std::string DefaultReplicaId(const std::string& data_dir);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_REPLICA_REPLICATOR_H_
