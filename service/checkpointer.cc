#include "service/checkpointer.h"

#include "ledger/tree.h"
#include "service/internal/meta_keys.h"
#include "service/internal/sealed_meta.h"

namespace cairn::service {
namespace {

constexpr char kKeyContext[] = "cairn/checkpoint-signing-key/v1";

Result<crypto::Ed25519PrivateKey> OpenSealedKey(std::string_view bytes, const crypto::Keyring& keyring) {
  auto seed = internal::OpenEntry("meta checkpoint_key", kKeyContext, bytes, keyring);
  if (!seed.ok()) return seed.status().WithContext("opening the checkpoint signing key");
  return crypto::Ed25519PrivateKey::FromSeed(std::move(seed).value());
}

}  // namespace

Result<Checkpointer> Checkpointer::LoadOrCreate(ledger::Ledger& ledger, const crypto::Keyring& keyring,
                                                const std::string& ledger_id, crypto::RandomSource& rng) {
  ledger::Store& store = ledger.store();
  ASSIGN_OR_RETURN(auto sealed, store.Get(ledger::Family::kMeta, kMetaCheckpointKey));
  ASSIGN_OR_RETURN(auto origin, store.Get(ledger::Family::kMeta, kMetaOrigin));
  if (sealed && origin) {
    ASSIGN_OR_RETURN(crypto::Ed25519PrivateKey key, OpenSealedKey(*sealed, keyring));
    ASSIGN_OR_RETURN(ledger::NoteVerifier verifier, ledger::MakeNoteVerifier(*origin, key.PublicKey()));
    return Checkpointer(std::move(key), std::move(verifier));
  }
  crypto::Ed25519PrivateKey key = crypto::Ed25519PrivateKey::Generate(rng);
  const std::string name = "cairn.ledger/" + ledger_id;
  ASSIGN_OR_RETURN(ledger::NoteVerifier verifier, ledger::MakeNoteVerifier(name, key.PublicKey()));
  ASSIGN_OR_RETURN(std::string sealed_key, internal::SealEntry(kKeyContext, key.seed(), keyring, rng));
  ledger::WriteSet writes;
  writes.Put(ledger::Family::kMeta, kMetaCheckpointKey, sealed_key);
  const auto& pub = key.PublicKey().bytes;
  writes.Put(ledger::Family::kMeta, kMetaCheckpointPublicKey, std::string(pub.begin(), pub.end()));
  writes.Put(ledger::Family::kMeta, kMetaOrigin, name);
  RETURN_IF_ERROR(ledger.WriteUnchained(writes));
  return Checkpointer(std::move(key), std::move(verifier));
}

Result<std::string> Checkpointer::SignHead(ledger::Ledger& ledger) {
  const uint64_t size = ledger.durable_head().next_seq;
  ASSIGN_OR_RETURN(auto existing, ledger.store().Get(ledger::Family::kCheckpoints, ledger::SeqKey(size)));
  if (existing) return *existing;
  ledger::TreeReader tree(ledger.store());
  ASSIGN_OR_RETURN(crypto::Digest root, tree.Root(size));
  ledger::Checkpoint checkpoint{verifier_.name, size, root, {}};
  ASSIGN_OR_RETURN(std::string note,
                   ledger::SignNote(ledger::FormatCheckpointBody(checkpoint), verifier_.name, key_));
  ledger::WriteSet writes;
  writes.Put(ledger::Family::kCheckpoints, ledger::SeqKey(size), note);
  RETURN_IF_ERROR(ledger.WriteUnchained(writes));
  return note;
}

Result<std::string> Checkpointer::SignWithExtension(uint64_t size, const crypto::Digest& root,
                                                    std::string extension) const {
  ledger::Checkpoint checkpoint{verifier_.name, size, root, {std::move(extension)}};
  RETURN_IF_ERROR(ledger::ValidateCheckpoint(checkpoint));
  return ledger::SignNote(ledger::FormatCheckpointBody(checkpoint), verifier_.name, key_);
}

Result<ledger::NoteVerifier> ReadLedgerVerifier(const ledger::Store& store) {
  ASSIGN_OR_RETURN(auto pub, store.Get(ledger::Family::kMeta, kMetaCheckpointPublicKey));
  ASSIGN_OR_RETURN(auto origin, store.Get(ledger::Family::kMeta, kMetaOrigin));
  if (!pub || !origin) return NotFoundError("this ledger has no checkpoint key yet (open it once with cairn)");
  if (pub->size() != crypto::kEd25519PublicKeySize) return DataLossError("meta checkpoint_pubkey is not 32 bytes");
  crypto::Ed25519PublicKey key;
  std::copy(pub->begin(), pub->end(), key.bytes.begin());
  return ledger::MakeNoteVerifier(*origin, key);
}

Result<std::vector<std::pair<uint64_t, std::string>>> ReadCheckpoints(const ledger::Store& store) {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto it = store.NewIterator(ledger::Family::kCheckpoints);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(uint64_t size, ledger::ParseSeqKey(it->key()));
    out.emplace_back(size, std::string(it->value()));
  }
  RETURN_IF_ERROR(it->status());
  return out;
}

Result<std::optional<ReplicaCheckpoint>> ReadReplicaCheckpoint(const ledger::Store& store) {
  ASSIGN_OR_RETURN(auto replica_of, store.Get(ledger::Family::kMeta, internal::kMetaReplicaOf));
  if (!replica_of) return std::optional<ReplicaCheckpoint>();
  ASSIGN_OR_RETURN(auto note, store.Get(ledger::Family::kMeta, internal::kMetaPrimaryCheckpoint));
  ASSIGN_OR_RETURN(auto key, store.Get(ledger::Family::kMeta, internal::kMetaPrimaryCheckpointKey));
  if (note.has_value() != key.has_value()) {
    return DataLossError("meta holds one of primary_checkpoint and primary_checkpoint_key without the other");
  }
  return std::optional<ReplicaCheckpoint>(ReplicaCheckpoint{note.value_or(""), key.value_or("")});
}

}  // namespace cairn::service
