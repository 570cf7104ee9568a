// CreateSecret (API reference §2.1, idempotency §3.3, deletion §3.5).
#include <optional>

#include "crypto/random.h"
#include "service/internal/errors.h"
#include "service/internal/new_version.h"
#include "service/internal/ops.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

// CreateSecret on a name already taken: an exact replay succeeds (§3.3).
Result<Outcome> CreateOnExisting(OpContext& ctx, const projections::Secret& secret,
                                 const std::optional<std::string>& token,
                                 const SecretValue* value) {
  ctx.resource = secret.arn;
  if (secret.scheduled_for_deletion()) {
    return FailedPreconditionError(
        "You can't create this secret because a secret with this name is already scheduled for "
        "deletion.");
  }
  const projections::Version* version = token.has_value() ? secret.FindVersion(*token) : nullptr;
  if (value == nullptr || version == nullptr ||
      !SameValue(*version, value->kind, ValueDigest(ctx.env.token_key, secret.arn, version->version_id, *value))) {
    return AlreadyExistsError("The operation failed because the secret " + secret.name +
                              " already exists.");
  }
  Outcome out;
  SetUnchanged(out, secret.arn, version->version_id, "replay");
  out.response = {{"ARN", secret.arn}, {"Name", secret.name}, {"VersionId", version->version_id}};
  return out;
}

Result<std::string> NewArn(const OpContext& ctx, const std::string& name) {
  if (ctx.env.rng == nullptr) return InternalError("the service has no random source");
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string arn =
        ArnPrefix(ctx.state.info()) + name + "-" + crypto::RandomAlnum(*ctx.env.rng, 6);
    if (ctx.state.FindByArn(arn) == nullptr) return arn;
  }
  return InternalError("could not draw an unused ARN suffix");
}

}  // namespace

Result<Outcome> CreateSecret(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("Name", 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidateName(name));
  ASSIGN_OR_RETURN(std::optional<std::string> token, ReadClientRequestToken(p));
  ASSIGN_OR_RETURN(std::optional<std::string> description, p.String("Description", 0, 2048));
  ASSIGN_OR_RETURN(std::optional<std::string> kms_key_id, p.String("KmsKeyId", 0, 2048));
  ASSIGN_OR_RETURN(std::optional<TagList> tags, ReadTags(p));
  ASSIGN_OR_RETURN(std::optional<std::string> type, p.String("Type", 0, 256));
  RETURN_IF_ERROR(p.Bool("ForceOverwriteReplicaSecret").status());  // meaningless without replicas
  ASSIGN_OR_RETURN(const SecretValue* value, ReadValue(ctx.request));
  RETURN_IF_ERROR(RejectReplicaRegions(p));
  if (type.has_value() && !type->empty()) {
    return FailedPreconditionError("Cairn does not support managed external secrets (Type)");
  }
  if (value != nullptr && !token.has_value()) return FailedPreconditionError(kMissingTokenMessage);

  if (const projections::Secret* existing = ctx.state.FindByName(name)) {
    return CreateOnExisting(ctx, *existing, token, value);
  }
  ASSIGN_OR_RETURN(std::string arn, NewArn(ctx, name));
  ctx.resource = arn;
  std::optional<NewVersion> version;
  if (value != nullptr) {
    ASSIGN_OR_RETURN(
        version, PrepareVersion(nullptr, arn, *token, {projections::kAwsCurrent}, *value, ctx.env));
  }

  Outcome out;
  auto arn_offset = out.fbb.CreateString(arn);
  auto name_offset = out.fbb.CreateString(name);
  auto description_offset = out.fbb.CreateString(description.value_or(""));
  auto kms_offset = out.fbb.CreateString(kms_key_id.value_or(""));
  auto tags_offset = TagVector(out.fbb, tags.value_or(TagList{}));
  flatbuffers::Offset<schema::VersionWritten> version_offset;
  if (version.has_value()) {
    version_offset = BuildVersionWritten(out.fbb, *version);
    AddKeyWrites(arn, *version, out.key_writes);
  }
  out.SetBody(schema::CreateSecretCreated(out.fbb, arn_offset, name_offset, description_offset,
                                          description.has_value(), kms_offset, tags_offset,
                                          version_offset));
  out.response = {{"ARN", arn}, {"Name", name}};
  if (version.has_value()) out.response["VersionId"] = version->version_id;
  return out;
}

}  // namespace cairn::service::internal
