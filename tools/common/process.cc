#include "tools/common/process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

namespace cairn::tools {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void OnStopSignal(int) { g_stop.store(true); }

}  // namespace

void HardenProcess() {
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // no ptrace, no /proc/<pid>/mem for others
  ::signal(SIGPIPE, SIG_IGN);
}

const std::atomic<bool>& StopOnSignals() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  return g_stop;
}

}  // namespace cairn::tools
