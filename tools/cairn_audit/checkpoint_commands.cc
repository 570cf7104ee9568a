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

// One stored note: signed by `verifier`, of `size` if given, within
// `log_size`, committing to the root the log's tree has at its size. What is
// wrong, or "" (and its size in `*signed_size`).
std::string CheckNote(const ledger::TreeReader& tree, const ledger::NoteVerifier& verifier, const std::string& note,
                      std::optional<uint64_t> size, uint64_t log_size, uint64_t* signed_size) {
  auto cp = ledger::OpenSignedCheckpoint(note, verifier);
  if (!cp.ok()) return cp.status().message();
  if (size && cp->size != *size) return "its note says size " + std::to_string(cp->size);
  if (cp->size > log_size) {
    return "it has size " + std::to_string(cp->size) + " but the log has only " + std::to_string(log_size) +
           " records (truncated)";
  }
  auto root = tree.Root(cp->size);
  if (!root.ok()) return root.status().message();
  if (*root != cp->root) {
    return "signed root " + crypto::ToHex(cp->root) + " but the log's tree has root " + crypto::ToHex(*root) +
           " (rewritten or forked log)";
  }
  *signed_size = cp->size;
  return "";
}

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

Result<ledger::NoteVerifier> ChoosePrimaryVerifier(const service::ReplicaCheckpoint& replica,
                                                   const std::string& pinned_key) {
  return ledger::ParseVerifierKey(pinned_key.empty() ? replica.verifier_key : pinned_key);
}

CheckpointReport VerifyStoredCheckpoints(const ledger::Store& store, const ledger::NoteVerifier& verifier,
                                         uint64_t log_size) {
  auto checkpoints = service::ReadCheckpoints(store);
  if (!checkpoints.ok()) return Bad(checkpoints.status().message());
  ledger::TreeReader tree(store);
  CheckpointReport report;
  for (const auto& [size, note] : *checkpoints) {
    uint64_t signed_size = 0;
    std::string problem = CheckNote(tree, verifier, note, size, log_size, &signed_size);
    if (!problem.empty()) return Bad("checkpoint at size " + std::to_string(size) + ": " + problem);
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
  auto verifier = ChoosePrimaryVerifier(replica, pinned_key);
  if (!verifier.ok()) return Bad("checkpoint key: " + verifier.status().message());
  std::string problem =
      CheckNote(ledger::TreeReader(store), *verifier, replica.note, std::nullopt, log_size, primary_size);
  if (!problem.empty()) return Bad("the primary's checkpoint the replica holds: " + problem);
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
