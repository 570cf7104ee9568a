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
// Not built yet: bootstrap from a snapshot (issue 7, part 1). A replica
// starts from genesis and replays every record. The plan for a snapshot at
// seq N: the primary signs, with its checkpoint key, a note binding
// (ledger id, tree size N, root, digest of the `state` and `keys` families
// at N, the compact range of the tree's first N leaves, the leaf hash of
// N-1); the replica verifies the signature against the pinned key, the
// compact range against the root and the families against the digest, then
// takes records from N on as now. What it changes: a ledger whose first
// seq is N (Ledger::Open, CheckGenesis and the head checks assume 0), proofs
// and audits that cannot reach below N on such a replica, and a digest the
// primary computes over a RocksDB snapshot of the families.
//
// Thread-compatible functions; Engine's replica methods are thread-safe.
#ifndef CAIRN_SERVICE_REPLICA_H_
#define CAIRN_SERVICE_REPLICA_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
