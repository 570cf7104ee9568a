// The three Secrets Manager calls a rotation step makes, behind functions so
// the steps run against Cairn (RemoteSecretStore: the handler's own Remote)
// or, in tests, an in-memory map. Values travel in wiped buffers.
#ifndef CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_SECRET_STORE_H_
#define CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_SECRET_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "tools/common/remote.h"

namespace cairn::tools::rotate_postgres {

struct SecretStore {
  // GetSecretValue {SecretId, VersionId (if not ""), VersionStage}: the
  // SecretString. NotFound when that version has no value (the pending
  // placeholder before createSecret) or does not exist.
  std::function<Result<crypto::SecureBuffer>(const std::string& secret_id, const std::string& version_id,
                                             const std::string& version_stage)>
      get_secret_value;
  // PutSecretValue {SecretId, ClientRequestToken, SecretString, VersionStages}.
  std::function<Status(const std::string& secret_id, const std::string& token,
                       const crypto::SecureBuffer& value, const std::vector<std::string>& stages)>
      put_secret_value;
  // GetRandomPassword {PasswordLength, ExcludeCharacters}.
  std::function<Result<crypto::SecureBuffer>(int64_t length, const std::string& exclude_characters)>
      get_random_password;
};

// The calls made through `remote` (borrowed: it must outlive the store). An
// AWS error becomes a Status of the same meaning with the service's message
// (ResourceNotFoundException -> NotFound, ...).
SecretStore RemoteSecretStore(Remote& remote);

}  // namespace cairn::tools::rotate_postgres

#endif  // CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_SECRET_STORE_H_
