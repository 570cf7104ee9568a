#include "bus/curve.h"

#include <catch2/catch.hpp>
#include <string>

namespace cairn::bus {
namespace {

// The server key pair of libzmq's tests (tests/testutil_security.cpp).
const std::string kSecretZ85 = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
const std::string kPublicZ85 = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

TEST_CASE("a new key pair is two distinct 40-character Z85 keys", "[bus]") {
  auto pair = NewCurveKeyPair();
  REQUIRE(pair.ok());
  CHECK(IsCurveKey(pair->public_z85));
  CHECK(IsCurveKey(pair->secret_z85.as_string_view()));
  CHECK(pair->public_z85 != pair->secret_z85.as_string_view());
  auto other = NewCurveKeyPair();
  REQUIRE(other.ok());
  CHECK(other->public_z85 != pair->public_z85);
}

TEST_CASE("the public key derived from a secret key matches the generated one", "[bus]") {
  auto pair = NewCurveKeyPair();
  REQUIRE(pair.ok());
  auto public_z85 = CurvePublicFromSecret(pair->secret_z85.as_string_view());
  REQUIRE(public_z85.ok());
  CHECK(*public_z85 == pair->public_z85);
}

TEST_CASE("a key pair from 32 raw secret bytes is deterministic", "[bus]") {
  uint8_t secret[32];
  for (int i = 0; i < 32; ++i) secret[i] = static_cast<uint8_t>(i * 7 + 1);
  auto a = CurveKeyPairFromSecret(crypto::ByteView(secret, 32));
  auto b = CurveKeyPairFromSecret(crypto::ByteView(secret, 32));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->public_z85 == b->public_z85);
  CHECK(a->secret_z85.Equals(b->secret_z85.view()));
  auto derived = CurvePublicFromSecret(a->secret_z85.as_string_view());
  REQUIRE(derived.ok());
  CHECK(*derived == a->public_z85);
}

TEST_CASE("a secret that is not 32 bytes is InvalidArgument", "[bus]") {
  uint8_t secret[33] = {};
  auto short_pair = CurveKeyPairFromSecret(crypto::ByteView(secret, 31));
  REQUIRE_FALSE(short_pair.ok());
  CHECK(short_pair.status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(CurveKeyPairFromSecret(crypto::ByteView(secret, 33)).ok());
  CHECK_FALSE(CurveKeyPairFromSecret(crypto::ByteView()).ok());
}

TEST_CASE("a known secret key gives its known public key", "[bus]") {
  auto public_z85 = CurvePublicFromSecret(kSecretZ85);
  REQUIRE(public_z85.ok());
  CHECK(*public_z85 == kPublicZ85);
}

TEST_CASE("bad Z85 keys are refused", "[bus]") {
  SECTION("too short") { CHECK_FALSE(IsCurveKey(kSecretZ85.substr(0, 39))); }
  SECTION("too long") { CHECK_FALSE(IsCurveKey(kSecretZ85 + "0")); }
  SECTION("empty") { CHECK_FALSE(IsCurveKey("")); }
  SECTION("a character outside the alphabet") {
    std::string bad = kSecretZ85;
    bad[7] = '"';
    CHECK_FALSE(IsCurveKey(bad));
    bad[7] = ' ';
    CHECK_FALSE(IsCurveKey(bad));
  }
  SECTION("a group whose value overflows 32 bits") {
    std::string bad = kSecretZ85;
    bad.replace(0, 5, "#####");
    CHECK_FALSE(IsCurveKey(bad));
  }
  SECTION("the largest valid group is accepted") {
    std::string good = kSecretZ85;
    good.replace(0, 5, "%nSc0");  // 0xffffffff
    CHECK(IsCurveKey(good));
  }
  auto derived = CurvePublicFromSecret("not a key");
  REQUIRE_FALSE(derived.ok());
  CHECK(derived.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::bus
