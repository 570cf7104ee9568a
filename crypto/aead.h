// AES-256-GCM with associated data. Sealed format: nonce(12) || ciphertext || tag(16).
// A fresh random nonce per call. Pure apart from the RandomSource; thread-safe.
#ifndef CAIRN_CRYPTO_AEAD_H_
#define CAIRN_CRYPTO_AEAD_H_

#include <cstdint>
#include <vector>

#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;

// InvalidArgument if the key is not 32 bytes.
Result<std::vector<uint8_t>> AeadSeal(const SecureBuffer& key, ByteView plaintext, ByteView aad,
                                      RandomSource& rng);
// DataLoss("authentication failed ...") if the tag, key or AAD do not match or
// the input is shorter than nonce + tag. The plaintext comes back wiped-on-free.
Result<SecureBuffer> AeadOpen(const SecureBuffer& key, ByteView sealed, ByteView aad);

// Raw GCM with a caller-chosen nonce, for known-answer tests only.
Result<std::vector<uint8_t>> AeadSealWithNonce(const SecureBuffer& key, ByteView nonce,
                                               ByteView plaintext, ByteView aad);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_AEAD_H_
