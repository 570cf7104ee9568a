// The one place Cairn calls Crypto++. Crypto++ reports errors by throwing; every
// function here catches and converts, so no exception leaves this file pair.
// Internal to crypto/: other modules use the front headers. Thread-safe.
#ifndef CAIRN_CRYPTO_INTERNAL_CRYPTOPP_ADAPTER_H_
#define CAIRN_CRYPTO_INTERNAL_CRYPTOPP_ADAPTER_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "crypto/hash.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto::internal {

// SHA-256 over the concatenation of `parts`. Cannot fail.
Digest Sha256Parts(std::initializer_list<ByteView> parts);
// The same for public inputs only (records, tree nodes): a per-thread hash
// object is reused, so the tail of the last input stays in its buffer.
Digest PublicSha256Parts(std::initializer_list<ByteView> parts);
// HMAC-SHA-256. Cannot fail (any key length is accepted).
Digest HmacSha256(ByteView key, ByteView data);

// AES-256-GCM with a 16-byte tag. `out` must hold plaintext.size() + 16 bytes
// and receives ciphertext || tag. InvalidArgument on a bad key or nonce size.
Status GcmEncrypt(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad, uint8_t* out);
// Inverse of GcmEncrypt over `ct_and_tag` (at least 16 bytes). `out` must hold
// ct_and_tag.size() - 16 bytes. DataLoss("authentication failed") on any
// mismatch; `out` may then hold unverified bytes and the caller must wipe it.
Status GcmDecrypt(ByteView key, ByteView nonce, ByteView ct_and_tag, ByteView aad, uint8_t* out);

// scrypt (RFC 7914) into out[0, out_len). InvalidArgument on parameters
// Crypto++ rejects; ResourceExhausted if the memory cannot be allocated.
Status Scrypt(ByteView passphrase, ByteView salt, uint64_t n, uint32_t r, uint32_t p, uint8_t* out,
              size_t out_len);

// The operating system's CSPRNG through Crypto++ (fallback when getrandom fails).
Status OsRandomBlock(uint8_t* out, size_t n);

// Ed25519 (RFC 8032, pure, no context). `seed` is the 32-byte private key of
// RFC 8032 §5.1.5, `public_key` 32 bytes, `signature` 64 bytes. Deriving and
// signing cannot fail on a valid seed (the process aborts if Crypto++ throws).
void Ed25519PublicKeyFromSeed(const uint8_t* seed, uint8_t* public_key);
void Ed25519SignMessage(const uint8_t* seed, ByteView message, uint8_t* signature);
// True iff `signature` verifies. Crypto++ checks only the top three bits of S;
// the caller enforces S < L (crypto/signing.cc). Any exception reads as false.
bool Ed25519VerifyMessage(const uint8_t* public_key, ByteView message, const uint8_t* signature);

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_CRYPTOPP_ADAPTER_H_
