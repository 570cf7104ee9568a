// Ed25519 signatures (RFC 8032, pure Ed25519: no prehash, no context). Cairn
// signs its checkpoints with one (ledger/checkpoint.h); auditors pin the public
// key. Signing is deterministic: one key and one message give one signature.
//
// Verification is strict where RFC 8032 §5.1.7 is: the signature must be exactly
// 64 bytes and its scalar S must be below the group order L, so a signature has
// no second spelling with the same meaning. Nothing here throws. The private key
// is a value type that wipes its seed; the functions are thread-safe, and a
// const Ed25519PrivateKey may sign from several threads at once.
#ifndef CAIRN_CRYPTO_SIGNING_H_
#define CAIRN_CRYPTO_SIGNING_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

// An Ed25519 public key: the 32-byte encoding of RFC 8032 §5.1.5. Public.
struct Ed25519PublicKey {
  std::array<uint8_t, kEd25519PublicKeySize> bytes{};

  friend bool operator==(const Ed25519PublicKey&, const Ed25519PublicKey&) = default;
};

// An Ed25519 private key: the 32-byte seed of RFC 8032 §5.1.5 (kept in a
// SecureBuffer) and the public key derived from it once. Move-only; a
// moved-from key may only be destroyed or assigned to.
class Ed25519PrivateKey {
 public:
  // A fresh key from 32 bytes of `rng`.
  static Ed25519PrivateKey Generate(RandomSource& rng);
  // The key for `seed`. InvalidArgument unless the seed is 32 bytes.
  static Result<Ed25519PrivateKey> FromSeed(SecureBuffer seed);

  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept = default;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept = default;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;

  const Ed25519PublicKey& PublicKey() const { return public_key_; }
  // The signature of `message` (RFC 8032 §5.1.6). Cannot fail.
  Ed25519Signature Sign(ByteView message) const;
  // The secret seed, for sealing the key at rest and nothing else. Valid while
  // this key lives and is not moved from.
  ByteView seed() const { return seed_.view(); }

 private:
  explicit Ed25519PrivateKey(SecureBuffer seed);

  SecureBuffer seed_;
  Ed25519PublicKey public_key_;
};

// True iff `signature` is a valid Ed25519 signature of `message` under `key`:
// exactly 64 bytes, S < L, and the RFC 8032 §5.1.7 equation holds. False for
// anything else (including a public key that is not a curve point).
bool Ed25519Verify(const Ed25519PublicKey& key, ByteView message, ByteView signature);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_SIGNING_H_
