// Clock: time behind a seam. decide and evolve never read the system clock; the
// engine reads this one and passes the time down. Thread-safe.
#ifndef CAIRN_SERVICE_CLOCK_H_
#define CAIRN_SERVICE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace cairn::service {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() = 0;  // Unix time in milliseconds, UTC
};

Clock& SystemClock();

// A clock that stands still until moved; for tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() override { return now_ms_.load(); }
  void Advance(int64_t ms) { now_ms_ += ms; }
  void Set(int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_CLOCK_H_
