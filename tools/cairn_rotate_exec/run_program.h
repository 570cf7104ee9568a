// Running the user's program for one rotation step, the way AWS invokes a
// Lambda rotation function: the step's ids in the environment, the Lambda
// event JSON on stdin, success = exit status 0.
//
// Environment (added to cairn-rotate-exec's own): CAIRN_ROTATION_STEP,
// CAIRN_SECRET_ID (the ARN), CAIRN_SECRET_NAME, CAIRN_CLIENT_REQUEST_TOKEN,
// CAIRN_ROTATION_ATTEMPT, CAIRN_PROFILE (the handler's profile, so the program
// can call `cairn` as the handler's principal). Stdin:
//   {"Step":"createSecret","SecretId":"<ARN>","ClientRequestToken":"<token>"}
// The program's stdout and stderr go to our stderr; its text never reaches
// the ledger (it could hold a secret): a failure's reason is only "exit status
// N", "killed by signal S" or "timed out after N ms". The program runs in a
// process group of its own, killed (SIGKILL) when the program exits (what it
// left in the background), at the deadline, when *stop is set, or when
// cairn-rotate-exec dies (the program by PR_SET_PDEATHSIG, the rest of its
// group by the GroupGuard, group_guard.h).
#ifndef CAIRN_TOOLS_CAIRN_ROTATE_EXEC_RUN_PROGRAM_H_
#define CAIRN_TOOLS_CAIRN_ROTATE_EXEC_RUN_PROGRAM_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "tools/cairn_rotate_exec/group_guard.h"
#include "tools/common/rotation_handler.h"

namespace cairn::tools {

struct ProgramSpec {
  std::string path;               // resolved (ResolveProgram)
  std::vector<std::string> argv;  // argv[0] as given, then the arguments
  std::string profile_path;       // for CAIRN_PROFILE
  int64_t step_timeout_ms = 300000;
  GroupGuard* guard = nullptr;    // told of each program's group; borrowed, outlives the runs
};

// `name` as execve wants it: itself if it holds a '/', else the first
// executable file of that name on $PATH. NotFound otherwise.
Result<std::string> ResolveProgram(const std::string& name);

// Runs the program for `step` until it exits, the earlier of the step's
// deadline and step_timeout_ms passes, or *stop. Ok for exit status 0;
// otherwise FailedPrecondition with the reason (Unavailable if *stop ended
// it, Internal if it could not be started).
Status RunProgram(const ProgramSpec& program, const RotationStep& step, const std::atomic<bool>& stop);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_ROTATE_EXEC_RUN_PROGRAM_H_
