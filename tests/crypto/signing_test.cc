#include "crypto/signing.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "tests/crypto/crypto_test_util.h"

namespace cairn::crypto {
namespace {

using testing::Hex;
using testing::KeyFromHex;

struct Vector {
  const char* name;
  const char* secret_key;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1, TEST 2 and TEST 3, copied exactly.
const Vector kRfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

Ed25519PrivateKey KeyFromSeedHex(std::string_view hex) {
  Result<Ed25519PrivateKey> key = Ed25519PrivateKey::FromSeed(KeyFromHex(hex));
  REQUIRE(key.ok());
  return std::move(key).value();
}

Ed25519PublicKey PublicFromHex(std::string_view hex) {
  std::vector<uint8_t> bytes = Hex(hex);
  REQUIRE(bytes.size() == 32);
  Ed25519PublicKey key;
  std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
  return key;
}

std::vector<uint8_t> Bytes(const Ed25519Signature& s) { return {s.begin(), s.end()}; }

TEST_CASE("Ed25519 matches the RFC 8032 known answers", "[crypto][signing][kat]") {
  for (const Vector& v : kRfc8032) {
    SECTION(v.name) {
      const Ed25519PrivateKey key = KeyFromSeedHex(v.secret_key);
      CHECK(ToHex(ByteView(key.PublicKey().bytes)) == v.public_key);
      const std::vector<uint8_t> message = Hex(v.message);
      CHECK(ToHex(ByteView(key.Sign(message))) == v.signature);
      CHECK(Ed25519Verify(PublicFromHex(v.public_key), message, Hex(v.signature)));
    }
  }
}

TEST_CASE("Ed25519 derives the public keys of the checkpoint vectors", "[crypto][signing][kat]") {
  // reference/verifiable-log.md §2.9: log seed 00..1f, witness seed 20..3f.
  CHECK(ToHex(ByteView(KeyFromSeedHex("000102030405060708090a0b0c0d0e0f"
                                      "101112131415161718191a1b1c1d1e1f")
                           .PublicKey()
                           .bytes)) ==
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  CHECK(ToHex(ByteView(KeyFromSeedHex("202122232425262728292a2b2c2d2e2f"
                                      "303132333435363738393a3b3c3d3e3f")
                           .PublicKey()
                           .bytes)) ==
        "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7");
}

TEST_CASE("Ed25519 verifies the C2SP signed-note example signature", "[crypto][signing][kat]") {
  // reference/verifiable-log.md §2.9: vkey example.com/foo+530d903a+AekyeRrm...
  Result<SecureBuffer> vkey = Base64Decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  Result<SecureBuffer> line = Base64Decode(
      "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM"
      "=");
  REQUIRE(vkey.ok());
  REQUIRE(line.ok());
  REQUIRE(vkey->size() == 33);
  REQUIRE(line->size() == 68);
  Ed25519PublicKey key;
  std::copy(vkey->data() + 1, vkey->data() + 33, key.bytes.begin());
  const ByteView signature = line->view().subspan(4);
  CHECK(Ed25519Verify(key, AsBytes("This is an example message.\n"), signature));
  CHECK_FALSE(Ed25519Verify(key, AsBytes("This is an example message!\n"), signature));
}

TEST_CASE("Ed25519 verify rejects a signature with any bit flipped", "[crypto][signing]") {
  const Vector& v = kRfc8032[2];
  const Ed25519PublicKey key = PublicFromHex(v.public_key);
  const std::vector<uint8_t> message = Hex(v.message);
  const std::vector<uint8_t> good = Hex(v.signature);
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      INFO("byte " << i << " bit " << bit);
      CHECK_FALSE(Ed25519Verify(key, message, bad));
    }
  }
}

TEST_CASE("Ed25519 verify rejects a changed message", "[crypto][signing]") {
  const Vector& v = kRfc8032[2];
  CHECK_FALSE(Ed25519Verify(PublicFromHex(v.public_key), Hex("af83"), Hex(v.signature)));
  CHECK_FALSE(Ed25519Verify(PublicFromHex(v.public_key), Hex("af8200"), Hex(v.signature)));
  CHECK_FALSE(Ed25519Verify(PublicFromHex(v.public_key), {}, Hex(v.signature)));
}

TEST_CASE("Ed25519 verify rejects a signature under another key", "[crypto][signing]") {
  const Vector& a = kRfc8032[0];
  const Vector& b = kRfc8032[1];
  CHECK_FALSE(Ed25519Verify(PublicFromHex(b.public_key), Hex(a.message), Hex(a.signature)));
  CHECK_FALSE(Ed25519Verify(PublicFromHex(a.public_key), Hex(b.message), Hex(b.signature)));
}

TEST_CASE("Ed25519 verify rejects signatures that are not 64 bytes", "[crypto][signing]") {
  const Vector& v = kRfc8032[1];
  const Ed25519PublicKey key = PublicFromHex(v.public_key);
  std::vector<uint8_t> sig = Hex(v.signature);
  CHECK_FALSE(Ed25519Verify(key, Hex(v.message), ByteView(sig).first(63)));
  sig.push_back(0);
  CHECK_FALSE(Ed25519Verify(key, Hex(v.message), sig));
  CHECK_FALSE(Ed25519Verify(key, Hex(v.message), {}));
}

TEST_CASE("Ed25519 verify rejects a non-canonical S (S + L)", "[crypto][signing]") {
  // S + L passes Crypto++'s top-bits check and satisfies the group equation, so
  // only the explicit S < L test of RFC 8032 §5.1.7 stops it.
  const Vector& v = kRfc8032[0];
  const std::vector<uint8_t> l =
      Hex("edd3f55c1a631258d69cf7a2def9de14"
          "00000000000000000000000000000010");
  std::vector<uint8_t> sig = Hex(v.signature);
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    const unsigned sum = sig[32 + i] + l[i] + carry;
    sig[32 + i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
  REQUIRE(carry == 0);
  REQUIRE((sig[63] & 0xe0) == 0);
  CHECK_FALSE(Ed25519Verify(PublicFromHex(v.public_key), Hex(v.message), sig));
}

TEST_CASE("Ed25519 verify rejects a public key that is not a curve point", "[crypto][signing]") {
  const Vector& v = kRfc8032[0];
  Ed25519PublicKey bogus;
  bogus.bytes.fill(0xff);
  CHECK_FALSE(Ed25519Verify(bogus, Hex(v.message), Hex(v.signature)));
}

TEST_CASE("Ed25519 FromSeed rejects seeds that are not 32 bytes", "[crypto][signing]") {
  for (size_t size : {0, 31, 33, 64}) {
    Result<Ed25519PrivateKey> key = Ed25519PrivateKey::FromSeed(SecureBuffer(size));
    CHECK(key.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Ed25519 generated keys sign, verify, and differ per seed", "[crypto][signing]") {
  auto rng = NewDeterministicRandom(42);
  const Ed25519PrivateKey a = Ed25519PrivateKey::Generate(*rng);
  const Ed25519PrivateKey b = Ed25519PrivateKey::Generate(*rng);
  CHECK_FALSE(a.PublicKey() == b.PublicKey());
  const ByteView message = AsBytes("example.com/log\n1\n\n");
  const Ed25519Signature sig = a.Sign(message);
  CHECK(Ed25519Verify(a.PublicKey(), message, sig));
  CHECK_FALSE(Ed25519Verify(b.PublicKey(), message, sig));
  CHECK(Bytes(a.Sign(message)) == Bytes(sig));  // deterministic
  // The seed round-trips to the same key.
  Result<Ed25519PrivateKey> again = Ed25519PrivateKey::FromSeed(SecureBuffer(a.seed()));
  REQUIRE(again.ok());
  CHECK(again->PublicKey() == a.PublicKey());
}

}  // namespace
}  // namespace cairn::crypto
