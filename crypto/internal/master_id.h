// The public identifier of a master key, as raw bytes (MasterKeyId() is its
// hex). Lets a keyring tell "wrong master key" from "corrupt". Thread-safe.
#ifndef CAIRN_CRYPTO_INTERNAL_MASTER_ID_H_
#define CAIRN_CRYPTO_INTERNAL_MASTER_ID_H_

#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/hash.h"
#include "crypto/internal/domains.h"
#include "crypto/secure_buffer.h"

namespace cairn::crypto::internal {

inline constexpr size_t kMasterIdSize = 8;
using MasterIdBytes = std::array<uint8_t, kMasterIdSize>;

// First 8 bytes of DomainHash("cairn/master-key-id/v1", master_key).
inline MasterIdBytes MasterIdOf(const SecureBuffer& master_key) {
  const Digest d = DomainHash(kMasterKeyIdDomain, master_key.view());
  MasterIdBytes id{};
  std::copy_n(d.begin(), id.size(), id.begin());
  return id;
}

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_MASTER_ID_H_
