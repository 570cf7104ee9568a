// Helpers shared by the crypto tests: hex fixtures, keys, a scratch directory.
#ifndef CAIRN_TESTS_CRYPTO_CRYPTO_TEST_UTIL_H_
#define CAIRN_TESTS_CRYPTO_CRYPTO_TEST_UTIL_H_

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/secure_buffer.h"

namespace cairn::crypto::testing {

// Hex that must parse (a test fixture).
inline std::vector<uint8_t> Hex(std::string_view hex) {
  Result<std::vector<uint8_t>> bytes = FromHex(hex);
  REQUIRE(bytes.ok());
  return *bytes;
}

inline SecureBuffer KeyFromHex(std::string_view hex) { return SecureBuffer(Hex(hex)); }

inline std::string HexOf(const SecureBuffer& b) { return ToHex(b.view()); }
inline std::string HexOf(const std::vector<uint8_t>& b) { return ToHex(ByteView(b)); }

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/cairn-crypto-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace cairn::crypto::testing

#endif  // CAIRN_TESTS_CRYPTO_CRYPTO_TEST_UTIL_H_
