// Test helper: a real Cairn tool process (cairn-rotate-postgres, cairn-replica, ...),
// started, SIGTERMed or SIGKILLed and restarted as an operator would. Its log
// (stderr) goes to a file per start.
#ifndef CAIRN_TESTS_TESTING_TOOL_PROCESS_H_
#define CAIRN_TESTS_TESTING_TOOL_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/testing/daemon_process.h"
#include "tests/testing/subprocess.h"

namespace cairn::testing {

class ToolProcess {
 public:
  ToolProcess(std::string tool, std::string log_prefix, std::vector<std::string> args)
      : tool_(std::move(tool)), log_prefix_(std::move(log_prefix)), args_(std::move(args)) {}
  ~ToolProcess() { Kill(); }
  ToolProcess(const ToolProcess&) = delete;
  ToolProcess& operator=(const ToolProcess&) = delete;

  void Start() {
    ++starts_;
    std::vector<std::string> argv = {ToolPath(tool_)};
    argv.insert(argv.end(), args_.begin(), args_.end());
    const std::string log_path = log_prefix_ + "." + std::to_string(starts_);
    std::vector<std::string> env_strings = ChildEnvironment({{"CAIRN_PROFILE", ""}});
    std::vector<char*> args = CStrings(argv);
    std::vector<char*> envp = CStrings(env_strings);
    pid_ = ::fork();
    if (pid_ == 0) {  // async-signal-safe calls only (see subprocess.h)
      const int devnull = ::open("/dev/null", O_RDWR);
      const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(log, 2);
      ::setsid();
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
  }
  // SIGKILL (no chance to report anything) and reap.
  void Kill() { Signal(SIGKILL); }
  // SIGTERM; the exit code (128+signal if it died of one).
  int Terminate() { return Signal(SIGTERM); }
  bool running() const { return pid_ > 0; }
  // Every start's log, in order.
  std::string log() const {
    std::string all;
    for (int i = 1; i <= starts_; ++i) all += ReadFile(log_prefix_ + "." + std::to_string(i));
    return all;
  }

 private:
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string tool_;
  std::string log_prefix_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// A real cairn-rotate-postgres process.
class HandlerProcess : public ToolProcess {
 public:
  HandlerProcess(std::string log_prefix, std::vector<std::string> args)
      : ToolProcess("cairn-rotate-postgres", std::move(log_prefix), std::move(args)) {}
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_TOOL_PROCESS_H_
