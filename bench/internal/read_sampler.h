// The application side of bench/rotation_bench.cc's storm: C threads reading
// one secret in a closed loop (bench/internal/audited_side.h) until told to
// stop, each read kept with the wall-clock time it completed, so that the
// reads inside a window known only afterwards (from the ledger's timestamps)
// can be picked out.
#ifndef CAIRN_BENCH_INTERNAL_READ_SAMPLER_H_
#define CAIRN_BENCH_INTERNAL_READ_SAMPLER_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "bench/internal/audited_side.h"
#include "bench/internal/bench_util.h"

namespace cairn::bench {

inline double UnixMsNow() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads and what they took, over a window.
struct ReadFigures {
  std::vector<double> latency_ms;
  double seconds = 0;
  uint64_t errors = 0;
  std::string first_error;

  double per_second() const { return seconds > 0 ? latency_ms.size() / seconds : 0; }
  double P(double q) const { return Percentile(latency_ms, q); }
  double Max() const {
    return latency_ms.empty() ? 0 : *std::max_element(latency_ms.begin(), latency_ms.end());
  }
  void Add(const ReadFigures& o) {
    latency_ms.insert(latency_ms.end(), o.latency_ms.begin(), o.latency_ms.end());
    seconds += o.seconds;
    errors += o.errors;
    if (first_error.empty()) first_error = o.first_error;
  }
};

// Start() launches `threads` readers on `side` (connected for that many
// clients); Stop() joins them. Window() gives the reads that completed in
// [from_unix_ms, to_unix_ms), the window's length as their seconds.
class ReadSampler {
 public:
  ReadSampler(AuditedSide& side, size_t threads) : side_(side), per_thread_(threads) {}
  ~ReadSampler() { Stop(); }
  ReadSampler(const ReadSampler&) = delete;
  ReadSampler& operator=(const ReadSampler&) = delete;

  void Start() {
    for (size_t t = 0; t < per_thread_.size(); ++t) {
      workers_.emplace_back([this, t] {
        PerThread& mine = per_thread_[t];
        mine.samples.reserve(1 << 16);
        while (!stop_.load(std::memory_order_relaxed)) {
          const auto t0 = Clock::now();
          std::string error = side_.Op(t);
          const auto t1 = Clock::now();
          if (!error.empty()) {
            if (mine.errors++ == 0) mine.first_error = std::move(error);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // never a hot failure loop
            continue;
          }
          mine.samples.push_back({UnixMsNow(), Ms(t1 - t0)});
        }
      });
    }
  }
  void Stop() {
    stop_ = true;
    for (auto& w : workers_) w.join();
    workers_.clear();
  }
  ReadFigures Window(double from_unix_ms, double to_unix_ms) const {
    ReadFigures f;
    f.seconds = std::max(0.0, (to_unix_ms - from_unix_ms) / 1000);
    for (const PerThread& p : per_thread_) {
      for (const Sample& s : p.samples) {
        if (s.end_unix_ms >= from_unix_ms && s.end_unix_ms < to_unix_ms)
          f.latency_ms.push_back(s.ms);
      }
      f.errors += p.errors;
      if (f.first_error.empty()) f.first_error = p.first_error;
    }
    return f;
  }

 private:
  struct Sample {
    double end_unix_ms;
    double ms;
  };
  struct PerThread {
    std::vector<Sample> samples;
    uint64_t errors = 0;
    std::string first_error;
  };
  AuditedSide& side_;
  std::vector<PerThread> per_thread_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_{false};
};

// `threads` readers for `seconds` of quiet (nothing else asked of cairnd).
inline ReadFigures ReadFor(AuditedSide& side, size_t threads, double seconds) {
  ReadSampler sampler(side, threads);
  const double from = UnixMsNow();
  sampler.Start();
  std::this_thread::sleep_for(Secs(seconds));
  const double to = UnixMsNow();
  sampler.Stop();
  return sampler.Window(from, to);
}

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_READ_SAMPLER_H_
