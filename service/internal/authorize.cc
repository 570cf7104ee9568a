#include "service/internal/authorize.h"

#include <vector>

#include "service/internal/resolve.h"
#include "service/principals.h"

namespace cairn::service::internal {
namespace {

std::optional<std::string_view> StringMember(const Json& params, const char* name) {
  if (!params.is_object()) return std::nullopt;
  auto it = params.find(name);
  if (it == params.end() || !it->is_string()) return std::nullopt;
  return std::string_view(it->get_ref<const std::string&>());
}

// aws:SourceIp: the peer address of a daemon's caller; nothing for the
// embedded CLI, whose source is a process, not an address.
std::optional<std::string_view> SourceIp(const ledger::Actor& actor) {
  if (actor.principal_type != kActorPrincipal || actor.source.empty()) return std::nullopt;
  return std::string_view(actor.source);
}

// The request's Tags as aws:RequestTag and their keys as aws:TagKeys, or the
// TagKeys of UntagResource. Malformed members are left out: the operation
// refuses them after the check.
struct RequestTags {
  iam::Tags tags;
  std::vector<std::string> keys;
  bool has_tags = false;
  bool has_keys = false;
};

RequestTags ReadRequestTags(const Json& params) {
  RequestTags out;
  if (!params.is_object()) return out;
  auto tags = params.find("Tags");
  if (tags != params.end() && tags->is_array()) {
    out.has_tags = out.has_keys = true;
    for (const Json& tag : *tags) {
      if (!tag.is_object()) continue;
      auto key = tag.find("Key");
      auto value = tag.find("Value");
      if (key == tag.end() || !key->is_string()) continue;
      out.keys.push_back(key->get<std::string>());
      out.tags.emplace_back(key->get<std::string>(),
                            value != tag.end() && value->is_string() ? value->get<std::string>() : "");
    }
  }
  auto keys = params.find("TagKeys");
  if (keys != params.end() && keys->is_array()) {
    out.has_keys = true;
    for (const Json& key : *keys) {
      if (key.is_string()) out.keys.push_back(key.get<std::string>());
    }
  }
  return out;
}

// What a call is about: the resource it names, the secret if it names one
// that exists, and the text a denial names the resource by (the id as given,
// so a denial says nothing about whether the secret exists).
struct Target {
  std::string resource = "*";
  std::string shown = "*";
  const projections::Secret* secret = nullptr;
  std::string secret_name;
};

Target TargetOf(const OpContext& ctx) {
  Target t;
  const Json& params = ctx.request.params;
  const std::string& op = ctx.request.operation;
  const projections::LedgerInfo& info = ctx.state.info();
  if (op == "CreateSecret") {
    if (auto name = StringMember(params, "Name")) {
      t.secret_name = std::string(*name);
      t.resource = ArnPrefix(info) + t.secret_name;
      t.shown = t.secret_name;
    }
    return t;
  }
  if (auto id = StringMember(params, "SecretId")) {
    SecretTarget named = TargetOfSecretId(ctx.state, *id);
    t.secret = named.secret;
    t.secret_name = std::move(named.name);
    t.resource = std::move(named.arn);
    t.shown = std::string(id->substr(0, 2048));
    return t;
  }
  const bool on_principal = op == kCreatePrincipal || op == "UpdatePrincipal" ||
                            op == "RotatePrincipalKey" || op == "DeletePrincipal";
  const bool on_principal_by_member = op == "AttachPrincipalPolicy" || op == "DetachPrincipalPolicy" ||
                                      op == "SimulatePrincipalPolicy";
  if (on_principal || on_principal_by_member) {
    if (auto name = StringMember(params, on_principal ? "Name" : "PrincipalName")) {
      const projections::Principal* p = PrincipalsOf(ctx.env).FindByName(*name);
      std::string type(StringMember(params, "PrincipalType").value_or(projections::kPrincipalUser));
      t.resource = p != nullptr ? p->arn : PrincipalArn(info.account_id, type, *name);
      t.shown = t.resource;
    }
    return t;
  }
  if (op == kCreateAccessKey || op == kListAccessKeys || op == kUpdateAccessKey || op == kDeleteAccessKey) {
    const projections::PrincipalsView& principals = PrincipalsOf(ctx.env);
    std::optional<std::string_view> name = StringMember(params, "PrincipalName");
    if (!name.has_value()) {
      if (auto id = StringMember(params, "AccessKeyId")) {
        if (const projections::AccessKey* key = principals.FindAccessKey(*id)) name = key->principal;
      }
    }
    if (name.has_value()) {
      const projections::Principal* p = principals.FindByName(*name);
      t.resource = p != nullptr ? p->arn : PrincipalArn(info.account_id, projections::kPrincipalUser, *name);
      t.shown = t.resource;
    }
    return t;
  }
  if (op == "CreatePolicy" || op == "GetPolicy" || op == "DeletePolicy") {
    if (auto name = StringMember(params, "PolicyName")) {
      t.resource = PolicyArn(info.account_id, *name);
      t.shown = t.resource;
    }
  }
  return t;
}

}  // namespace

const projections::PrincipalsView& PrincipalsOf(const DecideEnv& env) {
  static const projections::PrincipalsView kNone;
  return env.principals != nullptr ? *env.principals : kNone;
}

const projections::PoliciesView& PoliciesOf(const DecideEnv& env) {
  static const projections::PoliciesView kNone;
  return env.policies != nullptr ? *env.policies : kNone;
}

SecretTarget TargetOfSecretId(const projections::SecretsView& state, std::string_view secret_id) {
  SecretTarget t;
  Result<const projections::Secret*> found = ResolveSecret(state, secret_id);
  if (found.ok()) {
    t.secret = *found;
    t.name = t.secret->name;
    t.arn = t.secret->arn;
  } else {
    t.name = NameFromSecretId(secret_id);
    t.arn = ArnPrefix(state.info()) + t.name;
  }
  return t;
}

std::string PolicyArn(std::string_view account_id, std::string_view name) {
  return "arn:aws:iam::" + std::string(account_id) + ":policy/" + std::string(name);
}

iam::RequestContext SecretContext(std::string_view action, std::string_view resource,
                                  const projections::Secret* secret, const Json& params,
                                  std::string_view source_ip, int64_t now_ms) {
  iam::RequestContext c;
  c.action = action;
  c.resource = resource;
  if (secret != nullptr) {
    c.resource_tags = &secret->tags;
    c.secret_name = secret->name;
  }
  c.secret_id = StringMember(params, "SecretId");
  c.version_id = StringMember(params, "VersionId");
  c.version_stage = StringMember(params, "VersionStage");
  c.description = StringMember(params, "Description");
  if (!source_ip.empty()) c.source_ip = source_ip;
  c.current_time_ms = now_ms;
  return c;
}

std::optional<Decision> AuthorizeCall(OpContext& ctx, AuditFields& audit) {
  const DecideEnv& env = ctx.env;
  if (env.actor == nullptr) return std::nullopt;
  const std::string action = ActionFor(ctx.request.operation);
  if (action.empty()) return std::nullopt;  // Decide refuses the unknown operation itself
  const Target target = TargetOf(ctx);
  const RequestTags request_tags = ReadRequestTags(ctx.request.params);
  iam::RequestContext context =
      SecretContext(action, target.resource, target.secret, ctx.request.params,
                    SourceIp(*env.actor).value_or(""), env.now_ms);
  if (!target.secret_name.empty()) context.secret_name = target.secret_name;
  if (request_tags.has_tags) context.request_tags = &request_tags.tags;
  if (request_tags.has_keys) context.tag_keys = &request_tags.keys;

  AccessDecision decision = DecideAccess(*env.actor, context,
                                         target.secret != nullptr ? target.secret->arn : "",
                                         PrincipalsOf(env), PoliciesOf(env));
  audit.authorization = decision;
  if (decision.allowed()) return std::nullopt;
  if (target.secret != nullptr) audit.resource = target.secret->arn;
  const projections::Principal* caller = PrincipalsOf(env).FindByName(env.actor->principal);
  context.resource = target.shown;
  std::string message = AccessDeniedMessage(caller != nullptr ? caller->arn : env.actor->principal,
                                            context, decision);
  return DeniedDecision(std::move(audit), action, std::move(message));
}

bool MayAccessSecret(const OpContext& ctx, std::string_view action, const projections::Secret& secret) {
  const DecideEnv& env = ctx.env;
  if (env.actor == nullptr) return true;
  iam::RequestContext context = SecretContext(action, secret.arn, &secret, Json::object(),
                                              SourceIp(*env.actor).value_or(""), env.now_ms);
  return DecideAccess(*env.actor, context, secret.arn, PrincipalsOf(env), PoliciesOf(env)).allowed();
}

}  // namespace cairn::service::internal
