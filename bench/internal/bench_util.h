// What the benchmarks share: timing and percentiles, scratch directories,
// the idle spinners that keep vCPUs awake through an fsync (bench/RESULTS.md
// explains why), and the fdatasync probe printed beside every table.
#ifndef CAIRN_BENCH_INTERNAL_BENCH_UTIL_H_
#define CAIRN_BENCH_INTERNAL_BENCH_UTIL_H_

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace cairn::bench {

using Clock = std::chrono::steady_clock;

inline Clock::duration Secs(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}
inline double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

inline double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i];
}

// A fresh directory under `parent`, removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent, const std::string& prefix = "cairn-bench") {
    std::string tmpl = parent + "/" + prefix + "-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// SCHED_IDLE busy loops that keep the vCPUs from halting while a thread waits
// for an fsync (bench/ledger_bench.cc explains why; bench/RESULTS.md measures it).
class IdleSpinners {
 public:
  explicit IdleSpinners(int n) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        sched_param param{};
        pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
        while (!stop_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
      });
    }
  }
  ~IdleSpinners() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  // CPU time the spinners have taken, to subtract from the process's.
  double cpu_seconds() {
    double total = 0;
    for (auto& t : threads_) {
      clockid_t id;
      timespec ts{};
      if (pthread_getcpuclockid(t.native_handle(), &id) == 0 && clock_gettime(id, &ts) == 0) {
        total += ts.tv_sec + ts.tv_nsec * 1e-9;
      }
    }
    return total;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// p50 of fdatasync after a 300-byte append: the disk's own floor, for context.
inline double FdatasyncP50(const std::string& parent) {
  ScratchDir dir(parent);
  int fd = open(dir.Sub("probe").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return 0;
  std::string buf(300, 'x');
  std::vector<double> ms;
  for (int i = 0; i < 100; ++i) {
    if (write(fd, buf.data(), buf.size()) < 0) break;
    auto t0 = Clock::now();
    fdatasync(fd);
    ms.push_back(Ms(Clock::now() - t0));
  }
  close(fd);
  return Percentile(ms, 0.5);
}

// Hands each "--name=value" argument ("--name" alone: value "") to `take`,
// which returns false for a flag it does not know; then names the flag on
// stderr (pointing at the header comment of `bench`.cc) and returns false.
inline bool ParseNamedFlags(int argc, char** argv, const char* bench,
                            const std::function<bool(const std::string& name, const std::string& value)>& take) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const size_t eq = a.find('=');
    if (!take(a.substr(0, eq), eq == std::string::npos ? "" : a.substr(eq + 1))) {
      std::fprintf(stderr, "unknown flag %s (see the comment at the top of %s.cc)\n", a.c_str(), bench);
      return false;
    }
  }
  return true;
}

// "1,16,64" -> {1, 16, 64}.
inline std::vector<size_t> ParseList(const std::string& s) {
  std::vector<size_t> out;
  for (size_t pos = 0; pos < s.size();) {
    size_t comma = std::min(s.find(',', pos), s.size());
    out.push_back(std::stoul(s.substr(pos, comma - pos)));
    pos = comma + 1;
  }
  return out;
}

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_BENCH_UTIL_H_
