#include "crypto/internal/key_file_io.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace cairn::crypto::internal {
namespace {

// Closes its descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Close() { return fd_ < 0 ? 0 : ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Status ErrnoStatus(int err, std::string_view what, const std::string& path) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError(std::move(message));
    case EEXIST:
      return AlreadyExistsError(std::move(message));
    case EACCES:
    case EPERM:
      return PermissionDeniedError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status WriteAll(int fd, ByteView bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot write", path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Moves tmp to path, failing with EEXIST rather than replacing a file.
int RenameNoReplace(const std::string& tmp, const std::string& path) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // The file system cannot rename without replacing: link(2) never replaces either.
  if (::link(tmp.c_str(), path.c_str()) != 0) return -1;
  ::unlink(tmp.c_str());
  return 0;
}

Status SyncDirectory(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "cannot fsync directory", dir);
  return Status::Ok();
}

Status WriteTemp(const std::string& tmp, int raw_fd, ByteView contents) {
  Fd fd(raw_fd);
  if (::fchmod(fd.get(), 0600) != 0) return ErrnoStatus(errno, "cannot chmod", tmp);
  RETURN_IF_ERROR(WriteAll(fd.get(), contents, tmp));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "cannot fsync", tmp);
  if (fd.Close() != 0) return ErrnoStatus(errno, "cannot close", tmp);
  return Status::Ok();
}

}  // namespace

Status CheckKeyFileAbsent(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    return AlreadyExistsError("key file " + path + " already exists");
  }
  if (errno != ENOENT) return ErrnoStatus(errno, "cannot stat key file", path);
  return Status::Ok();
}

Status WriteKeyFileBytes(const std::string& path, ByteView contents) {
  RETURN_IF_ERROR(CheckKeyFileAbsent(path));
  std::string tmp = path + ".tmp.XXXXXX";
  const int raw_fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // O_EXCL, mode 0600
  if (raw_fd < 0) return ErrnoStatus(errno, "cannot create a temporary file beside", path);
  Status status = WriteTemp(tmp, raw_fd, contents);
  if (status.ok() && RenameNoReplace(tmp, path) != 0) {
    status = errno == EEXIST ? AlreadyExistsError("key file " + path + " already exists")
                             : ErrnoStatus(errno, "cannot move the key file into place at", path);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(DirectoryOf(path));
}

Result<SecureBuffer> ReadKeyFileBytes(const std::string& path, size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return NotFoundError("key file " + path + " does not exist");
    return ErrnoStatus(errno, "cannot open key file", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "cannot stat key file", path);
  if (!S_ISREG(st.st_mode)) {
    return FailedPreconditionError("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError("key file " + path + " has mode " + mode +
                                   ", which lets group or other users access it; run chmod 600 " +
                                   path);
  }
  SecureBuffer buffer(max_size + 1);
  size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot read key file", path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_size) {
    return DataLossError("key file " + path + " is too large to be a Cairn key file");
  }
  return SecureBuffer(buffer.data(), got);
}

}  // namespace cairn::crypto::internal
