#include "tools/cairn_audit/checkpoint_commands.h"

#include <cstdio>

#include "crypto/hash.h"
#include "ledger/merkle.h"
#include "ledger/tree.h"
#include "service/checkpointer.h"

namespace cairn::tools {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "cairn-audit: error: %s\n", s.message().c_str());
  return 2;
}

CheckpointReport Bad(std::string problem) { return CheckpointReport{false, 0, std::move(problem)}; }

}  // namespace

int PubkeyCommand(const ledger::Store& store) {
  auto verifier = service::ReadLedgerVerifier(store);
  if (!verifier.ok()) return Fail(verifier.status());
  std::printf("%s\n", ledger::FormatVerifierKey(*verifier).c_str());
  return 0;
}

int CheckpointCommand(const ledger::Store& store) {
  auto checkpoints = service::ReadCheckpoints(store);
  if (!checkpoints.ok()) return Fail(checkpoints.status());
  if (checkpoints->empty()) return Fail(NotFoundError("this ledger has no signed checkpoint yet"));
  std::fwrite(checkpoints->back().second.data(), 1, checkpoints->back().second.size(), stdout);
  return 0;
}

Result<ledger::NoteVerifier> ChooseVerifier(const ledger::Store& store, const std::string& pinned_key) {
  if (!pinned_key.empty()) return ledger::ParseVerifierKey(pinned_key);
  return service::ReadLedgerVerifier(store);
}

CheckpointReport VerifyStoredCheckpoints(const ledger::Store& store, const ledger::NoteVerifier& verifier,
                                         uint64_t log_size) {
  auto checkpoints = service::ReadCheckpoints(store);
  if (!checkpoints.ok()) return Bad(checkpoints.status().message());
  ledger::TreeReader tree(store);
  CheckpointReport report;
  for (const auto& [size, note] : *checkpoints) {
    const std::string where = "checkpoint at size " + std::to_string(size) + ": ";
    auto cp = ledger::OpenSignedCheckpoint(note, verifier);
    if (!cp.ok()) return Bad(where + cp.status().message());
    if (cp->size != size) return Bad(where + "its note says size " + std::to_string(cp->size));
    if (size > log_size) {
      return Bad(where + "the log has only " + std::to_string(log_size) + " records (truncated)");
    }
    auto root = tree.Root(size);
    if (!root.ok()) return Bad(where + root.status().message());
    if (*root != cp->root) {
      return Bad(where + "signed root " + crypto::ToHex(cp->root) + " but the log's tree has root " +
                 crypto::ToHex(*root) + " (rewritten or forked log)");
    }
    ++report.checked;
  }
  return report;
}

CheckpointReport VerifyReplicaCheckpoints(const ledger::Store& store, const service::ReplicaCheckpoint& replica,
                                          const std::string& pinned_key, uint64_t log_size, uint64_t* primary_size) {
  CheckpointReport own;
  auto checkpoints = service::ReadCheckpoints(store);
  if (!checkpoints.ok()) return Bad(checkpoints.status().message());
  if (!checkpoints->empty()) {
    auto verifier = service::ReadLedgerVerifier(store);
    if (!verifier.ok()) return Bad("checkpoint key: " + verifier.status().message());
    own = VerifyStoredCheckpoints(store, *verifier, log_size);
    if (!own.ok) return own;
  }
  if (replica.note.empty()) {
    return Bad("this DR replica has applied no checkpoint of its primary yet (cairn-replica follow applies records "
               "only as far as one covers)");
  }
  const std::string what = "the primary's checkpoint the replica holds";
  auto verifier = ledger::ParseVerifierKey(pinned_key.empty() ? replica.verifier_key : pinned_key);
  if (!verifier.ok()) return Bad("checkpoint key: " + verifier.status().message());
  auto cp = ledger::OpenSignedCheckpoint(replica.note, *verifier);
  if (!cp.ok()) return Bad(what + ": " + cp.status().message());
  if (cp->size > log_size) {
    return Bad(what + " has size " + std::to_string(cp->size) + " but the log has only " + std::to_string(log_size) +
               " records (truncated)");
  }
  auto root = ledger::TreeReader(store).Root(cp->size);
  if (!root.ok()) return Bad(what + ": " + root.status().message());
  if (*root != cp->root) {
    return Bad(what + " (size " + std::to_string(cp->size) + ") signed root " + crypto::ToHex(cp->root) +
               " but the log's tree has root " + crypto::ToHex(*root) + " (rewritten or forked log)");
  }
  *primary_size = cp->size;
  return CheckpointReport{true, own.checked + 1, ""};
}

CheckpointReport VerifySince(const ledger::Store& store, const ledger::NoteVerifier& verifier,
                             const std::string& note, uint64_t log_size) {
  auto cp = ledger::OpenSignedCheckpoint(note, verifier);
  if (!cp.ok()) return Bad("--since checkpoint: " + cp.status().message());
  if (cp->size > log_size) {
    return Bad("--since checkpoint has size " + std::to_string(cp->size) + " but the log has only " +
               std::to_string(log_size) + " records (truncated or rolled back)");
  }
  ledger::TreeReader tree(store);
  auto new_root = tree.Root(log_size);
  auto proof = tree.ConsistencyProof(cp->size, log_size);
  if (!new_root.ok()) return Bad(new_root.status().message());
  if (!proof.ok()) return Bad(proof.status().message());
  Status consistent = ledger::VerifyConsistency(cp->size, log_size, cp->root, *new_root, *proof);
  if (!consistent.ok()) {
    auto old_root = tree.Root(cp->size);
    return Bad("the log did not only grow since the checkpoint of size " + std::to_string(cp->size) +
               ": it signed root " + crypto::ToHex(cp->root) + ", the log's tree at that size has root " +
               (old_root.ok() ? crypto::ToHex(*old_root) : old_root.status().message()) +
               " (current size " + std::to_string(log_size) + ", root " + crypto::ToHex(*new_root) + ")");
  }
  return CheckpointReport{true, 1, ""};
}

}  // namespace cairn::tools
