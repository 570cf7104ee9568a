#include "service/access.h"

#include <array>
#include <memory>
#include <vector>

#include "service/principals.h"

namespace cairn::service {
namespace {

constexpr std::string_view kAuditReads[] = {kReadRecords, kGetCheckpoint, kGetInclusionProof,
                                            kGetConsistencyProof, kListCheckpoints};

// Cairn's own operations named "cairn:<Operation>".
constexpr std::string_view kCairnActions[] = {
    "CreatePrincipal", "ListPrincipals",        "UpdatePrincipal",       "RotatePrincipalKey",
    "DeletePrincipal", "CreatePolicy",          "GetPolicy",             "ListPolicies",
    "DeletePolicy",    "AttachPrincipalPolicy", "DetachPrincipalPolicy", "SimulatePrincipalPolicy",
    "CreateAccessKey", "ListAccessKeys",        "UpdateAccessKey",       "DeleteAccessKey",
    "ReportRotationStep", "GetRotationStatus",  "ListRotations",         "PutSecretExpiry",
    "ReadReplicaPage", "GetReplicaSeed",        "ReportReplicaStatus",   "GetReplicaStatus",
    "ReadReplicaSnapshot"};

// The policy administrators have attached implicitly.
const iam::CompiledPolicy& AdministratorPolicy() {
  static const std::shared_ptr<const iam::CompiledPolicy> kPolicy = [] {
    auto compiled = iam::Compile(
        R"({"Version":"2012-10-17","Statement":[{"Sid":"Administrator","Effect":"Allow","Action":"*","Resource":"*"}]})",
        {iam::PolicyKind::kIdentity, ""});
    return compiled.ok() ? std::move(compiled).value() : nullptr;
  }();
  return *kPolicy;
}

}  // namespace

std::string ActionFor(std::string_view operation) {
  for (std::string_view read : kAuditReads) {
    if (operation == read) return kReadAuditLog;
  }
  for (std::string_view own : kCairnActions) {
    if (operation == own) return "cairn:" + std::string(own);
  }
  for (std::string_view known : iam::KnownActions()) {
    constexpr std::string_view kPrefix = "secretsmanager:";
    if (known.starts_with(kPrefix) && known.substr(kPrefix.size()) == operation) return std::string(known);
  }
  return "";
}

AccessDecision DecideAccess(const ledger::Actor& actor, iam::RequestContext context,
                            std::string_view secret_arn, const projections::PrincipalsView& principals,
                            const projections::PoliciesView& policies) {
  AccessDecision decision;
  if (actor.principal_type == "LocalUser" || actor.principal_type == "Service") {
    decision.verdict = iam::Verdict::kAllow;
    decision.policy = kLocalAccess;
    return decision;
  }
  const projections::Principal* principal =
      actor.principal_type == kActorPrincipal ? principals.FindByName(actor.principal) : nullptr;
  if (principal == nullptr || !principal->enabled) return decision;  // implicit deny
  context.principal_arn = principal->arn;
  context.principal_tags = &principal->tags;

  const auto& attached = policies.AttachedTo(principal->name);
  std::vector<iam::NamedPolicy> identity;
  identity.reserve(attached.size() + 1);
  if (principal->admin) identity.push_back({kAdministratorAccess, &AdministratorPolicy()});
  for (const std::string& name : attached) {
    const projections::Policy* policy = policies.FindPolicy(name);
    if (policy != nullptr) identity.push_back({policy->name, policy->compiled.get()});
  }
  iam::NamedPolicy resource;
  const iam::NamedPolicy* resource_ptr = nullptr;
  if (!secret_arn.empty()) {
    if (const projections::ResourcePolicy* rp = policies.ResourcePolicyFor(secret_arn)) {
      resource = {kResourcePolicyName, rp->compiled.get()};
      resource_ptr = &resource;
    }
  }
  iam::Decision verdict = iam::Evaluate(identity, resource_ptr, context);
  decision.verdict = verdict.verdict;
  decision.policy = std::string(verdict.policy_name);
  decision.statement = std::string(verdict.statement);
  return decision;
}

std::string AccessDeniedMessage(std::string_view principal_arn, const iam::RequestContext& context,
                                const AccessDecision& decision) {
  std::string message = "User: " + std::string(principal_arn.substr(0, 256)) +
                        " is not authorized to perform: " + std::string(context.action) +
                        " on resource: " + std::string(context.resource.substr(0, 2048));
  if (decision.verdict == iam::Verdict::kExplicitDeny) {
    message += " with an explicit deny in " +
               std::string(decision.policy == kResourcePolicyName ? "a resource-based policy"
                                                                  : "an identity-based policy");
  } else {
    message += " because no identity-based policy allows the " + std::string(context.action) + " action";
  }
  return message;
}

}  // namespace cairn::service
