// A secret's resource policy (API reference §2.17-2.20, §3.11).
#include <optional>

#include "service/access.h"
#include "service/internal/errors.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

iam::CompileOptions ResourceOptions(const OpContext& ctx) {
  return {iam::PolicyKind::kResource, ctx.state.info().account_id};
}

}  // namespace

Result<Outcome> PutResourcePolicy(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::string document, p.RequiredString("ResourcePolicy", 1, iam::kMaxResourcePolicyChars));
  ASSIGN_OR_RETURN(std::optional<bool> block_public, p.Bool("BlockPublicPolicy"));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  auto compiled = iam::Compile(document, ResourceOptions(ctx));
  if (!compiled.ok()) return MalformedPolicyError(compiled.status().message());
  if (block_public.value_or(false) && iam::GrantsPublicAccess(**compiled)) {
    return PublicPolicyError(
        "This resource policy grants access to every principal (Principal \"*\" without a "
        "narrowing Condition), and BlockPublicPolicy is set.");
  }
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto doc = out.fbb.CreateString(document);
  out.SetBody(schema::CreateResourcePolicyPut(out.fbb, arn, doc));
  out.response = SecretRef(*secret);
  return out;
}

Result<Outcome> GetResourcePolicy(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  Outcome out;
  out.SetBody(schema::CreateResourcePolicyRead(out.fbb, out.fbb.CreateString(secret->arn)));
  out.response = SecretRef(*secret);
  if (const projections::ResourcePolicy* policy = PoliciesOf(ctx.env).ResourcePolicyFor(secret->arn)) {
    out.response["ResourcePolicy"] = policy->document;
  }
  return out;
}

Result<Outcome> DeleteResourcePolicy(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  Outcome out;
  out.SetBody(schema::CreateResourcePolicyDeleted(out.fbb, out.fbb.CreateString(secret->arn)));
  out.response = SecretRef(*secret);
  return out;
}

Result<Outcome> ValidateResourcePolicy(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string document, p.RequiredString("ResourcePolicy", 1, iam::kMaxResourcePolicyChars));
  std::string arn;
  if (p.Has("SecretId")) {
    ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
    ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
    arn = secret->arn;
    ctx.resource = arn;
  }
  std::vector<iam::Finding> findings = iam::Validate(document, ResourceOptions(ctx));
  Json errors = Json::array();
  for (const iam::Finding& f : findings) {
    errors.push_back({{"CheckName", f.check_name}, {"ErrorMessage", f.message}});
  }
  Outcome out;
  out.SetBody(schema::CreateResourcePolicyValidated(out.fbb, out.fbb.CreateString(arn), findings.empty(),
                                                    static_cast<uint32_t>(findings.size())));
  out.response = {{"PolicyValidationPassed", findings.empty()}, {"ValidationErrors", std::move(errors)}};
  return out;
}

}  // namespace cairn::service::internal
