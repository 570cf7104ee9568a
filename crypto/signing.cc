#include "crypto/signing.h"

#include <string>
#include <utility>

#include "crypto/internal/cryptopp_adapter.h"

namespace cairn::crypto {
namespace {

// The order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493,
// little-endian like the S half of a signature.
constexpr std::array<uint8_t, 32> kGroupOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// RFC 8032 §5.1.7 step 1: S must be in [0, L). Crypto++ only rejects S >= 2^253,
// which would leave S + L as a second valid spelling of the same signature.
// Public data, so a plain (variable-time) comparison is fine.
bool ScalarIsCanonical(const uint8_t* s) {
  for (size_t i = kGroupOrder.size(); i-- > 0;) {
    if (s[i] != kGroupOrder[i]) return s[i] < kGroupOrder[i];
  }
  return false;  // S == L
}

}  // namespace

Ed25519PrivateKey::Ed25519PrivateKey(SecureBuffer seed) : seed_(std::move(seed)) {
  internal::Ed25519PublicKeyFromSeed(seed_.data(), public_key_.bytes.data());
}

Ed25519PrivateKey Ed25519PrivateKey::Generate(RandomSource& rng) {
  SecureBuffer seed(kEd25519SeedSize);
  rng.Fill(seed.data(), seed.size());
  return Ed25519PrivateKey(std::move(seed));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(SecureBuffer seed) {
  if (seed.size() != kEd25519SeedSize) {
    return InvalidArgumentError("an Ed25519 seed is 32 bytes, got " + std::to_string(seed.size()));
  }
  return Ed25519PrivateKey(std::move(seed));
}

Ed25519Signature Ed25519PrivateKey::Sign(ByteView message) const {
  Ed25519Signature signature{};
  internal::Ed25519SignMessage(seed_.data(), message, signature.data());
  return signature;
}

bool Ed25519Verify(const Ed25519PublicKey& key, ByteView message, ByteView signature) {
  if (signature.size() != kEd25519SignatureSize) return false;
  if (!ScalarIsCanonical(signature.data() + 32)) return false;
  return internal::Ed25519VerifyMessage(key.bytes.data(), message, signature.data());
}

}  // namespace cairn::crypto
