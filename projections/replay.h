// Replay: the projection state rebuilt from the log alone, by running the same
// evolve code over a prefix of the records. Auditors use it to see the state at
// a past moment (`cairn-audit replay --at`) and to check the stored projections
// (`cairn-audit rebuild`). Reads through a Store; works on a read-only one.
#ifndef CAIRN_PROJECTIONS_REPLAY_H_
#define CAIRN_PROJECTIONS_REPLAY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "crypto/status.h"
#include "ledger/store.h"
#include "projections/views.h"

namespace cairn::projections {

struct ReplayLimit {
  std::optional<int64_t> until_unix_ms;  // apply records stamped at or before this time
  std::optional<uint64_t> until_seq;     // apply records with seq < this
};

struct ReplayResult {
  Views views;  // every view, as the engine keeps them
  uint64_t records = 0;           // records applied
  int64_t last_time_unix_ms = 0;  // time of the last record applied
  // The `state` family as the engine would have written it after these records
  // (every view's entries).
  std::map<std::string, std::string> state_entries;
};

// DataLoss if a record or event does not decode or does not apply.
// InvalidArgument if the limit lies before the genesis record.
Result<ReplayResult> Replay(const ledger::Store& store, const ReplayLimit& limit = {});

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_REPLAY_H_
