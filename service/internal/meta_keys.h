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

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_META_KEYS_H_
