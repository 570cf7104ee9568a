// CreatePrincipal and ListPrincipals (service/principals.h).
#include <optional>

#include "service/internal/enrol.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/principals.h"

namespace cairn::service::internal {
namespace {

constexpr size_t kMaxTagsPerPrincipal = 50;  // as for IAM users and roles

Json TagsJson(const std::vector<std::pair<std::string, std::string>>& tags) {
  Json out = Json::array();
  for (const auto& [key, value] : tags) out.push_back({{"Key", key}, {"Value", value}});
  return out;
}

Json AttachedPoliciesJson(const DecideEnv& env, const std::string& principal) {
  Json out = Json::array();
  if (env.policies == nullptr) return out;
  for (const std::string& name : env.policies->AttachedTo(principal)) out.push_back(name);
  return out;
}

Result<std::string> ReadPrincipalType(const Params& p) {
  ASSIGN_OR_RETURN(std::optional<std::string> type, p.String("PrincipalType", 0, SIZE_MAX));
  if (!type.has_value()) return std::string(projections::kPrincipalUser);
  if (*type != projections::kPrincipalUser && *type != projections::kPrincipalService) {
    return InvalidArgumentError("Invalid PrincipalType: must be User or Service");
  }
  return std::move(*type);
}

}  // namespace

Result<Outcome> EnrolPrincipal(const NewPrincipal& principal, const projections::LedgerInfo& info,
                               const projections::PrincipalsView& principals, int64_t now_ms,
                               std::string* resource) {
  RETURN_IF_ERROR(ValidatePrincipalName(principal.name));
  RETURN_IF_ERROR(ValidatePublicKey(principal.public_key));
  const std::string arn = PrincipalArn(info.account_id, principal.principal_type, principal.name);
  *resource = arn;
  if (principals.FindByName(principal.name) != nullptr) {
    return AlreadyExistsError("A principal named " + principal.name + " already exists.");
  }
  if (principals.FindByKey(principal.public_key) != nullptr) {
    return AlreadyExistsError("This public key is already enrolled.");
  }
  Outcome out;
  auto name = out.fbb.CreateString(principal.name);
  auto arn_offset = out.fbb.CreateString(arn);
  auto type = out.fbb.CreateString(principal.principal_type);
  auto key = out.fbb.CreateString(principal.public_key);
  auto tags = TagVector(out.fbb, principal.tags);
  out.SetBody(
      schema::CreatePrincipalCreated(out.fbb, name, arn_offset, type, key, tags, principal.admin));
  out.response = {{"Name", principal.name},
                  {"ARN", arn},
                  {"PublicKey", principal.public_key},
                  {"PrincipalType", principal.principal_type},
                  {"Admin", principal.admin},
                  {"CreatedDate", EpochSeconds(now_ms)}};
  return out;
}

Result<Outcome> CreatePrincipal(OpContext& ctx) {
  const Params& p = ctx.params;
  NewPrincipal principal;
  ASSIGN_OR_RETURN(principal.name, p.RequiredString("Name", 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidatePrincipalName(principal.name));
  ASSIGN_OR_RETURN(principal.public_key, p.RequiredString("PublicKey", 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidatePublicKey(principal.public_key));
  ASSIGN_OR_RETURN(principal.principal_type, ReadPrincipalType(p));
  ASSIGN_OR_RETURN(std::optional<bool> admin, p.Bool("Admin"));
  principal.admin = admin.value_or(false);
  const Json* tags = p.Find("Tags");
  if (tags != nullptr && tags->is_array() && tags->size() > kMaxTagsPerPrincipal) {
    return InvalidArgumentError("Invalid Tags: a principal can have at most 50 tags");
  }
  ASSIGN_OR_RETURN(std::optional<TagList> tag_list, ReadTags(p));
  principal.tags = tag_list.value_or(TagList{});
  return EnrolPrincipal(principal, ctx.state.info(), PrincipalsOf(ctx.env), ctx.env.now_ms,
                        &ctx.resource);
}

Result<Outcome> ListPrincipals(OpContext& ctx) {
  Json list = Json::array();
  for (const auto& [name, principal] : PrincipalsOf(ctx.env).principals()) {  // by name
    list.push_back({{"Name", principal.name},
                    {"ARN", principal.arn},
                    {"PublicKey", principal.public_key_z85},
                    {"PrincipalType", principal.principal_type},
                    {"Admin", principal.admin},
                    {"Enabled", principal.enabled},
                    {"AttachedPolicies", AttachedPoliciesJson(ctx.env, name)},
                    {"Tags", TagsJson(principal.tags)},
                    {"CreatedDate", EpochSeconds(principal.created_ms)}});
  }
  Outcome out;
  out.SetBody(schema::CreatePrincipalsListed(out.fbb, static_cast<uint32_t>(list.size())));
  out.response["Principals"] = std::move(list);
  return out;
}

}  // namespace cairn::service::internal
