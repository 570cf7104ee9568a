#include "projections/iam/policy.h"

#include "projections/iam/internal/actions.h"
#include "projections/iam/internal/compiled.h"
#include "projections/iam/internal/condition.h"
#include "projections/iam/internal/parser.h"
#include "projections/iam/internal/principal.h"
#include "projections/iam/internal/text.h"

namespace cairn::iam {
namespace {

using internal::Statement;

bool PatternMatches(const internal::ResourcePattern& r, std::string_view text) {
  const std::string_view pattern = r.pattern;
  if (r.exact) return text == pattern;
  if (text.size() < r.literal || text.compare(0, r.literal, pattern.substr(0, r.literal)) != 0)
    return false;
  if (r.prefix_only) return true;
  return internal::WildcardMatch(pattern.substr(r.literal), text.substr(r.literal));
}

bool ResourceMatches(const Statement& s, const RequestContext& ctx) {
  for (const internal::ResourcePattern& r : s.resources) {
    if (r.any) return true;
    if (r.is_name) {
      if (ctx.secret_name && PatternMatches(r, *ctx.secret_name)) return true;
    } else if (PatternMatches(r, ctx.resource)) {
      return true;
    }
  }
  return false;
}

// Whether `s` (whose Action/NotAction admits the request's action) speaks to
// this request: principal, resource, then conditions (cheapest first).
bool Applies(const Statement& s, const RequestContext& ctx) {
  if (s.has_principal &&
      internal::PrincipalMatches(s.principals, ctx.principal_arn) == s.not_principal) {
    return false;
  }
  if (ResourceMatches(s, ctx) == s.not_resource) return false;
  for (const internal::Condition& c : s.conditions) {
    if (!internal::ConditionHolds(c, ctx)) return false;
  }
  return true;
}

const Statement* PublicStatement(const CompiledPolicy& policy) {
  for (const Statement& s : policy.statements()) {
    if (s.allow && s.has_principal && (s.not_principal || s.principals.any) &&
        s.conditions.empty()) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::shared_ptr<const CompiledPolicy>> Compile(std::string_view document,
                                                      const CompileOptions& options) {
  ASSIGN_OR_RETURN(std::vector<Statement> statements, internal::ParseStatements(document, options));
  return std::shared_ptr<const CompiledPolicy>(std::make_shared<const CompiledPolicy>(
      options.kind, std::move(statements), KnownActions().size()));
}

std::vector<Finding> Validate(std::string_view document, const CompileOptions& options) {
  std::vector<Finding> findings;
  auto compiled = Compile(document, options);
  if (!compiled.ok()) {
    findings.push_back({"SYNTAX_CHECKS", compiled.status().message()});
  } else if (const Statement* s = PublicStatement(**compiled)) {
    findings.push_back({"PUBLIC_ACCESS_CHECKS", "statement " + internal::Quote(s->label) +
                                                    " allows every principal without a Condition"});
  }
  return findings;
}

bool GrantsPublicAccess(const CompiledPolicy& policy) { return PublicStatement(policy) != nullptr; }

Decision Evaluate(std::span<const NamedPolicy> identity, const NamedPolicy* resource,
                  const RequestContext& context) {
  const int action = internal::ActionIndex(context.action);
  Decision allow;
  // Returns true when a Deny statement of `named` applies (and fills `deny`).
  auto scan = [&](const NamedPolicy& named, Decision* deny) {
    if (named.policy == nullptr) return false;
    const std::vector<Statement>& statements = named.policy->statements();
    for (uint32_t index : named.policy->ForAction(action)) {
      const Statement& s = statements[index];
      if (s.allow && allow.verdict == Verdict::kAllow) continue;  // an Allow already decided
      if (!Applies(s, context)) continue;
      if (!s.allow) {
        *deny = {Verdict::kExplicitDeny, named.name, s.label};
        return true;
      }
      allow = {Verdict::kAllow, named.name, s.label};
    }
    return false;
  };
  Decision deny;
  for (const NamedPolicy& named : identity) {
    if (scan(named, &deny)) return deny;
  }
  if (resource != nullptr && scan(*resource, &deny)) return deny;
  return allow;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow:
      return "Allow";
    case Verdict::kExplicitDeny:
      return "ExplicitDeny";
    case Verdict::kImplicitDeny:
      return "ImplicitDeny";
  }
  return "ImplicitDeny";
}

}  // namespace cairn::iam
