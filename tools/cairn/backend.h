// Where a call goes: the engine in this process (embedded mode, --data-dir) or
// cairnd over the network (remote mode, --profile / CAIRN_PROFILE). Both run
// the same service, so the output of every subcommand is the same either way.
#ifndef CAIRN_TOOLS_CAIRN_BACKEND_H_
#define CAIRN_TOOLS_CAIRN_BACKEND_H_

#include <memory>
#include <string>

#include "crypto/status.h"
#include "ledger/record.h"
#include "service/api.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"

namespace cairn::tools {

inline constexpr char kUserAgent[] = "cairn-cli/0.2.0";

// The embedded mode's actor: the local OS user, this process, a fresh request id.
ledger::Actor LocalActor();

class Backend {
 public:
  virtual ~Backend() = default;
  // The call's Response (AWS errors inside it); a Status only when the call
  // could not be made (cairnd unreachable, key refused, ledger unavailable).
  virtual Result<service::Response> Execute(const service::Request& request) = 0;
  // Remote mode only: the connection and the profile it was made from.
  virtual Remote* remote() { return nullptr; }
  virtual const Profile* profile() const { return nullptr; }
};

// Opens the ledger in `data_dir` (prompting for a passphrase if the key file
// is sealed and none is given) and runs due maintenance. Signs a checkpoint of
// the head when destroyed, so every ledger at rest carries one.
Result<std::unique_ptr<Backend>> OpenEmbedded(const std::string& data_dir, const std::string& passphrase_file);
// Reads the profile and connects (lazily: errors surface on the first call).
Result<std::unique_ptr<Backend>> OpenRemote(const std::string& profile_path, uint32_t deadline_ms);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_BACKEND_H_
