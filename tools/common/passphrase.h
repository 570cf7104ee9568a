// Where a passphrase comes from: --passphrase-file, CAIRN_PASSPHRASE, or a
// prompt on the terminal (echo off). Trailing newlines of a file are dropped.
#ifndef CAIRN_TOOLS_COMMON_PASSPHRASE_H_
#define CAIRN_TOOLS_COMMON_PASSPHRASE_H_

#include <optional>
#include <string>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::tools {

// nullopt when neither a file nor the environment gives one.
Result<std::optional<crypto::SecureBuffer>> PassphraseFromFileOrEnv(const std::string& file);
// Prompts on /dev/tty; FailedPrecondition when there is no terminal.
Result<crypto::SecureBuffer> PromptPassphrase(const std::string& prompt);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_PASSPHRASE_H_
