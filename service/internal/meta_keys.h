// The service's entries in the ledger's `meta` family (ledger/FORMAT.md),
// written at init (Engine::Init) or copied from a primary (Engine::InitReplica).
#ifndef CAIRN_SERVICE_INTERNAL_META_KEYS_H_
#define CAIRN_SERVICE_INTERNAL_META_KEYS_H_

namespace cairn::service::internal {

inline constexpr char kMetaKeyring[] = "keyring";              // crypto::Keyring::Serialize()
inline constexpr char kMetaMasterKeyId[] = "master_key_id";    // crypto::MasterKeyId (hex)
inline constexpr char kMetaLedgerId[] = "ledger_id";           // UUIDv4, fixed at init
// Present while the data directory is a DR replica (its value: the ledger id
// it follows); deleted in the batch of its ReplicaPromoted record.
inline constexpr char kMetaReplicaOf[] = "replica_of";
// While a replica: the last checkpoint of its primary that a page it applied
// ends at (the signed note as the primary sent it), and the key it verified
// by (ledger::FormatVerifierKey: the key pinned at init). Written in the
// batch of that page (or of a snapshot's import: the snapshot's note), so
// the note never covers more than the log holds;
// deleted with replica_of at promotion and at a rejoin.
inline constexpr char kMetaPrimaryCheckpoint[] = "primary_checkpoint";
inline constexpr char kMetaPrimaryCheckpointKey[] = "primary_checkpoint_key";

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_META_KEYS_H_
