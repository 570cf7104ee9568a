// Replica snapshots (issue 7, part 1): what a primary signs so a DR replica
// can start from its state at seq N instead of replaying records 0..N-1.
//
// A snapshot at N is the primary's `state` and `keys` families as of its
// durable head N (read from one store snapshot, so the two agree with each
// other and with the head), the compact range of the tree's first N leaves
// and the leaf hash of record N-1. The primary signs, with its checkpoint
// key, a checkpoint of size N (origin, N, root) with one extension line:
//
//   cairn-snapshot <entries> <base64 digest> <base64 leaf hash of N-1>
//
// where <entries> is the number of entries (state then keys) and <digest>
// is SnapshotDigest over them. A replica that pins the key checks the
// signature, that the compact range reproduces the root, that the entries
// it fetched reproduce the digest and count, and only then writes anything
// (ledger::ImportBase). The records from N on then come as from genesis,
// each linked to the leaf of N-1 and covered by signed checkpoints.
//
// The `keys` entries are KEK-wrapped DEKs, as in ReadReplicaPage; a version
// destroyed after N is destroyed on the replica by the record that destroys
// it. Byte formats: ledger/FORMAT.md, "Replica snapshots". Pure functions and
// thread-compatible classes.
#ifndef CAIRN_SERVICE_SNAPSHOT_H_
#define CAIRN_SERVICE_SNAPSHOT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace cairn::service {

// The families a snapshot carries, in digest order.
inline constexpr ledger::Family kSnapshotFamilies[] = {ledger::Family::kState, ledger::Family::kKeys};

// A SHA-256 chain over the entries in order: d0 = DomainHash("cairn/snapshot/v1", ""),
// d(i+1) = SHA-256(d(i) || family byte (3 state, 4 keys) || u32be(key size) || key ||
// u32be(value size) || value).
class SnapshotDigest {
 public:
  SnapshotDigest();
  void Add(ledger::Family family, std::string_view key, std::string_view value);
  const crypto::Digest& digest() const { return digest_; }
  uint64_t entries() const { return entries_; }

 private:
  crypto::Digest digest_;
  uint64_t entries_ = 0;
  std::string buffer_;  // reused
};

// What the extension line states.
struct SnapshotClaim {
  uint64_t entries = 0;
  crypto::Digest digest{};
  crypto::Digest prev_leaf{};  // leaf hash of record size-1
  friend bool operator==(const SnapshotClaim&, const SnapshotClaim&) = default;
};
std::string FormatSnapshotExtension(const SnapshotClaim& claim);
// The checkpoint's one "cairn-snapshot" extension. DataLoss if there is none,
// more than one, or it does not parse (strictly: FormatSnapshotExtension's spelling).
Result<SnapshotClaim> ParseSnapshotClaim(const ledger::Checkpoint& checkpoint);

// A snapshot that verified: what Engine::InitReplicaFromSnapshot writes.
struct VerifiedSnapshot {
  ledger::Base base;
  ledger::CompactRange frontier;
  ledger::WriteSet entries;
  std::string note;          // the signed note, as the primary sent it
  std::string verifier_key;  // the pinned key it verified by (ledger::FormatVerifierKey)
};

// A replica's check of a snapshot as it arrives. Start verifies the note by
// the pinned key (OpenSignedCheckpoint's errors), its cairn-snapshot line,
// and that `frontier` (the compact range of the first N leaves, left to
// right) reproduces the signed root of size N, and for an odd N that its
// last node is the signed leaf of N-1. Add takes the entries in the
// snapshot's order (state, then keys; keys strictly increasing within a
// family); Finish checks their count and digest against the signed ones.
// Every failure is DataLoss (PermissionDenied for a note the pinned key did
// not sign) and leaves nothing to write: only Finish's result is written.
class SnapshotVerifier {
 public:
  static Result<SnapshotVerifier> Start(std::string_view note, const ledger::NoteVerifier& pinned,
                                        std::vector<crypto::Digest> frontier);
  Status Add(ledger::Family family, std::string key, std::string value);
  Result<VerifiedSnapshot> Finish() &&;
  uint64_t size() const { return snapshot_.base.seq; }

 private:
  SnapshotVerifier() = default;
  SnapshotClaim claim_;
  VerifiedSnapshot snapshot_;
  SnapshotDigest digest_;
  int family_index_ = -1;  // in kSnapshotFamilies of the last entry added
  std::string last_key_;
};

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_SNAPSHOT_H_
