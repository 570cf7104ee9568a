// SecretId resolution (API reference §3.1): a name, a full ARN, or a partial ARN
// (an ARN without the "-XXXXXX" suffix). ARNs must name this ledger's region and
// account.
#ifndef CAIRN_SERVICE_INTERNAL_RESOLVE_H_
#define CAIRN_SERVICE_INTERNAL_RESOLVE_H_

#include <string>
#include <string_view>

#include "crypto/status.h"
#include "projections/secrets.h"

namespace cairn::service::internal {

// The secret `secret_id` names (live or scheduled for deletion), or
// ResourceNotFoundException. The pointer borrows from `state`.
Result<const projections::Secret*> ResolveSecret(const projections::SecretsView& state,
                                                 std::string_view secret_id);

// Like ResolveSecret, then InvalidRequestException if the secret is scheduled
// for deletion (reads, writes and tags, §3.5).
Result<const projections::Secret*> ResolveLiveSecret(const projections::SecretsView& state,
                                                     std::string_view secret_id);

// "arn:aws:secretsmanager:<region>:<account>:secret:" for this ledger.
std::string ArnPrefix(const projections::LedgerInfo& info);

// For an ARN "…:secret:<resource>": <resource> without a "-XXXXXX" suffix; for
// anything else the id itself. Used to answer for secrets that do not exist.
std::string NameFromSecretId(std::string_view secret_id);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_RESOLVE_H_
