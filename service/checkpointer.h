// Checkpointer: the ledger's signing identity and its signed checkpoints.
//
// The Ed25519 checkpoint key is made at init (or on the first open of a ledger
// that predates it) and kept in `meta` sealed like a secret value: under its own
// data key, wrapped by the keyring, so it opens only with the master key. Its
// public half and the ledger's origin sit in `meta` in the clear, so auditors
// read them with no key. SignHead writes a C2SP signed note of the tree at the
// durable head into the `checkpoints` family, keyed by tree size (ledger/FORMAT.md).
// Not thread-safe; the engine serializes calls.
#ifndef CAIRN_SERVICE_CHECKPOINTER_H_
#define CAIRN_SERVICE_CHECKPOINTER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/keyring.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "crypto/status.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/store.h"

namespace cairn::service {

inline constexpr char kMetaCheckpointKey[] = "checkpoint_key";        // sealed seed
inline constexpr char kMetaCheckpointPublicKey[] = "checkpoint_pubkey";  // 32 raw bytes
inline constexpr char kMetaOrigin[] = "origin";                          // e.g. "cairn.ledger/<uuid>"

class Checkpointer {
 public:
  // Loads the key, creating and storing it (and the origin) if the ledger has none.
  static Result<Checkpointer> LoadOrCreate(ledger::Ledger& ledger, const crypto::Keyring& keyring,
                                           const std::string& ledger_id, crypto::RandomSource& rng);
  Checkpointer(Checkpointer&&) noexcept = default;

  // Signs a checkpoint of the durable head and stores it; returns the note.
  // Does nothing new (returns the stored note) if the head is already checkpointed.
  Result<std::string> SignHead(ledger::Ledger& ledger);
  // Signs a checkpoint of `size` and `root` with one extension line (a
  // replica snapshot's, service/snapshot.h); stores nothing.
  Result<std::string> SignWithExtension(uint64_t size, const crypto::Digest& root, std::string extension) const;
  const ledger::NoteVerifier& verifier() const { return verifier_; }

 private:
  Checkpointer(crypto::Ed25519PrivateKey key, ledger::NoteVerifier verifier)
      : key_(std::move(key)), verifier_(std::move(verifier)) {}
  crypto::Ed25519PrivateKey key_;
  ledger::NoteVerifier verifier_;
};

// For auditors, with no key: the verifier from `meta`. NotFound if the ledger
// has never been opened by a Cairn that signs checkpoints.
Result<ledger::NoteVerifier> ReadLedgerVerifier(const ledger::Store& store);
// The stored checkpoint notes, oldest first, and the latest one.
Result<std::vector<std::pair<uint64_t, std::string>>> ReadCheckpoints(const ledger::Store& store);

// A DR replica's record of its primary (service/replica.h), for auditors of
// its files: nullopt unless the store is a replica's (not promoted). `note`
// is the last checkpoint of the primary that a page the replica applied ends
// at ("" before the first), `verifier_key` the key pinned at init that it
// verified by ("" before the first).
struct ReplicaCheckpoint {
  std::string note;
  std::string verifier_key;
};
Result<std::optional<ReplicaCheckpoint>> ReadReplicaCheckpoint(const ledger::Store& store);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_CHECKPOINTER_H_
