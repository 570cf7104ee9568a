#include "tools/cairn_rotate_exec/run_program.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

extern char** environ;

namespace cairn::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kWaitSliceMs = 10;

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Ours, without the variables we set, then ours for the step.
std::vector<std::string> StepEnvironment(const ProgramSpec& program, const RotationStep& step) {
  const std::vector<std::pair<std::string, std::string>> vars = {
      {"CAIRN_ROTATION_STEP", step.step},        {"CAIRN_SECRET_ID", step.secret_arn},
      {"CAIRN_SECRET_NAME", step.secret_name},   {"CAIRN_CLIENT_REQUEST_TOKEN", step.token},
      {"CAIRN_ROTATION_ATTEMPT", std::to_string(step.attempt)}, {"CAIRN_PROFILE", program.profile_path}};
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    const bool ours = std::any_of(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
    // CAIRN_DATA_DIR would send the program's `cairn` calls to a ledger of its own.
    if (!ours && name != "CAIRN_DATA_DIR") env.push_back(entry);
  }
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string Reason(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// After fork in a multithreaded process: async-signal-safe calls only.
[[noreturn]] void ExecChild(int stdin_fd, const char* path, char** argv, char** envp, pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(127);  // the handler died before prctl
  ::dup2(stdin_fd, 0);
  ::dup2(2, 1);  // the program's stdout goes to the handler's stderr
  ::close_range(3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);  // an ignored signal stays ignored across exec
  ::execve(path, argv, envp);
  _exit(127);
}

}  // namespace

Result<std::string> ResolveProgram(const std::string& name) {
  if (name.empty()) return InvalidArgumentError("no program given");
  if (name.find('/') != std::string::npos) {
    if (!IsExecutableFile(name)) return NotFoundError(name + " is not an executable file");
    return name;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return NotFoundError(name + " is not on PATH");
}

Status RunProgram(const ProgramSpec& program, const RotationStep& step, const std::atomic<bool>& stop) {
  const nlohmann::json event = {{"Step", step.step}, {"SecretId", step.secret_arn},
                                {"ClientRequestToken", step.token}};
  const std::string input = event.dump() + "\n";
  std::vector<std::string> env_strings = StepEnvironment(program, step);
  std::vector<std::string> arg_strings = program.argv;
  std::vector<char*> envp = CStrings(env_strings);
  std::vector<char*> argv = CStrings(arg_strings);

  int timeout_ms = static_cast<int>(program.step_timeout_ms);
  if (step.deadline_ms > 0) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(step.deadline_ms - now_ms, 0, timeout_ms));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return InternalError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) ExecChild(pipe_fds[0], program.path.c_str(), argv.data(), envp.data(), parent);
  ::setpgid(pid, pid);  // also here, so the kill below finds the group whichever runs first
  if (program.guard != nullptr) program.guard->Running(pid);
  // What the program left running in its group goes with it, however it ends.
  const auto end_group = [&program, pid] {
    ::kill(-pid, SIGKILL);
    if (program.guard != nullptr) program.guard->Finished();
  };
  ::close(pipe_fds[0]);
  // The event is far below the pipe's buffer: this never blocks. A program
  // that does not read stdin just never sees it (EPIPE is ignored).
  (void)!::write(pipe_fds[1], input.data(), input.size());
  ::close(pipe_fds[1]);

  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      const int error = errno;
      end_group();
      return InternalError(std::string("waitpid: ") + std::strerror(error));
    }
    const bool stopping = stop.load();
    if (stopping || Clock::now() >= deadline) {
      end_group();
      ::waitpid(pid, &status, 0);
      if (stopping) return UnavailableError("stopped while the program ran");
      return FailedPreconditionError("timed out after " + std::to_string(timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kWaitSliceMs));
  }
  end_group();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return FailedPreconditionError(Reason(status));
}

}  // namespace cairn::tools
