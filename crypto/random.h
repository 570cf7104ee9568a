// Randomness behind a seam: the system CSPRNG in production, a deterministic
// generator in tests. Implementations are thread-safe.
#ifndef CAIRN_CRYPTO_RANDOM_H_
#define CAIRN_CRYPTO_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cairn::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(uint8_t* out, size_t n) = 0;
  // Uniform integer in [0, bound) by rejection sampling (no modulo bias). bound > 0.
  uint32_t Uniform(uint32_t bound);
};

// The operating system's CSPRNG (Crypto++ AutoSeededRandomPool / getrandom).
RandomSource& SystemRandom();
// A deterministic stream (SHA-256 counter mode over the seed) for tests only.
std::unique_ptr<RandomSource> NewDeterministicRandom(uint64_t seed);

// RFC 4122 version-4 UUID, lower-case: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUuidV4(RandomSource& rng);
// `n` characters drawn uniformly from [A-Za-z0-9] (ARN suffixes).
std::string RandomAlnum(RandomSource& rng, size_t n);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_RANDOM_H_
