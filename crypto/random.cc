#include "crypto/random.h"

#include <sys/random.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "crypto/hash.h"
#include "crypto/internal/cryptopp_adapter.h"
#include "crypto/secure_buffer.h"

namespace cairn::crypto {
namespace {

// getrandom(2): the kernel CSPRNG, thread-safe and fork-safe with no state in
// the process. Falls back to Crypto++'s /dev/urandom reader if the syscall is
// unavailable (old kernel, seccomp). Without randomness there is no safe way
// to continue, so the process aborts rather than hand out predictable keys.
class SystemRandomSource final : public RandomSource {
 public:
  void Fill(uint8_t* out, size_t n) override {
    size_t done = 0;
    while (done < n) {
      const ssize_t got = getrandom(out + done, n - done, 0);
      if (got > 0) {
        done += static_cast<size_t>(got);
      } else if (got < 0 && errno != EINTR) {
        if (internal::OsRandomBlock(out + done, n - done).ok()) return;
        (void)std::fprintf(stderr, "cairn: fatal: no operating system randomness\n");
        std::abort();
      }
    }
  }
};

// Block i of the stream is SHA-256(seed as u64 big-endian || i as u64
// big-endian). Predictable by design: tests only.
class DeterministicRandomSource final : public RandomSource {
 public:
  explicit DeterministicRandomSource(uint64_t seed) {
    for (int i = 0; i < 8; ++i) input_[i] = static_cast<uint8_t>(seed >> (56 - 8 * i));
  }

  void Fill(uint8_t* out, size_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < n; ++i) {
      if (used_ == block_.size()) NextBlock();
      out[i] = block_[used_++];
    }
  }

 private:
  void NextBlock() {
    for (int i = 0; i < 8; ++i) input_[8 + i] = static_cast<uint8_t>(counter_ >> (56 - 8 * i));
    ++counter_;
    block_ = Sha256(input_);
    used_ = 0;
  }

  std::mutex mu_;
  std::array<uint8_t, 16> input_{};
  Digest block_{};
  size_t used_ = block_.size();
  uint64_t counter_ = 0;
};

}  // namespace

uint32_t RandomSource::Uniform(uint32_t bound) {
  assert(bound > 0);
  if (bound <= 1) return 0;
  // Accept only draws below the largest multiple of `bound` that fits in 2^32.
  const uint64_t limit = (uint64_t{1} << 32) - ((uint64_t{1} << 32) % bound);
  while (true) {
    std::array<uint8_t, 4> b{};
    Fill(b.data(), b.size());
    const uint32_t x = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
    if (x < limit) return x % bound;
  }
}

RandomSource& SystemRandom() {
  static SystemRandomSource source;  // stateless, so safe to use at any time
  return source;
}

std::unique_ptr<RandomSource> NewDeterministicRandom(uint64_t seed) {
  return std::make_unique<DeterministicRandomSource>(seed);
}

std::string NewUuidV4(RandomSource& rng) {
  std::array<uint8_t, 16> b{};
  rng.Fill(b.data(), b.size());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  const std::string hex = ToHex(ByteView(b.data(), b.size()));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string RandomAlnum(RandomSource& rng, size_t n) {
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, '\0');
  for (char& c : out) c = kAlnum[rng.Uniform(sizeof(kAlnum) - 1)];
  return out;
}

}  // namespace cairn::crypto
