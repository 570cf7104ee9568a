// GetRandomPassword with all of AWS's parameters (API reference §3.10).
#ifndef CAIRN_CRYPTO_PASSWORD_H_
#define CAIRN_CRYPTO_PASSWORD_H_

#include <cstdint>
#include <string>

#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

struct PasswordOptions {
  int64_t length = 32;                 // 1..4096
  std::string exclude_characters;      // each character removed from the pool
  bool exclude_numbers = false;
  bool exclude_punctuation = false;    // the 32 printable ASCII symbols
  bool exclude_uppercase = false;
  bool exclude_lowercase = false;
  bool include_space = false;
  bool require_each_included_type = true;
};

// InvalidArgument: length outside 1..4096, empty pool, or length smaller than the
// number of required classes. Unbiased (rejection sampling); the required classes
// are placed at uniformly random positions.
Result<SecureBuffer> GenerateRandomPassword(const PasswordOptions& options, RandomSource& rng);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_PASSWORD_H_
