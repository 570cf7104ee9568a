#include "crypto/master_key.h"

#include <array>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/internal/cryptopp_adapter.h"
#include "crypto/internal/key_file_format.h"
#include "crypto/internal/key_file_io.h"
#include "crypto/internal/master_id.h"

namespace cairn::crypto {
namespace {

using internal::KeyFileKind;

Result<SecureBuffer> DeriveFileKey(const SecureBuffer& passphrase, ByteView salt,
                                   const ScryptParams& params) {
  SecureBuffer key(kAeadKeySize);
  RETURN_IF_ERROR(internal::Scrypt(passphrase.view(), salt, params.n, params.r, params.p,
                                   key.data(), key.size()));
  return key;
}

Result<std::vector<uint8_t>> EncodeSealedFile(const SecureBuffer& master_key,
                                              const SecureBuffer& passphrase, RandomSource& rng,
                                              const ScryptParams& params) {
  if (passphrase.empty()) return InvalidArgumentError("passphrase must not be empty");
  RETURN_IF_ERROR(internal::ValidateScryptParams(params));
  std::array<uint8_t, internal::kKeyFileSaltSize> salt{};
  rng.Fill(salt.data(), salt.size());
  const std::vector<uint8_t> header = internal::EncodeScryptHeader(params, salt);
  ASSIGN_OR_RETURN(const SecureBuffer file_key, DeriveFileKey(passphrase, salt, params));
  ASSIGN_OR_RETURN(const std::vector<uint8_t> sealed,
                   AeadSeal(file_key, master_key.view(), header, rng));
  return internal::EncodeScryptKeyFile(header, sealed);
}

Result<internal::ParsedKeyFile> ParseAt(const std::string& path, ByteView bytes) {
  Result<internal::ParsedKeyFile> parsed = internal::ParseKeyFile(bytes);
  if (!parsed.ok()) return parsed.status().WithContext("key file " + path);
  return parsed;
}

}  // namespace

SecureBuffer NewMasterKey(RandomSource& rng) {
  SecureBuffer key(kMasterKeySize);
  rng.Fill(key.data(), key.size());
  return key;
}

Status WriteMasterKeyFile(const std::string& path, const SecureBuffer& master_key,
                          const SecureBuffer* passphrase, RandomSource& rng, ScryptParams params) {
  if (master_key.size() != kMasterKeySize) {
    return InvalidArgumentError("master key must be 32 bytes");
  }
  RETURN_IF_ERROR(internal::CheckKeyFileAbsent(path));  // fail before the slow KDF
  if (passphrase == nullptr) {
    const SecureBuffer file = internal::EncodePlainKeyFile(master_key);
    return internal::WriteKeyFileBytes(path, file.view());
  }
  ASSIGN_OR_RETURN(const std::vector<uint8_t> file,
                   EncodeSealedFile(master_key, *passphrase, rng, params));
  return internal::WriteKeyFileBytes(path, file);
}

Result<SecureBuffer> ReadMasterKeyFile(const std::string& path, const SecureBuffer* passphrase) {
  ASSIGN_OR_RETURN(const SecureBuffer bytes,
                   internal::ReadKeyFileBytes(path, internal::kKeyFileMaxSize));
  ASSIGN_OR_RETURN(internal::ParsedKeyFile parsed, ParseAt(path, bytes.view()));
  // A passphrase given for a plain file is ignored: there is nothing to unseal.
  if (parsed.kind == KeyFileKind::kPlain) return std::move(parsed.plain_key);
  if (passphrase == nullptr) {
    return FailedPreconditionError("key file " + path +
                                   " is sealed with a passphrase, and none was given");
  }
  ASSIGN_OR_RETURN(const SecureBuffer file_key,
                   DeriveFileKey(*passphrase, parsed.salt, parsed.params));
  // The checksum already passed, so the bytes are intact: a failure here means
  // the passphrase is wrong.
  Result<SecureBuffer> master = AeadOpen(file_key, parsed.sealed_key, parsed.header);
  if (!master.ok()) return PermissionDeniedError("wrong passphrase for key file " + path);
  if (master->size() != kMasterKeySize) return DataLossError("key file " + path + " is corrupt");
  return master;
}

Result<bool> MasterKeyFileNeedsPassphrase(const std::string& path) {
  ASSIGN_OR_RETURN(const SecureBuffer bytes,
                   internal::ReadKeyFileBytes(path, internal::kKeyFileMaxSize));
  ASSIGN_OR_RETURN(const internal::ParsedKeyFile parsed, ParseAt(path, bytes.view()));
  return parsed.kind == KeyFileKind::kScrypt;
}

std::string MasterKeyId(const SecureBuffer& master_key) {
  return ToHex(internal::MasterIdOf(master_key));
}

}  // namespace cairn::crypto
