// The access check Decide runs before each operation (service/access.h): the
// call's action, resource and condition facts read from its parameters, the
// secret or principal it names resolved as the operation will resolve it.
#ifndef CAIRN_SERVICE_INTERNAL_AUTHORIZE_H_
#define CAIRN_SERVICE_INTERNAL_AUTHORIZE_H_

#include <optional>
#include <string>
#include <string_view>

#include "projections/secrets.h"
#include "service/access.h"
#include "service/internal/ops.h"
#include "service/internal/outcome.h"

namespace cairn::service::internal {

// Decides whether ctx.env.actor may make this call and records the decision
// in `audit.authorization`. Returns the AccessDenied decision to answer with
// when it may not; nullopt when it may (or when env.actor is null: no check).
std::optional<Decision> AuthorizeCall(OpContext& ctx, AuditFields& audit);

// Whether ctx.env.actor may perform `action` ("secretsmanager:DescribeSecret")
// on `secret`: the per-secret checks of ListSecrets and BatchGetSecretValue.
// Always true without an actor.
bool MayAccessSecret(const OpContext& ctx, std::string_view action, const projections::Secret& secret);

// The condition facts of a request on `secret` (may be null): name, id as
// given, VersionId, VersionStage, Description, aws:SourceIp, aws:CurrentTime.
// Tags are left to the caller. The context borrows from `secret`, `params`
// and the strings passed.
iam::RequestContext SecretContext(std::string_view action, std::string_view resource,
                                  const projections::Secret* secret, const Json& params,
                                  std::string_view source_ip, int64_t now_ms);

// What a SecretId names for access control: the secret if it exists (live or
// scheduled for deletion), else the name and ARN it would have
// ("<prefix><name>", no suffix), so a check reads the same either way.
struct SecretTarget {
  const projections::Secret* secret = nullptr;  // borrows from the view
  std::string name;
  std::string arn;
};
SecretTarget TargetOfSecretId(const projections::SecretsView& state, std::string_view secret_id);

// "arn:aws:iam::<account>:policy/<name>".
std::string PolicyArn(std::string_view account_id, std::string_view name);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_AUTHORIZE_H_
