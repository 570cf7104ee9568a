#include "tools/common/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace cairn::tools {
namespace {

crypto::SecureBuffer TrimNewlines(std::string& text) {
  size_t n = text.size();
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) --n;
  crypto::SecureBuffer out(reinterpret_cast<const uint8_t*>(text.data()), n);
  crypto::SecureWipe(text);
  return out;
}

}  // namespace

Result<std::optional<crypto::SecureBuffer>> PassphraseFromFileOrEnv(const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return NotFoundError("cannot read passphrase file " + file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    crypto::SecureBuffer p = TrimNewlines(text);
    if (p.empty()) return InvalidArgumentError("passphrase file " + file + " is empty");
    return std::optional<crypto::SecureBuffer>(std::move(p));
  }
  if (const char* env = std::getenv("CAIRN_PASSPHRASE"); env != nullptr && *env != '\0') {
    std::string text(env);
    return std::optional<crypto::SecureBuffer>(TrimNewlines(text));
  }
  return std::optional<crypto::SecureBuffer>();
}

Result<crypto::SecureBuffer> PromptPassphrase(const std::string& prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return FailedPreconditionError(
        "the key file is sealed under a passphrase; give --passphrase-file or CAIRN_PASSPHRASE");
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old_attr{};
  bool restore = ::tcgetattr(fd, &old_attr) == 0;
  if (restore) {
    termios quiet = old_attr;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string text;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') text.push_back(c);
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &old_attr);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return TrimNewlines(text);
}

}  // namespace cairn::tools
