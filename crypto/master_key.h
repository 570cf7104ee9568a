// The master key at rest: a key file, either holding the key itself (the dev
// default, mode 0600) or the key sealed under a passphrase with scrypt
// (memory-hard) + AES-256-GCM. See crypto/FORMAT.md for the file's bytes.
#ifndef CAIRN_CRYPTO_MASTER_KEY_H_
#define CAIRN_CRYPTO_MASTER_KEY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

inline constexpr size_t kMasterKeySize = 32;

struct ScryptParams {
  uint64_t n = 1 << 15;  // 32 MiB with r = 8
  uint32_t r = 8;
  uint32_t p = 1;
};

SecureBuffer NewMasterKey(RandomSource& rng);

// Writes the key file atomically with mode 0600; AlreadyExists if `path` exists.
// With a passphrase the key is sealed under scrypt(passphrase, salt).
Status WriteMasterKeyFile(const std::string& path, const SecureBuffer& master_key,
                          const SecureBuffer* passphrase, RandomSource& rng,
                          ScryptParams params = {});

// Errors: NotFound (no file), DataLoss (not a Cairn key file, truncated, corrupt),
// FailedPrecondition (file is passphrase-sealed but no passphrase was given, or
// the file is readable by group/other), PermissionDenied (wrong passphrase).
Result<SecureBuffer> ReadMasterKeyFile(const std::string& path, const SecureBuffer* passphrase);

// Whether the key file at `path` is passphrase-sealed.
Result<bool> MasterKeyFileNeedsPassphrase(const std::string& path);

// Public identifier of a master key: hex of the first 8 bytes of
// DomainHash("cairn/master-key-id/v1", key). Lets Cairn tell a wrong key from a corrupt ledger.
std::string MasterKeyId(const SecureBuffer& master_key);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_MASTER_KEY_H_
