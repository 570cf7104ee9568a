#include "crypto/aead.h"

#include <algorithm>

#include "crypto/internal/cryptopp_adapter.h"

namespace cairn::crypto {

Result<std::vector<uint8_t>> AeadSeal(const SecureBuffer& key, ByteView plaintext, ByteView aad,
                                      RandomSource& rng) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("AEAD key must be 32 bytes");
  uint8_t nonce[kAeadNonceSize];
  rng.Fill(nonce, sizeof(nonce));
  return AeadSealWithNonce(key, ByteView(nonce, sizeof(nonce)), plaintext, aad);
}

Result<SecureBuffer> AeadOpen(const SecureBuffer& key, ByteView sealed, ByteView aad) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("AEAD key must be 32 bytes");
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return DataLossError("authentication failed");
  }
  SecureBuffer plaintext(sealed.size() - kAeadNonceSize - kAeadTagSize);
  RETURN_IF_ERROR(internal::GcmDecrypt(key.view(), sealed.first(kAeadNonceSize),
                                       sealed.subspan(kAeadNonceSize), aad, plaintext.data()));
  return plaintext;
}

Result<std::vector<uint8_t>> AeadSealWithNonce(const SecureBuffer& key, ByteView nonce,
                                               ByteView plaintext, ByteView aad) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("AEAD key must be 32 bytes");
  if (nonce.size() != kAeadNonceSize) return InvalidArgumentError("AEAD nonce must be 12 bytes");
  std::vector<uint8_t> sealed(kAeadNonceSize + plaintext.size() + kAeadTagSize);
  std::copy(nonce.begin(), nonce.end(), sealed.begin());
  RETURN_IF_ERROR(
      internal::GcmEncrypt(key.view(), nonce, plaintext, aad, sealed.data() + kAeadNonceSize));
  return sealed;
}

}  // namespace cairn::crypto
