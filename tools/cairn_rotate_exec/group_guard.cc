#include "tools/cairn_rotate_exec/group_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cairn::tools {
namespace {

// The guard's life: the group last marked running, killed at end of file.
[[noreturn]] void Guard(int read_fd) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  pid_t running = 0;
  while (true) {
    pid_t pgid = 0;
    const ssize_t n = ::read(read_fd, &pgid, sizeof(pgid));
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof(pgid))) break;  // closed: the handler is gone
    running = pgid;
  }
  if (running > 0) ::kill(-running, SIGKILL);
  ::_exit(0);
}

}  // namespace

Result<std::unique_ptr<GroupGuard>> GroupGuard::Start() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[1]);  // ours must be the only write end, or the guard never sees its end
    Guard(fds[0]);
  }
  ::close(fds[0]);
  return std::unique_ptr<GroupGuard>(new GroupGuard(fds[1], pid));
}

GroupGuard::~GroupGuard() {
  ::close(fd_);
  ::waitpid(pid_, nullptr, 0);
}

// A pipe write of a pid_t is atomic and never blocks (the guard drains it).
void GroupGuard::Running(pid_t pgid) { (void)!::write(fd_, &pgid, sizeof(pgid)); }

void GroupGuard::Finished() {
  const pid_t none = 0;
  (void)!::write(fd_, &none, sizeof(none));
}

}  // namespace cairn::tools
