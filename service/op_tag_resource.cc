// TagResource and UntagResource (API reference §2.14-2.15).
#include <optional>
#include <set>

#include "service/internal/ops.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {

Result<Outcome> TagResource(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<TagList> tags, ReadTags(p));
  if (!tags.has_value()) return InvalidArgumentError("Missing required parameter Tags");
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  std::set<std::string> keys;
  for (const auto& [key, value] : secret->tags) keys.insert(key);
  for (const auto& [key, value] : *tags) keys.insert(key);
  if (keys.size() > kMaxTagsPerSecret) {
    return InvalidArgumentError("Invalid Tags: a secret can have at most 50 tags");
  }
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto tag_vector = TagVector(out.fbb, *tags);
  out.SetBody(schema::CreateSecretTagged(out.fbb, arn, tag_vector));
  return out;
}

Result<Outcome> UntagResource(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(auto keys, p.StringList("TagKeys", 0, SIZE_MAX, 1, 128));
  if (!keys.has_value()) return InvalidArgumentError("Missing required parameter TagKeys");
  for (const std::string& key : *keys) RETURN_IF_ERROR(ValidateTagKey(key));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto key_vector = StringVector(out.fbb, *keys);
  out.SetBody(schema::CreateSecretUntagged(out.fbb, arn, key_vector));
  return out;
}

}  // namespace cairn::service::internal
