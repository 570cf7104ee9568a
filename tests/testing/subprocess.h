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

// The environment of a child: ours with `env` applied (an empty value unsets).
// Built before fork: after fork in a multithreaded test (RocksDB, ZeroMQ and
// client threads) the child may only make async-signal-safe calls, and
// malloc is not one (ASan's allocator spins forever on a lock some other
// thread held at the fork).
inline std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (env.count(name) == 0) out.push_back(entry);
  }
  for (const auto& [k, v] : env) {
    if (!v.empty()) out.push_back(k + "=" + v);
  }
  return out;
}

// argv-style pointers into `strings` (which must outlive them), null-terminated.
inline std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Runs argv[0] with `args`; `env` entries are added to the environment
// (an empty value unsets). Closes stdin.
inline RunResult Run(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> arg_strings = argv;
  std::vector<std::string> env_strings = ChildEnvironment(env);
  std::vector<char*> args = CStrings(arg_strings);
  std::vector<char*> envp = CStrings(env_strings);
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {  // async-signal-safe calls only
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    setsid();  // no controlling terminal: passphrase prompts must fail, not hang
    execve(args[0], args.data(), envp.data());
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
