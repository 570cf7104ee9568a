// cairn-audit verbs over projection state and history: replay (the state at a
// past moment), rebuild (recompute the stored projections and compare), and
// history (every event that touched one secret).
#ifndef CAIRN_TOOLS_CAIRN_AUDIT_STATE_COMMANDS_H_
#define CAIRN_TOOLS_CAIRN_AUDIT_STATE_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::tools {

// "2026-11-20T14:03:00Z" (also with fractional seconds) -> Unix ms.
Result<int64_t> ParseIsoTime(const std::string& text);

// Each returns the process exit code and prints to stdout.
int ReplayCommand(const ledger::Store& store, const std::string& at, std::optional<uint64_t> seq);
int RebuildCommand(const ledger::Store& store);
int HistoryCommand(const ledger::Store& store, const std::string& secret);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AUDIT_STATE_COMMANDS_H_
