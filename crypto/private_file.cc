#include "crypto/private_file.h"

#include "crypto/internal/key_file_io.h"

namespace cairn::crypto {

Status WritePrivateFile(const std::string& path, ByteView contents) {
  return internal::WriteKeyFileBytes(path, contents);
}

Result<SecureBuffer> ReadPrivateFile(const std::string& path, size_t max_size) {
  return internal::ReadKeyFileBytes(path, max_size);
}

}  // namespace cairn::crypto
