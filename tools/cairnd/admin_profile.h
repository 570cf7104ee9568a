// The first administrator's profile. On the first start of a ledger with no
// principals, cairnd makes a CURVE key pair, writes a ready profile for it
// (mode 0600; <data-dir>/dev-profile in dev mode, <data-dir>/admin-profile
// otherwise, or --admin-profile) and enrols it as the admin principal. On
// later starts it refreshes the endpoints in that profile if they changed
// (e.g. --api-endpoint tcp://127.0.0.1:*), keeping the key. The profile pins
// the ledger's checkpoint verifier key (CheckpointKey) for receipts.
#ifndef CAIRN_TOOLS_CAIRND_ADMIN_PROFILE_H_
#define CAIRN_TOOLS_CAIRND_ADMIN_PROFILE_H_

#include <string>

#include "crypto/status.h"
#include "service/engine.h"
#include "tools/cairnd/daemon.h"
#include "tools/common/log.h"

namespace cairn::tools {

// Returns the profile's path ("" if the ledger has principals and no profile is there).
Result<std::string> EnsureAdminProfile(service::Engine& engine, const DaemonOptions& options,
                                       const std::string& server_public_key, const std::string& api_endpoint,
                                       const std::string& events_endpoint, Logger& log);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRND_ADMIN_PROFILE_H_
