// The serialized keyring, version 1 (crypto/FORMAT.md §Keyring). Parsing checks
// structure and checksum only; unwrapping the KEKs is the Keyring's job.
// Pure functions; thread-safe.
#ifndef CAIRN_CRYPTO_INTERNAL_KEYRING_FORMAT_H_
#define CAIRN_CRYPTO_INTERNAL_KEYRING_FORMAT_H_

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "crypto/internal/master_id.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto::internal {

inline constexpr size_t kWrappedKekSize = 12 + 32 + 16;  // nonce || KEK || tag

struct KeyringImage {
  MasterIdBytes master_id{};
  uint32_t current = 0;
  std::map<uint32_t, std::vector<uint8_t>> wrapped_keks;  // each kWrappedKekSize bytes
};

std::vector<uint8_t> EncodeKeyring(const KeyringImage& image);
// DataLoss("keyring is corrupt: ...") on any structural or checksum error.
Result<KeyringImage> DecodeKeyring(ByteView bytes);

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_KEYRING_FORMAT_H_
