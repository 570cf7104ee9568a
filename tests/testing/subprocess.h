// Test helper: run a built tool as a child process and capture what it prints.
#ifndef CAIRN_TESTS_TESTING_SUBPROCESS_H_
#define CAIRN_TESTS_TESTING_SUBPROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace cairn::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Path of a built tool: $CAIRN_BUILD_DIR/tools/<name> (ctest sets it), else
// ./tools/<name> relative to the working directory (the build directory).
inline std::string ToolPath(const std::string& name) {
  const char* dir = std::getenv("CAIRN_BUILD_DIR");
  return (std::filesystem::path(dir ? dir : ".") / "tools" / name).string();
}

// Runs argv[0] with `args`; `env` entries are added to the environment
// (an empty value unsets). Closes stdin.
inline RunResult Run(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {}) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    setsid();  // no controlling terminal: passphrase prompts must fail, not hang
    for (const auto& [k, v] : env) {
      if (v.empty()) unsetenv(k.c_str()); else setenv(k.c_str(), v.c_str(), 1);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  RunResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, 60000) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_SUBPROCESS_H_
