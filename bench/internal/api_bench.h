// What bench/api_bench.cc, bench/api_bench_pub.cc and bench/http_bench.cc share (beyond
// bench/internal/bench_util.h): the closed-loop slice runner, CPU accounting, the raw
// RocksDB group-commit side, table cells, and a cairnd child process (started
// on free loopback ports and waited for, as tests/testing/daemon_process.h does).
#ifndef CAIRN_BENCH_INTERNAL_API_BENCH_H_
#define CAIRN_BENCH_INTERNAL_API_BENCH_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/internal/bench_util.h"

namespace cairn::bench {

// What one side of a row accumulates over its slices.
struct Tally {
  uint64_t ops = 0;     // successful operations completed inside the measured windows
  uint64_t errors = 0;  // failed operations, inside the window or not
  uint64_t all_ops = 0;  // successful operations in the slices, warm-up included
  double cpu_seconds = 0;         // this process's CPU during the slices, spinners excluded
  double daemon_cpu_seconds = 0;  // cairnd's CPU during the slices
  double wall_seconds = 0;        // the slices' length, warm-up included
  double other_cpu_seconds = 0;   // every other process's CPU during the slices
  double idle_cpu_seconds = 0;    // what the idle spinners got: CPU nobody else wanted
  double seconds = 0;
  std::vector<double> latency_ms;  // per successful operation
  std::string first_error;

  // One operation sent at `t0` that ended at `t1` ("" or what went wrong): it
  // counts, with its latency, if it ended inside the window [start, end).
  // Returns whether it succeeded.
  bool Count(std::string error, Clock::time_point t0, Clock::time_point t1, Clock::time_point start,
             Clock::time_point end) {
    if (!error.empty()) {
      if (errors++ == 0) first_error = std::move(error);
      return false;
    }
    ++all_ops;
    if (t1 >= start && t1 < end) {
      latency_ms.push_back(Ms(t1 - t0));
      ++ops;
    }
    return true;
  }
  // Adds what a part (one load thread) counted: operations, errors, the first
  // error, latencies; not seconds or CPU.
  void AddCounts(const Tally& part) {
    ops += part.ops;
    errors += part.errors;
    all_ops += part.all_ops;
    if (first_error.empty()) first_error = part.first_error;
    latency_ms.insert(latency_ms.end(), part.latency_ms.begin(), part.latency_ms.end());
  }

  double per_second() const { return seconds > 0 ? ops / seconds : 0; }
  double cpu_us_per_op() const { return all_ops ? 1e6 * cpu_seconds / all_ops : 0; }
  double daemon_cpu_us_per_op() const { return all_ops ? 1e6 * daemon_cpu_seconds / all_ops : 0; }
};

// Runs `op(thread index)` in a closed loop on `threads` threads for
// warm-up + `seconds`; counts the operations completing inside the window.
// `op` returns "" on success, else what went wrong.
inline void RunSlice(double warmup, double seconds, size_t threads,
                     const std::function<std::string(size_t)>& op, Tally* tally) {
  const Clock::time_point start = Clock::now() + Secs(warmup), end = start + Secs(seconds);
  std::vector<Tally> part(threads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      part[t].latency_ms.reserve(1 << 16);
      for (auto t0 = Clock::now(); t0 < end; t0 = Clock::now()) {
        std::string error = op(t);
        if (!part[t].Count(std::move(error), t0, Clock::now(), start, end)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));  // never a hot failure loop
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const Tally& p : part) tally->AddCounts(p);
  tally->seconds += seconds;
}

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

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// CPU seconds the whole machine has been busy (user, nice, system, irq,
// softirq; not steal) since boot, from /proc/stat.
inline double MachineBusySeconds() {
  std::istringstream line(ReadWholeFile("/proc/stat"));
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  line >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
  return double(user + nice + system + irq + softirq) / sysconf(_SC_CLK_TCK);
}

// CPU seconds (user + system) a process has used, from /proc/<pid>/stat
// (clock ticks); 0 if it cannot be read.
inline double ProcessCpuSeconds(pid_t pid) {
  std::string stat = ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return double(utime + stime) / sysconf(_SC_CLK_TCK);
}

// `cairnd --dev` as a child process on free loopback ports; its log (stderr)
// goes to <data_dir>.log. SIGTERMed (drained) on destruction.
class CairndProcess {
 public:
  CairndProcess(std::string binary, std::string data_dir, std::vector<std::string> extra)
      : binary_(std::move(binary)), data_dir_(std::move(data_dir)), extra_(std::move(extra)),
        api_port_(FreePort()), events_port_(FreePort()) {}
  ~CairndProcess() { Terminate(); }
  CairndProcess(const CairndProcess&) = delete;
  CairndProcess& operator=(const CairndProcess&) = delete;

  void AddArgs(const std::vector<std::string>& args) { extra_.insert(extra_.end(), args.begin(), args.end()); }
  // Starts cairnd and waits (up to 30 s) for its "ready" log line.
  bool Start() {
    std::vector<std::string> argv = {binary_, "--dev", "--data-dir", data_dir_, "--api-endpoint",
                                     api_endpoint(), "--events-endpoint", events_endpoint()};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    const std::string log = log_path();
    pid_ = fork();
    if (pid_ == 0) {
      const int devnull = open("/dev/null", O_RDWR);
      const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(log_fd, 2);
      setsid();
      unsetenv("CAIRN_PASSPHRASE");
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      if (ReadWholeFile(log).find("\"msg\":\"ready\"") != std::string::npos) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGTERM (cairnd drains, signs a checkpoint) and wait; the exit status.
  int Terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid() const { return pid_; }
  std::string api_endpoint() const { return "tcp://127.0.0.1:" + std::to_string(api_port_); }
  std::string events_endpoint() const { return "tcp://127.0.0.1:" + std::to_string(events_port_); }
  std::string profile_path() const { return data_dir_ + "/dev-profile"; }
  std::string log_path() const { return data_dir_ + ".log"; }

 private:
  std::string binary_, data_dir_;
  std::vector<std::string> extra_;
  int api_port_, events_port_;
  pid_t pid_ = -1;
};

inline double ProcessCpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// CPU (user + system) of this process's children reaped so far: a load
// generator (wrk) run to completion during a slice.
inline double ReapedChildrenCpu() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

// Runs one slice of a side and adds its accounting to `tally`: this process's
// CPU (spinners excluded) plus children reaped meanwhile as the client's, the
// daemon's (`daemon` > 0, when `daemon_side`), what the spinners got, every
// other process's, and the wall time.
inline void MeterSlice(IdleSpinners& spinners, pid_t daemon, bool daemon_side, Tally* tally,
                       const std::function<void()>& slice) {
  const auto wall0 = Clock::now();
  const double all0 = ProcessCpu(), kids0 = ReapedChildrenCpu(), spin0 = spinners.cpu_seconds();
  const double busy0 = MachineBusySeconds(), d0 = daemon > 0 ? ProcessCpuSeconds(daemon) : 0;
  slice();
  const double all = ProcessCpu() - all0 + ReapedChildrenCpu() - kids0, spin = spinners.cpu_seconds() - spin0;
  const double d = daemon > 0 ? ProcessCpuSeconds(daemon) - d0 : 0;
  tally->cpu_seconds += all - spin;
  tally->idle_cpu_seconds += spin;
  if (daemon_side) tally->daemon_cpu_seconds += d;
  tally->other_cpu_seconds += std::max(0.0, MachineBusySeconds() - busy0 - all - d);
  tally->wall_seconds += std::chrono::duration<double>(Clock::now() - wall0).count();
}

// Table cells: "-" for a side that did not run.
inline std::string Rate(const Tally& t) { return t.seconds > 0 ? std::to_string(static_cast<long long>(t.per_second() + 0.5)) : "-"; }
inline std::string Fixed(double v, int digits, bool present = true) {
  if (!present) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}
inline std::string Ratio(const Tally& a, const Tally& b) {
  if (a.seconds == 0 || b.seconds == 0 || b.per_second() == 0) return "-";
  return Fixed(100 * a.per_second() / b.per_second(), 0) + "%";
}

// Plain RocksDB, T one-record sync writers (bench/ledger_bench.cc's raw group).
class RawGroupSide {
 public:
  RawGroupSide(const std::string& dir, size_t record_bytes) : value_(record_bytes, 'v') {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kNoCompression;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(options, dir, &raw).ok()) {
      std::fprintf(stderr, "cannot open RocksDB in %s\n", dir.c_str());
      std::exit(1);
    }
    db_.reset(raw);
  }
  std::string Op(size_t) {
    rocksdb::WriteBatch batch;
    uint64_t n = next_.fetch_add(1);
    char key[8];
    for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(n >> (56 - 8 * i));
    if (!batch.Put(rocksdb::Slice(key, 8), value_).ok()) return "WriteBatch::Put failed";
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Write(wo, &batch);
    return s.ok() ? "" : s.ToString();
  }

 private:
  std::string value_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_{0};
};

// PUB fan-out (bench/api_bench_pub.cc): `records` (stored record bytes, e.g.
// read back from cairnd's ledger) published round-robin, `total` records,
// to `subscribers` CURVE SUB sockets. `batch` 1: one Publish per record, on
// its own topic, subscribers subscribing ""; `batch` > 1: PublishBatch of
// `batch` consecutive records per message, subscribers subscribing "cairn."
// and counting the records in each batch (bus::SplitBatch). `window` > 0
// holds the publisher back while it is more than `window` records ahead of
// the slowest subscriber; 0 publishes as fast as the publisher returns.
// Every count below is in records (events), whatever `batch`.
struct FanoutResult {
  double publish_seconds = 0;       // first to last Publish / PublishBatch
  double min_delivered_per_s = 0;   // over the subscribers: received / (last received - first sent)
  double max_delivered_per_s = 0;
  uint64_t min_received = 0;
  uint64_t max_dropped = 0;         // total - received, worst subscriber
  uint64_t deliveries = 0;          // records received, all subscribers
  double publisher_cpu_seconds = 0; // the publishing thread and the publisher context's threads
  uint64_t publish_refused = 0;     // messages the publisher refused (queue full)
  bool completed = false;           // every subscriber saw the end marker
};
FanoutResult RunFanout(const std::vector<std::string>& records, size_t subscribers, uint64_t total,
                       uint64_t window, size_t batch);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_API_BENCH_H_
