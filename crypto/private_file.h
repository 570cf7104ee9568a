// Files that hold key material (master key files, CURVE key pairs, profiles):
// written privately and atomically, read only when no other user can.
// POSIX only. Thread-safe.
#ifndef CAIRN_CRYPTO_PRIVATE_FILE_H_
#define CAIRN_CRYPTO_PRIVATE_FILE_H_

#include <string>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

// Writes `contents` to `path` with mode 0600, atomically (temporary file,
// fsync, rename without replacing, fsync of the directory). AlreadyExists if
// something is at `path`; NotFound if the directory does not exist.
Status WritePrivateFile(const std::string& path, ByteView contents);

// Reads at most `max_size` bytes. NotFound if absent; FailedPrecondition if it
// is not a regular file or group/other may access it; DataLoss if larger.
Result<SecureBuffer> ReadPrivateFile(const std::string& path, size_t max_size);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_PRIVATE_FILE_H_
