// Disaster-recovery replicas, the service half (issue 7; not to be confused
// with AWS's multi-region replication, op_replication.cc). A replica holds
// the same ledger as its primary: the very record bytes, appended in order
// (ledger::Ledger::StageVerbatim), applied with the same projection code, so
// its head, tree and `state` family are byte-identical to the primary's at
// every seq. What the records do not carry travels beside them:
//
//  - at bootstrap, a ReplicaSeed: the primary's ledger id, master key id and
//    serialized keyring (KEKs wrapped under the master key). The replica's
//    operator installs the same master key file (sealed under a passphrase,
//    out of band): a replica that could not open the secrets could not take
//    over. Engine::InitReplica checks the key file against the seed.
//  - with each page of records, the `keys` family entries those records put
//    (KeyEffectsOf: a version's wrapped DEK, an access key's), as the primary
//    holds them when the page is fetched: KEK-wrapped, and on the wire inside
//    the CURVE channel. An entry the primary has destroyed since (a later
//    record shreds it) comes as absent. The deletes are not sent: the replica
//    derives them from the records (a purge, a pruned version, a deleted
//    access key), so a crypto-shred on the primary is one on the replica.
//
// Verification before apply is the caller's (tools/cairn_replica):
// a page is applied only once a checkpoint signed by the pinned key covers
// it and the page's records reproduce the checkpoint's root from the
// replica's own tree; StageVerbatim then checks each record's seq and prev
// link again, and nothing of a page that fails is applied.
//
// After a failover, Engine::Promote appends the epoch record (ReplicaPromoted,
// naming the new checkpoint key), and Engine::Rejoin makes an old primary
// whose records are all in the new primary's signed tree its replica (the
// check is cairn-replica rejoin's; records after a fork point are refused).
//
// Bootstrap from a snapshot (service/snapshot.h): instead of replaying
// from genesis, a replica can start from the primary's `state` and `keys` at
// its durable head N, which the primary signs (ReadReplicaSnapshot) and the
// replica verifies before Engine::InitReplicaFromSnapshot writes it as a
// ledger with a base at N (ledger::ImportBase): the compact range of the
// first N leaves in its tree, the records from N on. Such a replica cannot
// serve records or proofs below N.
//
// Thread-compatible functions; Engine's replica methods are thread-safe.
#ifndef CAIRN_SERVICE_REPLICA_H_
#define CAIRN_SERVICE_REPLICA_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "schema/events_generated.h"

namespace cairn::service {

// The `keys` family entries one event puts and deletes (service/decide.h's
// KeyEntryKey and AccessKeyEntryKey names), in the event's order: what the
// primary's Decision wrote beside its record.
struct KeyEffects {
  std::vector<std::string> puts;
  std::vector<std::string> deletes;
};
KeyEffects KeyEffectsOf(const schema::Event& event);
// Whether an event of this type (a record's event_type) can have puts in
// KeyEffectsOf, to skip reading the others. Only a filter: the puts
// themselves come from KeyEffectsOf. Kept beside it: the two change together.
bool MayPutKeys(std::string_view event_type);

// A record a replica took from its primary, decoded once for everything
// after: the replica's checks (its seq, time, actor, the data keys it puts)
// and Engine::StageReplicated (its event, its key effects, its leaf hash).
// Decode runs DecodeRecordView's checks and the Event verifier; nothing after
// reads the bytes unverified. It holds no pointer into itself: the event is
// found again from the payload's offset (no copy, no second verifier), so it
// moves freely.
class ReplicatedRecord {
 public:
  // `leaf_hash` must be ledger::RecordLeafHash(bytes) (the replica's follower
  // computed it to check the next record's link; the ledger checks the links
  // again against it). An error if the bytes do not decode as a record; a
  // record that holds no Cairn event decodes, with event_status() saying why
  // (StageReplicated refuses it).
  static Result<ReplicatedRecord> Decode(std::string bytes, const crypto::Digest& leaf_hash);

  uint64_t seq() const { return seq_; }
  int64_t time_unix_ms() const { return time_unix_ms_; }
  const crypto::Digest& leaf_hash() const { return leaf_hash_; }
  const std::string& bytes() const { return bytes_; }
  std::string_view principal() const { return Part(principal_); }
  std::string_view user_agent() const { return Part(user_agent_); }
  // OK iff the payload is a Cairn event; event() is null otherwise.
  const Status& event_status() const { return event_status_; }
  const schema::Event* event() const { return EventIn(bytes_); }
  const KeyEffects& effects() const { return effects_; }
  // The bytes, for the ledger: the other fields stay, event() is null after.
  std::string TakeBytes() { return std::move(bytes_); }
  // The event read from `bytes`, which must be this record's bytes taken
  // (TakeBytes) and moved on, unchanged: null if there is none (or if `bytes`
  // is not of the decoded size).
  const schema::Event* EventIn(std::string_view bytes) const;

 private:
  ReplicatedRecord() = default;  // only Decode makes one
  struct Span {
    size_t offset = 0, size = 0;
  };
  std::string_view Part(Span s) const { return std::string_view(bytes_).substr(s.offset, s.size); }

  uint64_t seq_ = 0;
  int64_t time_unix_ms_ = 0;
  crypto::Digest leaf_hash_{};
  std::string bytes_;
  size_t size_ = 0;  // of bytes_, as decoded
  Span principal_, user_agent_, payload_;
  std::string payload_copy_;  // the payload, if it is not 8-aligned in bytes_
  Status event_status_;
  KeyEffects effects_;
};

// A `keys` entry a replicated record puts, as the primary holds it now;
// nullopt if the primary has destroyed it since.
struct ReplicatedKey {
  std::string key;
  std::optional<std::string> entry;
};

// What a replica copies from its primary's `meta` family at bootstrap.
struct ReplicaSeed {
  std::string ledger_id;
  std::string master_key_id;
  std::string keyring;  // crypto::Keyring::Serialize(): KEKs wrapped under the master key
};

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_REPLICA_H_
