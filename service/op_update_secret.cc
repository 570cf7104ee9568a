// UpdateSecret (API reference §2.5): metadata, a new AWSCURRENT value, or both,
// in one event.
#include <optional>

#include "service/internal/errors.h"
#include "service/internal/new_version.h"
#include "service/internal/ops.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {

Result<Outcome> UpdateSecret(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<std::string> token, ReadClientRequestToken(p));
  ASSIGN_OR_RETURN(std::optional<std::string> description, p.String("Description", 0, 2048));
  ASSIGN_OR_RETURN(std::optional<std::string> kms_key_id, p.String("KmsKeyId", 0, 2048));
  ASSIGN_OR_RETURN(std::optional<std::string> type, p.String("Type", 0, 256));
  ASSIGN_OR_RETURN(const SecretValue* value, ReadValue(ctx.request));
  if (type.has_value() && !type->empty()) {
    return FailedPreconditionError("Cairn does not support managed external secrets (Type)");
  }
  if (value != nullptr && !token.has_value()) return FailedPreconditionError(kMissingTokenMessage);
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;

  std::optional<NewVersion> version;
  if (value != nullptr) {
    if (secret->FindVersion(*token) != nullptr) {
      return AlreadyExistsError(
          "You can't modify an existing version, you can only create new versions. "
          "ClientRequestToken " +
          *token + " is already in use for a version of secret " + secret->arn + ".");
    }
    ASSIGN_OR_RETURN(version, PrepareVersion(secret, secret->arn, *token,
                                             {projections::kAwsCurrent}, *value, ctx.env));
  }
  bool metadata = description.has_value() || kms_key_id.has_value();

  Outcome out;
  out.response = {{"ARN", secret->arn}, {"Name", secret->name}};
  if (!metadata && !version.has_value()) {
    SetUnchanged(out, secret->arn, "", "no-change");
    return out;
  }
  auto arn = out.fbb.CreateString(secret->arn);
  flatbuffers::Offset<schema::VersionWritten> written;
  if (version.has_value()) {
    written = BuildVersionWritten(out.fbb, *version);
    AddKeyWrites(secret->arn, *version, out.key_writes);
    out.response["VersionId"] = version->version_id;
  }
  if (!metadata) {
    out.SetBody(schema::CreateSecretValuePut(out.fbb, arn, written));
    return out;
  }
  auto description_offset = out.fbb.CreateString(description.value_or(""));
  auto kms_offset = out.fbb.CreateString(kms_key_id.value_or(""));
  out.SetBody(schema::CreateSecretMetadataUpdated(out.fbb, arn, description_offset,
                                                  description.has_value(), kms_offset,
                                                  kms_key_id.has_value(), written));
  return out;
}

}  // namespace cairn::service::internal
