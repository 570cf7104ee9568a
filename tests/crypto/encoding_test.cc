#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/random.h"

namespace cairn::crypto {
namespace {

TEST_CASE("ToHex writes lower-case hex", "[crypto][encoding]") {
  const std::vector<uint8_t> bytes = {0x00, 0x01, 0xab, 0xff};
  CHECK(ToHex(bytes) == "0001abff");
  CHECK(ToHex(ByteView()).empty());
}

TEST_CASE("FromHex accepts either case and round-trips", "[crypto][encoding]") {
  Result<std::vector<uint8_t>> lower = FromHex("0001abff");
  Result<std::vector<uint8_t>> upper = FromHex("0001ABFF");
  REQUIRE(lower.ok());
  REQUIRE(upper.ok());
  CHECK(*lower == std::vector<uint8_t>{0x00, 0x01, 0xab, 0xff});
  CHECK(*upper == *lower);
  CHECK(FromHex("")->empty());
}

TEST_CASE("FromHex rejects odd lengths and non-hex digits", "[crypto][encoding]") {
  CHECK(FromHex("abc").status().code() == StatusCode::kInvalidArgument);
  CHECK(FromHex("0g").status().code() == StatusCode::kInvalidArgument);
  CHECK(FromHex("0 ").status().code() == StatusCode::kInvalidArgument);
  CHECK(FromHex("+1").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("DigestFromHex needs exactly 64 hex digits", "[crypto][encoding]") {
  const std::string hex(64, 'a');
  REQUIRE(DigestFromHex(hex).ok());
  CHECK(ToHex(*DigestFromHex(hex)) == hex);
  CHECK(DigestFromHex(hex.substr(2)).status().code() == StatusCode::kInvalidArgument);
  CHECK(DigestFromHex(hex + "aa").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Base64Encode matches the RFC 4648 test vectors", "[crypto][encoding][kat]") {
  CHECK(Base64Encode(AsBytes("")) == "");
  CHECK(Base64Encode(AsBytes("f")) == "Zg==");
  CHECK(Base64Encode(AsBytes("fo")) == "Zm8=");
  CHECK(Base64Encode(AsBytes("foo")) == "Zm9v");
  CHECK(Base64Encode(AsBytes("foob")) == "Zm9vYg==");
  CHECK(Base64Encode(AsBytes("fooba")) == "Zm9vYmE=");
  CHECK(Base64Encode(AsBytes("foobar")) == "Zm9vYmFy");
  const std::vector<uint8_t> high = {0xfb, 0xff, 0xbf};
  CHECK(Base64Encode(high) == "+/+/");
}

TEST_CASE("Base64Decode inverts Base64Encode for every length", "[crypto][encoding]") {
  auto rng = NewDeterministicRandom(7);
  for (size_t n = 0; n < 70; ++n) {
    std::vector<uint8_t> bytes(n);
    rng->Fill(bytes.data(), bytes.size());
    Result<SecureBuffer> back = Base64Decode(Base64Encode(bytes));
    REQUIRE(back.ok());
    CHECK(back->Equals(bytes));
  }
}

TEST_CASE("Base64Decode rejects malformed input", "[crypto][encoding]") {
  const char* bad[] = {
      "Zg",         // missing padding
      "Zg=",        // length not a multiple of 4
      "Zm9v\n",     // whitespace
      "Zm9v Zm9v",  // inner space
      "Zm-v",       // URL-safe alphabet is not standard base64
      "Z===",       // too much padding
      "====",       // only padding
      "Zg==Zm9v",   // padding in the middle
      "Zm=v",       // padding before a digit
      "Zh==",       // non-zero bits under the padding (non-canonical "f")
      "Zm9=",       // non-zero bits under the padding (non-canonical "fo")
  };
  for (const char* text : bad) {
    INFO(text);
    CHECK(Base64Decode(text).status().code() == StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cairn::crypto
