#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/aead.h"
#include "tests/crypto/crypto_test_util.h"

namespace cairn::crypto {
namespace {

using testing::Hex;
using testing::HexOf;
using testing::KeyFromHex;

constexpr char kZeroKey[] = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr char kZeroNonce[] = "000000000000000000000000";
// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 15 and 16.
constexpr char kKey15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr char kNonce15[] = "cafebabefacedbaddecaf888";
constexpr char kPlain15[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
constexpr char kCipher15[] =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
constexpr char kAad16[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

std::string SealHex(std::string_view key, std::string_view nonce, std::string_view plain,
                    std::string_view aad) {
  Result<std::vector<uint8_t>> sealed =
      AeadSealWithNonce(KeyFromHex(key), Hex(nonce), Hex(plain), Hex(aad));
  REQUIRE(sealed.ok());
  return HexOf(*sealed);
}

TEST_CASE("AES-256-GCM matches the GCM specification's 256-bit test cases", "[crypto][aead][kat]") {
  SECTION("test case 13: empty plaintext") {
    CHECK(SealHex(kZeroKey, kZeroNonce, "", "") ==
          std::string(kZeroNonce) + "530f8afbc74536b9a963b4f1c4cb738b");
  }
  SECTION("test case 14: one zero block") {
    CHECK(SealHex(kZeroKey, kZeroNonce, "00000000000000000000000000000000", "") ==
          std::string(kZeroNonce) + "cea7403d4d606b6e074ec5d3baf39d18" +
              "d0d1c8a799996bf0265b98b5d48ab919");
  }
  SECTION("test case 15: four blocks") {
    CHECK(SealHex(kKey15, kNonce15, kPlain15, "") ==
          std::string(kNonce15) + kCipher15 + "b094dac5d93471bdec1a502270e3cc6c");
  }
  SECTION("test case 16: 60 bytes with associated data") {
    const std::string plain = std::string(kPlain15).substr(0, 120);
    const std::string cipher = std::string(kCipher15).substr(0, 120);
    CHECK(SealHex(kKey15, kNonce15, plain, kAad16) ==
          std::string(kNonce15) + cipher + "76fc6ece0f4e1768cddf8853bb2d551b");
  }
}

TEST_CASE("AeadOpen opens the GCM specification's test case 16", "[crypto][aead][kat]") {
  const std::string sealed = std::string(kNonce15) + std::string(kCipher15).substr(0, 120) +
                             "76fc6ece0f4e1768cddf8853bb2d551b";
  Result<SecureBuffer> plain = AeadOpen(KeyFromHex(kKey15), Hex(sealed), Hex(kAad16));
  REQUIRE(plain.ok());
  CHECK(HexOf(*plain) == std::string(kPlain15).substr(0, 120));
}

TEST_CASE("AeadSeal round-trips with a fresh nonce each time", "[crypto][aead]") {
  auto rng = NewDeterministicRandom(1);
  const SecureBuffer key = KeyFromHex(kKey15);
  for (size_t n : {0, 1, 15, 16, 17, 1000}) {
    const std::string text(n, 'x');
    Result<std::vector<uint8_t>> a = AeadSeal(key, AsBytes(text), AsBytes("aad"), *rng);
    Result<std::vector<uint8_t>> b = AeadSeal(key, AsBytes(text), AsBytes("aad"), *rng);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->size() == kAeadNonceSize + n + kAeadTagSize);
    CHECK(*a != *b);
    Result<SecureBuffer> opened = AeadOpen(key, *a, AsBytes("aad"));
    REQUIRE(opened.ok());
    CHECK(opened->as_string_view() == text);
  }
}

TEST_CASE("AeadOpen refuses every tampered twin with DataLoss", "[crypto][aead]") {
  auto rng = NewDeterministicRandom(2);
  const SecureBuffer key = KeyFromHex(kKey15);
  Result<std::vector<uint8_t>> good =
      AeadSeal(key, AsBytes("attack at dawn"), AsBytes("ctx"), *rng);
  REQUIRE(good.ok());
  std::vector<uint8_t> bad = *good;
  SecureBuffer open_key = key.Clone();
  std::string aad = "ctx";
  SECTION("a flipped nonce byte") { bad[0] ^= 0x01; }
  SECTION("a flipped ciphertext byte") { bad[kAeadNonceSize + 3] ^= 0x80; }
  SECTION("a flipped tag byte") { bad.back() ^= 0x01; }
  SECTION("the wrong associated data") { aad = "ctx2"; }
  SECTION("empty associated data") { aad.clear(); }
  SECTION("the wrong key") { open_key.data()[31] ^= 0x01; }
  SECTION("a truncated tail") { bad.pop_back(); }
  SECTION("shorter than nonce and tag") { bad.resize(kAeadNonceSize + kAeadTagSize - 1); }
  SECTION("empty input") { bad.clear(); }
  SECTION("an appended byte") { bad.push_back(0); }
  Result<SecureBuffer> opened = AeadOpen(open_key, bad, AsBytes(aad));
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status() == DataLossError("authentication failed"));
}

TEST_CASE("AEAD rejects keys that are not 32 bytes", "[crypto][aead]") {
  auto rng = NewDeterministicRandom(3);
  const SecureBuffer short_key(16);
  CHECK(AeadSeal(short_key, AsBytes("x"), {}, *rng).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(AeadOpen(short_key, std::vector<uint8_t>(40), {}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(AeadSealWithNonce(short_key, Hex(kZeroNonce), {}, {}).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("AeadSealWithNonce rejects nonces that are not 12 bytes", "[crypto][aead]") {
  const SecureBuffer key = KeyFromHex(kZeroKey);
  CHECK(AeadSealWithNonce(key, Hex("cafebabefacedbad"), {}, {}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(AeadSealWithNonce(key, {}, {}, {}).status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::crypto
