// ListSecretVersionIds (API reference §2.9): versions oldest first; deprecated
// ones only with IncludeDeprecated, and then without a VersionStages key.
#include <algorithm>
#include <optional>

#include "service/internal/ops.h"
#include "service/internal/pagination.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

Json VersionEntry(const projections::Secret& secret, const projections::Version& v) {
  Json j = Json::object();
  j["VersionId"] = v.version_id;
  if (!v.stages.empty()) j["VersionStages"] = StagesJson(v);
  if (v.last_accessed_ms != 0) j["LastAccessedDate"] = EpochSeconds(v.last_accessed_ms);
  j["CreatedDate"] = EpochSeconds(v.created_ms);
  j["KmsKeyIds"] =
      Json::array({secret.kms_key_id.empty() ? "DefaultEncryptionKey" : secret.kms_key_id});
  return j;
}

}  // namespace

Result<Outcome> ListSecretVersionIds(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, p.Int("MaxResults", 1, 100));
  ASSIGN_OR_RETURN(std::optional<bool> include_deprecated, p.Bool("IncludeDeprecated"));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  Json query = {{"scope", "ListSecretVersionIds"},
                {"arn", secret->arn},
                {"includeDeprecated", include_deprecated.value_or(false)}};
  std::string text = query.dump();
  ASSIGN_OR_RETURN(uint64_t offset, ReadNextToken(p, ctx.env.token_key, text));

  std::vector<const projections::Version*> versions;
  for (const auto& [id, v] : secret->versions) {
    if (!v.stages.empty() || include_deprecated.value_or(false)) versions.push_back(&v);
  }
  std::sort(versions.begin(), versions.end(),
            [](const auto* a, const auto* b) { return a->created_order < b->created_order; });
  uint64_t end = std::min<uint64_t>(versions.size(), offset + max_results.value_or(100));
  Json list = Json::array();
  for (uint64_t i = offset; i < end; ++i) list.push_back(VersionEntry(*secret, *versions[i]));

  Outcome out;
  out.SetBody(schema::CreateSecretVersionIdsListed(out.fbb, out.fbb.CreateString(secret->arn),
                                                   static_cast<uint32_t>(list.size())));
  out.response["Versions"] = std::move(list);
  if (end < versions.size())
    out.response["NextToken"] = MakeNextToken(ctx.env.token_key, text, end);
  out.response["ARN"] = secret->arn;
  out.response["Name"] = secret->name;
  return out;
}

}  // namespace cairn::service::internal
