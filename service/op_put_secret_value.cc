// PutSecretValue (API reference §2.4, labels §3.2, idempotency §3.3).
#include <algorithm>
#include <optional>

#include "service/internal/errors.h"
#include "service/internal/new_version.h"
#include "service/internal/ops.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

Status ValidateRotationToken(const Params& p) {
  ASSIGN_OR_RETURN(std::optional<std::string> token, p.String("RotationToken", 36, 256));
  if (token.has_value() && !std::all_of(token->begin(), token->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      })) {
    return InvalidArgumentError("Invalid RotationToken: must contain only letters, digits and -");
  }
  return Status::Ok();
}

Json PutResponse(const projections::Secret& secret, const std::string& version_id,
                 const std::vector<std::string>& stages) {
  return {{"ARN", secret.arn},
          {"Name", secret.name},
          {"VersionId", version_id},
          {"VersionStages", stages}};
}

}  // namespace

Result<Outcome> PutSecretValue(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<std::string> token, ReadClientRequestToken(p));
  ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> stages, ReadVersionStages(p));
  RETURN_IF_ERROR(ValidateRotationToken(p));
  ASSIGN_OR_RETURN(const SecretValue* value, ReadValue(ctx.request));
  if (value == nullptr)
    return InvalidArgumentError("You must provide either SecretString or SecretBinary.");
  if (!token.has_value()) return FailedPreconditionError(kMissingTokenMessage);
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;

  const projections::Version* existing = secret->FindVersion(*token);
  if (existing != nullptr && existing->kind != projections::ValueKind::kNone) {
    if (!SameValue(*existing, value->kind, ValueDigest(ctx.env.token_key, secret->arn, *token, *value))) {
      return AlreadyExistsError("You can't use ClientRequestToken " + *token +
                                " because that value is already in use for a version of secret " +
                                secret->arn + ".");
    }
    Outcome out;  // an exact replay: the request is ignored
    SetUnchanged(out, secret->arn, *token, "replay");
    out.response =
        PutResponse(*secret, *token,
                    std::vector<std::string>(existing->stages.begin(), existing->stages.end()));
    return out;
  }
  ASSIGN_OR_RETURN(
      NewVersion version,
      PrepareVersion(secret, secret->arn, *token,
                     stages.value_or(std::vector<std::string>{projections::kAwsCurrent}), *value,
                     ctx.env));
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto written = BuildVersionWritten(out.fbb, version);
  out.SetBody(schema::CreateSecretValuePut(out.fbb, arn, written));
  AddKeyWrites(secret->arn, version, out.key_writes);
  out.response = PutResponse(*secret, version.version_id, version.resulting_stages);
  return out;
}

}  // namespace cairn::service::internal
