// Access control's operations (service/access.h): principals' lifecycle,
// identity policies and their attachments, and the policy simulator.
#include <algorithm>
#include <optional>

#include "service/access.h"
#include "service/internal/authorize.h"
#include "service/internal/errors.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/principals.h"

namespace cairn::service::internal {
namespace {

// IAM's quota of managed policies per user or role, raised to its maximum.
constexpr size_t kMaxPoliciesPerPrincipal = 20;
constexpr size_t kMaxPolicyDescription = 1000;
constexpr size_t kMaxContextEntries = 50;

Result<const projections::Principal*> FindPrincipal(const OpContext& ctx, std::string_view member) {
  ASSIGN_OR_RETURN(std::string name, ctx.params.RequiredString(member, 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidatePrincipalName(name));
  const projections::Principal* p = PrincipalsOf(ctx.env).FindByName(name);
  if (p == nullptr) return NotFoundError("Cairn can't find a principal named " + name + ".");
  return p;
}

// IAM's policy names: 1-128 characters of [A-Za-z0-9+=,.@_-].
Status ValidatePolicyName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return ValidationError("Invalid PolicyName. Must be between 1 and 128 characters long");
  }
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
    if (!ok) {
      return ValidationError(
          "Invalid PolicyName. Must contain only alphanumeric characters or any of the following: +=,.@_-");
    }
  }
  return Status::Ok();
}

Result<std::string> ReadPolicyName(const Params& p) {
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("PolicyName", 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidatePolicyName(name));
  return name;
}

Result<const projections::Policy*> FindPolicy(const OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string name, ReadPolicyName(ctx.params));
  const projections::Policy* policy = PoliciesOf(ctx.env).FindPolicy(name);
  if (policy == nullptr) return NotFoundError("Cairn can't find a policy named " + name + ".");
  return policy;
}

size_t EnabledAdmins(const projections::PrincipalsView& principals) {
  size_t n = 0;
  for (const auto& [name, p] : principals.principals()) n += p.enabled && p.admin ? 1 : 0;
  return n;
}

// Refuses a change that leaves no enabled administrator behind.
Status KeepAnAdministrator(const projections::PrincipalsView& principals,
                           const projections::Principal& p, bool still_admin) {
  if (p.enabled && p.admin && !still_admin && EnabledAdmins(principals) == 1) {
    return FailedPreconditionError("Principal " + p.name +
                                   " is the last enabled administrator; enrol or enable another "
                                   "administrator first, or nobody could manage Cairn");
  }
  return Status::Ok();
}

Json PolicyJson(const projections::Policy& policy, size_t attachments, bool with_document) {
  Json j = {{"PolicyName", policy.name}, {"Arn", policy.arn}};
  if (!policy.description.empty()) j["Description"] = policy.description;
  j["CreateDate"] = EpochSeconds(policy.created_ms);
  j["AttachmentCount"] = attachments;
  if (with_document) j["PolicyDocument"] = policy.document;
  return j;
}

// The facts SimulatePrincipalPolicy's ContextEntries supply.
struct SimulatedFacts {
  std::optional<std::string> source_ip, version_id, version_stage, description;
  std::optional<int64_t> now_ms;
  iam::Tags request_tags;
  std::vector<std::string> tag_keys;
  bool has_request_tags = false;
  bool has_tag_keys = false;
};

Result<SimulatedFacts> ReadContextEntries(const Params& p) {
  SimulatedFacts facts;
  const Json* entries = p.Find("ContextEntries");
  if (entries == nullptr) return facts;
  if (!entries->is_array() || entries->size() > kMaxContextEntries) {
    return InvalidArgumentError("Invalid ContextEntries: a list of at most 50 {ContextKeyName, ContextKeyValues}");
  }
  for (const Json& entry : *entries) {
    Params e(entry);
    if (!entry.is_object()) return InvalidArgumentError("Invalid ContextEntries: each entry must be an object");
    ASSIGN_OR_RETURN(std::string key, e.RequiredString("ContextKeyName", 1, 256));
    ASSIGN_OR_RETURN(auto values, e.StringList("ContextKeyValues", 1, 50, 0, 2048));
    if (!values.has_value()) return InvalidArgumentError("Invalid ContextEntries: " + key + " has no ContextKeyValues");
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto single = [&](std::optional<std::string>& slot) -> Status {
      if (values->size() != 1) return InvalidArgumentError("Invalid ContextEntries: " + key + " takes one value");
      slot = values->front();
      return Status::Ok();
    };
    if (lower == "aws:sourceip") {
      RETURN_IF_ERROR(single(facts.source_ip));
    } else if (lower == "secretsmanager:versionid") {
      RETURN_IF_ERROR(single(facts.version_id));
    } else if (lower == "secretsmanager:versionstage") {
      RETURN_IF_ERROR(single(facts.version_stage));
    } else if (lower == "secretsmanager:description") {
      RETURN_IF_ERROR(single(facts.description));
    } else if (lower == "aws:currenttime") {
      std::optional<std::string> text;
      RETURN_IF_ERROR(single(text));
      facts.now_ms = ParseTimeMs(*text);
      if (!facts.now_ms) {
        return InvalidArgumentError("Invalid ContextEntries: aws:CurrentTime must be like 2026-11-23T10:00:00Z");
      }
    } else if (lower.starts_with("aws:requesttag/") && key.size() > 15) {
      if (values->size() != 1) return InvalidArgumentError("Invalid ContextEntries: " + key + " takes one value");
      facts.has_request_tags = true;
      facts.request_tags.emplace_back(key.substr(15), values->front());
    } else if (lower == "aws:tagkeys") {
      facts.has_tag_keys = true;
      facts.tag_keys = *values;
    } else {
      return InvalidArgumentError("Invalid ContextEntries: Cairn does not simulate the context key " +
                                  key.substr(0, 128) +
                                  " (supported: aws:SourceIp, aws:CurrentTime, aws:RequestTag/<key>, "
                                  "aws:TagKeys, secretsmanager:VersionId, secretsmanager:VersionStage, "
                                  "secretsmanager:Description)");
    }
  }
  return facts;
}

// The known action `name` names (case-insensitively), or InvalidParameterException.
Result<std::string> ReadActionName(const Params& p) {
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("ActionName", 1, 128));
  for (std::string_view known : iam::KnownActions()) {
    if (known.size() == name.size() &&
        std::equal(known.begin(), known.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return std::string(known);
    }
  }
  return InvalidArgumentError("Invalid ActionName: " + name.substr(0, 128) +
                              " is not an action Cairn knows (e.g. secretsmanager:GetSecretValue, cairn:ReadAuditLog)");
}

std::string_view EvalDecisionName(iam::Verdict verdict) {
  switch (verdict) {
    case iam::Verdict::kAllow:
      return "allowed";
    case iam::Verdict::kExplicitDeny:
      return "explicitDeny";
    case iam::Verdict::kImplicitDeny:
      break;
  }
  return "implicitDeny";
}

}  // namespace

Result<Outcome> UpdatePrincipal(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* p, FindPrincipal(ctx, "Name"));
  ctx.resource = p->arn;
  ASSIGN_OR_RETURN(std::optional<bool> enabled, ctx.params.Bool("Enabled"));
  ASSIGN_OR_RETURN(std::optional<bool> admin, ctx.params.Bool("Admin"));
  const bool new_enabled = enabled.value_or(p->enabled);
  const bool new_admin = admin.value_or(p->admin);
  RETURN_IF_ERROR(KeepAnAdministrator(PrincipalsOf(ctx.env), *p, new_enabled && new_admin));
  Outcome out;
  out.SetBody(schema::CreatePrincipalUpdated(out.fbb, out.fbb.CreateString(p->name), new_enabled, new_admin));
  out.response = {{"Name", p->name}, {"ARN", p->arn}, {"Enabled", new_enabled}, {"Admin", new_admin}};
  return out;
}

Result<Outcome> RotatePrincipalKey(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* p, FindPrincipal(ctx, "Name"));
  ctx.resource = p->arn;
  ASSIGN_OR_RETURN(std::string key, ctx.params.RequiredString("PublicKey", 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidatePublicKey(key));
  if (PrincipalsOf(ctx.env).FindByKey(key) != nullptr) {
    return AlreadyExistsError("This public key is already enrolled.");
  }
  Outcome out;
  auto name = out.fbb.CreateString(p->name);
  auto key_offset = out.fbb.CreateString(key);
  out.SetBody(schema::CreatePrincipalKeyRotated(out.fbb, name, key_offset));
  out.response = {{"Name", p->name}, {"ARN", p->arn}, {"PublicKey", key}};
  return out;
}

Result<Outcome> DeletePrincipal(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* p, FindPrincipal(ctx, "Name"));
  ctx.resource = p->arn;
  RETURN_IF_ERROR(KeepAnAdministrator(PrincipalsOf(ctx.env), *p, /*still_admin=*/false));
  Outcome out;
  std::vector<std::string> key_ids;  // its access keys go with it, crypto-shredded
  for (const projections::AccessKey* key : PrincipalsOf(ctx.env).AccessKeysOf(p->name)) {
    key_ids.push_back(key->id);
    out.key_writes.Delete(ledger::Family::kKeys, AccessKeyEntryKey(key->id));
  }
  auto name = out.fbb.CreateString(p->name);
  auto keys = StringVector(out.fbb, key_ids);
  out.SetBody(schema::CreatePrincipalDeleted(out.fbb, name, keys));
  out.response = {{"Name", p->name}, {"ARN", p->arn}};
  return out;
}

Result<Outcome> CreatePolicy(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string name, ReadPolicyName(p));
  const std::string arn = PolicyArn(ctx.state.info().account_id, name);
  ctx.resource = arn;
  ASSIGN_OR_RETURN(std::string document, p.RequiredString("PolicyDocument", 1, 131072));
  ASSIGN_OR_RETURN(std::optional<std::string> description, p.String("Description", 0, kMaxPolicyDescription));
  if (PoliciesOf(ctx.env).FindPolicy(name) != nullptr) {
    return AlreadyExistsError("A policy called " + name + " already exists.");
  }
  auto compiled = iam::Compile(document, {iam::PolicyKind::kIdentity, ctx.state.info().account_id});
  if (!compiled.ok()) return MalformedPolicyError(compiled.status().message());

  Outcome out;
  auto n = out.fbb.CreateString(name);
  auto a = out.fbb.CreateString(arn);
  auto d = out.fbb.CreateString(description.value_or(""));
  auto doc = out.fbb.CreateString(document);
  out.SetBody(schema::CreatePolicyCreated(out.fbb, n, a, d, doc));
  projections::Policy shown{name, arn, description.value_or(""), document, ctx.env.now_ms, nullptr};
  out.response["Policy"] = PolicyJson(shown, 0, /*with_document=*/false);
  return out;
}

Result<Outcome> GetPolicy(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Policy* policy, FindPolicy(ctx));
  ctx.resource = policy->arn;
  Outcome out;
  out.SetBody(schema::CreatePolicyRead(out.fbb, out.fbb.CreateString(policy->name)));
  out.response["Policy"] =
      PolicyJson(*policy, PoliciesOf(ctx.env).AttachmentCount(policy->name), /*with_document=*/true);
  return out;
}

Result<Outcome> ListPolicies(OpContext& ctx) {
  const projections::PoliciesView& policies = PoliciesOf(ctx.env);
  Json list = Json::array();
  for (const auto& [name, policy] : policies.policies()) {
    list.push_back(PolicyJson(policy, policies.AttachmentCount(name), /*with_document=*/false));
  }
  Outcome out;
  out.SetBody(schema::CreatePoliciesListed(out.fbb, static_cast<uint32_t>(list.size())));
  out.response["Policies"] = std::move(list);
  return out;
}

Result<Outcome> DeletePolicy(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Policy* policy, FindPolicy(ctx));
  ctx.resource = policy->arn;
  const size_t attached = PoliciesOf(ctx.env).AttachmentCount(policy->name);
  if (attached > 0) {
    return FailedPreconditionError("Cannot delete policy " + policy->name + ": it is attached to " +
                                   std::to_string(attached) + " principal(s); detach it first.");
  }
  Outcome out;
  out.SetBody(schema::CreatePolicyDeleted(out.fbb, out.fbb.CreateString(policy->name)));
  out.response = {{"PolicyName", policy->name}, {"Arn", policy->arn}};
  return out;
}

Result<Outcome> AttachPrincipalPolicy(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* principal, FindPrincipal(ctx, "PrincipalName"));
  ctx.resource = principal->arn;
  ASSIGN_OR_RETURN(const projections::Policy* policy, FindPolicy(ctx));
  const auto& attached = PoliciesOf(ctx.env).AttachedTo(principal->name);
  if (!attached.contains(policy->name) && attached.size() >= kMaxPoliciesPerPrincipal) {
    return ResourceExhaustedError("Principal " + principal->name + " has " +
                                  std::to_string(attached.size()) +
                                  " policies attached, the most it may have.");
  }
  Outcome out;
  auto pr = out.fbb.CreateString(principal->name);
  auto po = out.fbb.CreateString(policy->name);
  out.SetBody(schema::CreatePrincipalPolicyAttached(out.fbb, pr, po));
  out.response = {{"PrincipalName", principal->name}, {"PolicyName", policy->name}};
  return out;
}

Result<Outcome> DetachPrincipalPolicy(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* principal, FindPrincipal(ctx, "PrincipalName"));
  ctx.resource = principal->arn;
  ASSIGN_OR_RETURN(std::string policy, ReadPolicyName(ctx.params));
  if (!PoliciesOf(ctx.env).AttachedTo(principal->name).contains(policy)) {
    return NotFoundError("Policy " + policy + " is not attached to principal " + principal->name + ".");
  }
  Outcome out;
  auto pr = out.fbb.CreateString(principal->name);
  auto po = out.fbb.CreateString(policy);
  out.SetBody(schema::CreatePrincipalPolicyDetached(out.fbb, pr, po));
  out.response = {{"PrincipalName", principal->name}, {"PolicyName", policy}};
  return out;
}

Result<Outcome> SimulatePrincipalPolicy(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(const projections::Principal* principal, FindPrincipal(ctx, "PrincipalName"));
  ctx.resource = principal->arn;
  ASSIGN_OR_RETURN(std::string action, ReadActionName(p));
  ASSIGN_OR_RETURN(std::optional<std::string> secret_id, p.String("SecretId", 1, 2048));
  ASSIGN_OR_RETURN(SimulatedFacts facts, ReadContextEntries(p));

  const projections::Secret* secret = nullptr;
  std::string resource = "*";
  std::string secret_name;
  if (secret_id.has_value()) {
    SecretTarget named = TargetOfSecretId(ctx.state, *secret_id);
    secret = named.secret;
    resource = std::move(named.arn);
    secret_name = std::move(named.name);
  }
  const std::string source_ip = facts.source_ip.value_or("");  // the context borrows it
  iam::RequestContext context =
      SecretContext(action, resource, secret, Json::object(), source_ip, facts.now_ms.value_or(ctx.env.now_ms));
  if (!secret_name.empty()) context.secret_name = secret_name;
  if (secret_id.has_value()) context.secret_id = *secret_id;
  if (facts.version_id) context.version_id = *facts.version_id;
  if (facts.version_stage) context.version_stage = *facts.version_stage;
  if (facts.description) context.description = *facts.description;
  if (facts.has_request_tags) context.request_tags = &facts.request_tags;
  if (facts.has_tag_keys) context.tag_keys = &facts.tag_keys;

  ledger::Actor as{principal->name, kActorPrincipal, facts.source_ip.value_or(""), "", ""};
  AccessDecision decision = DecideAccess(as, context, secret != nullptr ? secret->arn : "",
                                         PrincipalsOf(ctx.env), PoliciesOf(ctx.env));
  Json matched = Json::array();
  if (!decision.policy.empty()) {
    matched.push_back({{"SourcePolicyId", decision.policy}, {"StatementId", decision.statement}});
  }
  Outcome out;
  auto pr = out.fbb.CreateString(principal->name);
  auto ac = out.fbb.CreateString(action);
  auto re = out.fbb.CreateString(resource);
  auto de = out.fbb.CreateString(iam::VerdictName(decision.verdict));
  auto po = out.fbb.CreateString(decision.policy);
  auto st = out.fbb.CreateString(decision.statement);
  out.SetBody(schema::CreatePolicySimulated(out.fbb, pr, ac, re, de, po, st));
  out.response["EvaluationResults"] = Json::array({{{"EvalActionName", action},
                                                    {"EvalResourceName", resource},
                                                    {"EvalDecision", EvalDecisionName(decision.verdict)},
                                                    {"MatchedStatements", std::move(matched)}}});
  return out;
}

}  // namespace cairn::service::internal
