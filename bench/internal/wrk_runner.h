// Runs Debian's wrk (/usr/bin/wrk) against an HTTP endpoint replaying one
// fixed request, and reads back what it measured: completed requests, errors
// by kind, the run's length and 1,000 latency quantiles (from a Lua done()
// hook, so nothing runs per request in Lua). Quantiles of several runs merge
// by weight (each point stands for requests/1000 of its run).
#ifndef CAIRN_BENCH_INTERNAL_WRK_RUNNER_H_
#define CAIRN_BENCH_INTERNAL_WRK_RUNNER_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/internal/api_bench.h"

namespace cairn::bench {

// The request wrk sends on every connection, byte for byte each time.
struct WrkRequest {
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;  // Host among them
  std::string body;
};

struct WrkRun {
  uint64_t requests = 0;  // completed (any status)
  uint64_t non_2xx = 0;   // wrk's errors.status: status > 399
  uint64_t socket_errors = 0;  // connect + read + write + timeout
  double seconds = 0;     // wrk's own run length
  std::vector<double> quantiles_ms;  // latency at 0.1%, 0.2%, ..., 100%
  std::string failure;    // why wrk's output could not be read; "" if it was
};

// Latency quantiles over several runs, each point weighted by its run's share.
class MergedLatency {
 public:
  void Add(const WrkRun& run) {
    if (run.quantiles_ms.empty()) return;
    const double weight = double(run.requests) / run.quantiles_ms.size();
    for (double q : run.quantiles_ms) points_.emplace_back(q, weight);
  }
  double Percentile(double q) const {
    std::vector<std::pair<double, double>> sorted = points_;
    std::sort(sorted.begin(), sorted.end());
    double total = 0;
    for (const auto& p : sorted) total += p.second;
    double seen = 0;
    for (const auto& p : sorted) {
      seen += p.second;
      if (seen >= q * total - 1e-9) return p.first;
    }
    return sorted.empty() ? 0 : sorted.back().first;
  }
  bool empty() const { return points_.empty(); }

 private:
  std::vector<std::pair<double, double>> points_;
};

// A Lua long string; the request never holds "]==]".
inline std::string LuaLiteral(const std::string& s) { return "[==[" + s + "]==]"; }

inline std::string WrkScript(const WrkRequest& request) {
  std::string lua = "wrk.method = " + LuaLiteral(request.method) + "\nwrk.body = " + LuaLiteral(request.body) + "\n";
  for (const auto& [name, value] : request.headers) {
    lua += "wrk.headers[ " + LuaLiteral(name) + " ] = " + LuaLiteral(value) + "\n";  // "[[" would open a string
  }
  lua +=
      "done = function(summary, latency, requests)\n"
      "  local e = summary.errors\n"
      "  io.write(string.format(\"cairn-summary %d %d %d %d %d %d %d\\n\", summary.requests, summary.duration,\n"
      "                         e.connect, e.read, e.write, e.status, e.timeout))\n"
      "  for i = 1, 1000 do io.write(string.format(\"cairn-q %d\\n\", latency:percentile(i / 10))) end\n"
      "end\n";
  return lua;
}

inline WrkRun ParseWrkOutput(const std::string& out) {
  WrkRun run;
  std::istringstream lines(out);
  bool summary = false;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string tag;
    f >> tag;
    if (tag == "cairn-summary") {
      uint64_t duration_us = 0, connect = 0, read = 0, write = 0, status = 0, timeout = 0;
      f >> run.requests >> duration_us >> connect >> read >> write >> status >> timeout;
      run.seconds = duration_us / 1e6;
      run.non_2xx = status;
      run.socket_errors = connect + read + write + timeout;
      summary = !f.fail();
    } else if (tag == "cairn-q") {
      double us = 0;
      f >> us;
      run.quantiles_ms.push_back(us / 1000);
    }
  }
  if (!summary || run.quantiles_ms.size() != 1000) run.failure = "wrk printed no summary:\n" + out;
  return run;
}

// The machine's TcpExt ListenOverflows (/proc/net/netstat): handshakes dropped
// because a listener's accept queue was full. A connection caught by it stalls
// for a SYN/ACK retransmission (1 s and more), and wrk's coordinated-omission
// correction turns that one stalled request into many slow ones.
inline uint64_t ListenOverflows() {
  std::istringstream lines(ReadWholeFile("/proc/net/netstat"));
  std::string names, values;
  while (std::getline(lines, names) && std::getline(lines, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value) {
      if (name == "ListenOverflows") return std::stoull(value);
    }
  }
  return 0;
}

// wrk -t min(threads, connections) -c connections -d seconds --timeout 10s
// -s <script> url; the script is written to `script_path`, wrk's output to
// `script_path`.out. Waits for wrk to exit.
inline WrkRun RunWrk(const std::string& wrk, const std::string& url, const WrkRequest& request,
                     size_t connections, size_t threads, int seconds, const std::string& script_path) {
  {
    std::ofstream script(script_path, std::ios::trunc);
    script << WrkScript(request);
  }
  const std::string out_path = script_path + ".out";
  std::vector<std::string> argv = {wrk, "-t", std::to_string(std::max<size_t>(1, std::min(threads, connections))),
                                   "-c", std::to_string(connections), "-d", std::to_string(seconds) + "s",
                                   "--timeout", "10s", "-s", script_path, url};
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  WrkRun run = ParseWrkOutput(ReadWholeFile(out_path));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    run.failure = "wrk exited with status " + std::to_string(status) + ":\n" + ReadWholeFile(out_path);
  }
  return run;
}

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_WRK_RUNNER_H_
