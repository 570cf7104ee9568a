// GroupGuard: the step program's process group does not outlive
// cairn-rotate-exec, however it dies. PR_SET_PDEATHSIG reaches only the
// program itself; what it started in its group (a `sleep`, a client left in
// the background) would be orphaned by a SIGKILL of the handler. The guard is
// a small process forked at start, before any thread: it is told the group
// that runs (Running) and that it is gone (Finished) over a pipe, and when the
// pipe closes (our exit, whatever caused it) it SIGKILLs the group it was last
// told of, then exits. It ignores SIGINT, SIGTERM and SIGHUP: a terminal's
// Ctrl-C reaches the handler, which stops the program itself.
//
// Thread-safety: Running and Finished are single write(2)s; call them from
// one thread (RunProgram's).
#ifndef CAIRN_TOOLS_CAIRN_ROTATE_EXEC_GROUP_GUARD_H_
#define CAIRN_TOOLS_CAIRN_ROTATE_EXEC_GROUP_GUARD_H_

#include <sys/types.h>

#include <memory>

#include "crypto/status.h"

namespace cairn::tools {

class GroupGuard {
 public:
  // Forks the guard. Call it while the process has one thread (fork's
  // child runs on in C++). Internal if the pipe or the fork fails.
  static Result<std::unique_ptr<GroupGuard>> Start();

  // Closes the pipe (the guard exits, killing a group still marked running)
  // and reaps the guard.
  ~GroupGuard();
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;

  // `pgid` runs: killed if we die before Finished.
  void Running(pid_t pgid);
  // The group is gone (or killed): nothing to kill any more.
  void Finished();

 private:
  GroupGuard(int fd, pid_t pid) : fd_(fd), pid_(pid) {}

  int fd_;     // the pipe's write end (close-on-exec)
  pid_t pid_;  // the guard process
};

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_ROTATE_EXEC_GROUP_GUARD_H_
