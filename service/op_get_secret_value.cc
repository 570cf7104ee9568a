// GetSecretValue (API reference §2.2). Decide names the version; the engine
// opens it once the SecretValueRead event is durable. An expired AWSCURRENT
// value is refused (service/internal/expiry.h).
#include <optional>

#include "service/internal/expiry.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

Status ValueNotFound(const std::string& what, const std::string& id) {
  return NotFoundError("Secrets Manager can't find the specified secret value for " + what + ": " +
                       id);
}

}  // namespace

Result<const projections::Version*> SelectVersion(const projections::Secret& secret,
                                                  const std::optional<std::string>& version_id,
                                                  const std::optional<std::string>& version_stage) {
  const projections::Version* version = nullptr;
  if (version_id.has_value()) {
    version = secret.FindVersion(*version_id);
    if (version == nullptr) return ValueNotFound("VersionId", *version_id);
    if (version_stage.has_value() && version->stages.count(*version_stage) == 0) {
      return FailedPreconditionError(
          "You provided a VersionStage that is not associated to the provided VersionId.");
    }
  } else {
    std::string stage = version_stage.value_or(projections::kAwsCurrent);
    version = secret.VersionWithStage(stage);
    if (version == nullptr) return ValueNotFound("staging label", stage);
  }
  if (version->kind == projections::ValueKind::kNone)
    return ValueNotFound("VersionId", version->version_id);
  return version;
}

Json ValueEntryJson(const projections::Secret& secret, const projections::Version& version) {
  Json j = Json::object();
  j["ARN"] = secret.arn;
  j["Name"] = secret.name;
  j["VersionId"] = version.version_id;
  j["VersionStages"] = StagesJson(version);
  j["CreatedDate"] = EpochSeconds(version.created_ms);
  return j;
}

Result<Outcome> GetSecretValue(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<std::string> version_id, p.String("VersionId", 32, 64));
  ASSIGN_OR_RETURN(std::optional<std::string> version_stage, p.String("VersionStage", 1, 256));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  ASSIGN_OR_RETURN(const projections::Version* version,
                   SelectVersion(*secret, version_id, version_stage));
  RETURN_IF_ERROR(CheckNotExpired(*secret, *version, ctx.env.now_ms));

  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto id = out.fbb.CreateString(version->version_id);
  out.SetBody(schema::CreateSecretValueRead(out.fbb, arn, id));
  out.response = ValueEntryJson(*secret, *version);
  out.to_open.push_back(
      {0, secret->arn, version->version_id, version->value_seq, version->kek_version});
  return out;
}

}  // namespace cairn::service::internal
