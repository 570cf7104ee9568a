// Test helper: a real cairnd process on loopback ports of its own, started,
// SIGTERMed, SIGKILLed and restarted as an operator would.
#ifndef CAIRN_TESTS_TESTING_DAEMON_PROCESS_H_
#define CAIRN_TESTS_TESTING_DAEMON_PROCESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/subprocess.h"

namespace cairn::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class DaemonProcess {
 public:
  // `data_dir` is made by `cairnd --dev` on the first start. Logs go to
  // <data_dir>.log.<n>, one file per start.
  // `dev` false: no --dev flag (the ledger must exist; admin-profile).
  explicit DaemonProcess(std::string data_dir, std::vector<std::string> extra_args = {}, bool dev = true)
      : data_dir_(std::move(data_dir)), extra_(std::move(extra_args)), dev_(dev),
        api_port_(FreePort()), events_port_(FreePort()) {}
  ~DaemonProcess() { Kill(); }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts cairnd and waits (up to 20 s) for its "ready" log line. False if it
  // exited or never got ready; log() tells why.
  bool Start() {
    ++starts_;
    std::vector<std::string> argv = {ToolPath("cairnd"), "--data-dir", data_dir_,
                                     "--api-endpoint", api_endpoint(), "--events-endpoint", events_endpoint()};
    if (dev_) argv.push_back("--dev");
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    const std::string log_path = log_path_now();
    std::vector<std::string> env_strings = ChildEnvironment({{"CAIRN_PASSPHRASE", ""}});
    std::vector<char*> args = CStrings(argv);
    std::vector<char*> envp = CStrings(env_strings);
    pid_ = fork();
    if (pid_ == 0) {  // async-signal-safe calls only (see subprocess.h)
      const int devnull = open("/dev/null", O_RDWR);
      const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(log, 2);
      setsid();
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (log().find("\"msg\":\"ready\"") != std::string::npos) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGTERM and wait; the exit code (128+signal if killed).
  int Terminate() { return Signal(SIGTERM); }
  int Kill() { return Signal(SIGKILL); }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int exit_code() const { return exit_code_; }

  std::string api_endpoint() const { return "tcp://127.0.0.1:" + std::to_string(api_port_); }
  std::string events_endpoint() const { return "tcp://127.0.0.1:" + std::to_string(events_port_); }
  std::string profile() const { return data_dir_ + (dev_ ? "/dev-profile" : "/admin-profile"); }
  const std::string& data_dir() const { return data_dir_; }
  // The log of the latest start.
  std::string log() const { return ReadFile(log_path_now()); }
  // Every log line of every start.
  std::string all_logs() const {
    std::string all;
    for (int i = 1; i <= starts_; ++i) all += ReadFile(data_dir_ + ".log." + std::to_string(i));
    return all;
  }

 private:
  std::string log_path_now() const { return data_dir_ + ".log." + std::to_string(starts_); }
  int Signal(int sig) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  std::string data_dir_;
  std::vector<std::string> extra_;
  bool dev_;
  int api_port_;
  int events_port_;
  int starts_ = 0;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_DAEMON_PROCESS_H_
