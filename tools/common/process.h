// What every Cairn tool process sets up first: no core dumps and no ptrace (a
// process that holds keys or secrets must not leave them in a core file or
// let another process read its memory), SIGPIPE ignored
// (a peer gone is an error return, not a death), and SIGTERM/SIGINT as a
// stop flag for the tools that poll one (handlers, cairn-replica).
#ifndef CAIRN_TOOLS_COMMON_PROCESS_H_
#define CAIRN_TOOLS_COMMON_PROCESS_H_

#include <atomic>

namespace cairn::tools {

// RLIMIT_CORE 0, not dumpable (no ptrace attach by the same user), SIGPIPE ignored.
void HardenProcess();

// Installs SIGTERM and SIGINT handlers that set the returned flag (lock-free,
// async-signal-safe). Call once, before starting threads.
const std::atomic<bool>& StopOnSignals();

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_PROCESS_H_
