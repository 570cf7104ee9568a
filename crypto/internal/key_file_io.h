// File I/O for master key files: a private, atomic, no-replace write and a
// read that refuses files other users could read. POSIX only. Thread-safe.
#ifndef CAIRN_CRYPTO_INTERNAL_KEY_FILE_IO_H_
#define CAIRN_CRYPTO_INTERNAL_KEY_FILE_IO_H_

#include <string>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto::internal {

// AlreadyExists("key file <path> already exists") if something is at `path`.
Status CheckKeyFileAbsent(const std::string& path);

// Writes `contents` to a fresh mode-0600 temporary file beside `path` (O_EXCL),
// fsyncs it, moves it to `path` without ever replacing an existing file, and
// fsyncs the directory. AlreadyExists if `path` exists; NotFound if the
// directory does not; PermissionDenied or Internal for other I/O failures.
Status WriteKeyFileBytes(const std::string& path, ByteView contents);

// Reads the file at `path` (at most `max_size` bytes). NotFound("key file
// <path> does not exist"); FailedPrecondition if it is not a regular file or
// its mode grants any group/other access; DataLoss if it is larger than max_size.
Result<SecureBuffer> ReadKeyFileBytes(const std::string& path, size_t max_size);

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_KEY_FILE_IO_H_
