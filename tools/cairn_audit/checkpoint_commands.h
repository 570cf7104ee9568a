// cairn-audit verbs over signed checkpoints: pubkey, checkpoint, and the
// checkpoint checks inside `verify` (every stored checkpoint, and --since).
#ifndef CAIRN_TOOLS_CAIRN_AUDIT_CHECKPOINT_COMMANDS_H_
#define CAIRN_TOOLS_CAIRN_AUDIT_CHECKPOINT_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/status.h"
#include "ledger/checkpoint.h"
#include "ledger/store.h"
#include "service/checkpointer.h"

namespace cairn::tools {

int PubkeyCommand(const ledger::Store& store);
int CheckpointCommand(const ledger::Store& store);

struct CheckpointReport {
  bool ok = true;
  uint64_t checked = 0;
  std::string problem;
};

// The verifier to check against: the pinned key if given (an auditor's own
// copy, "<name>+<hex>+<base64>"), else the one recorded in the ledger.
Result<ledger::NoteVerifier> ChooseVerifier(const ledger::Store& store, const std::string& pinned_key);
// ChooseVerifier for a DR replica's primary: the pinned key if given, else
// the one the replica pinned at init.
Result<ledger::NoteVerifier> ChoosePrimaryVerifier(const service::ReplicaCheckpoint& replica,
                                                   const std::string& pinned_key);

// Every stored checkpoint: signed by `verifier`, for a size within `log_size`,
// and committing to the root the log's tree has at that size.
CheckpointReport VerifyStoredCheckpoints(const ledger::Store& store, const ledger::NoteVerifier& verifier,
                                         uint64_t log_size);
// A DR replica's checkpoints: its primary's last one that it applied (by
// `pinned_key` if given, else by the key the replica pinned), which must be
// within `log_size` and commit to the replica's tree at its size (its size in
// `*primary_size`), and the replica's own stored ones by its own key (only an
// old primary that rejoined has any). A replica that has applied no
// checkpoint of its primary yet fails, saying so.
CheckpointReport VerifyReplicaCheckpoints(const ledger::Store& store, const service::ReplicaCheckpoint& replica,
                                          const std::string& pinned_key, uint64_t log_size, uint64_t* primary_size);
// A checkpoint the auditor kept: the log must have only grown since. Reports a
// truncated log, a rewritten or forked one, with the sizes and roots that disagree.
CheckpointReport VerifySince(const ledger::Store& store, const ledger::NoteVerifier& verifier,
                             const std::string& note, uint64_t log_size);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AUDIT_CHECKPOINT_COMMANDS_H_
