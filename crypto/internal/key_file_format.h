// The bytes of a master key file, version 1 (crypto/FORMAT.md §Master key file).
// Encoding and parsing only: no I/O, no scrypt, no AEAD. Pure; thread-safe.
#ifndef CAIRN_CRYPTO_INTERNAL_KEY_FILE_FORMAT_H_
#define CAIRN_CRYPTO_INTERNAL_KEY_FILE_FORMAT_H_

#include <cstdint>
#include <vector>

#include "crypto/master_key.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto::internal {

inline constexpr size_t kKeyFileSaltSize = 16;
inline constexpr size_t kKeyFileMaxSize = 4096;  // anything larger is not a key file

enum class KeyFileKind : uint8_t { kPlain = 1, kScrypt = 2 };

// InvalidArgument unless n is a power of two in [2, 2^20], r in [1, 32],
// p in [1, 16] and the scrypt memory 128*r*n is at most 1 GiB.
Status ValidateScryptParams(const ScryptParams& params);

// The whole plain file: header, the key, checksum. Holds the key, so it is wiped.
SecureBuffer EncodePlainKeyFile(const SecureBuffer& master_key);
// The scrypt file's header (magic through salt); it is also the AAD of the sealed key.
std::vector<uint8_t> EncodeScryptHeader(const ScryptParams& params, ByteView salt);
// The whole scrypt file: header || sealed key || checksum.
std::vector<uint8_t> EncodeScryptKeyFile(ByteView header, ByteView sealed_key);

struct ParsedKeyFile {
  KeyFileKind kind = KeyFileKind::kPlain;
  SecureBuffer plain_key;  // kPlain only
  ScryptParams params;     // kScrypt only, validated
  ByteView salt;           // kScrypt only; these three borrow from the parsed bytes
  ByteView header;
  ByteView sealed_key;
};

// DataLoss with a short reason ("truncated"; the caller adds the path) if the bytes are
// not a complete, intact version-1 key file.
Result<ParsedKeyFile> ParseKeyFile(ByteView file);

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_KEY_FILE_FORMAT_H_
