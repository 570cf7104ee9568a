// scrypt is internal (it seals master key files); it gets its own known answers.

#include <catch2/catch.hpp>

#include "crypto/internal/cryptopp_adapter.h"
#include "tests/crypto/crypto_test_util.h"

namespace cairn::crypto {
namespace {

std::string ScryptHex(std::string_view pass, std::string_view salt, uint64_t n, uint32_t r,
                      uint32_t p, size_t len) {
  SecureBuffer out(len);
  REQUIRE(internal::Scrypt(AsBytes(pass), AsBytes(salt), n, r, p, out.data(), out.size()).ok());
  return testing::HexOf(out);
}

TEST_CASE("scrypt matches the RFC 7914 known answers", "[crypto][scrypt][kat]") {
  CHECK(ScryptHex("", "", 16, 1, 1, 64) ==
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  CHECK(ScryptHex("password", "NaCl", 1024, 8, 16, 64) ==
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST_CASE("scrypt turns Crypto++'s exceptions into InvalidArgument", "[crypto][scrypt]") {
  SecureBuffer out(32);
  CHECK(
      internal::Scrypt(AsBytes("pw"), AsBytes("salt"), 1000, 8, 1, out.data(), out.size()).code() ==
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::crypto
