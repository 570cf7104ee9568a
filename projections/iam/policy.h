// IAM policy documents for Cairn: parse, check and compile once (when the
// policy is stored), evaluate many times (every call).
//
// The language is IAM's JSON (Version, Statement with Sid, Effect,
// Principal/NotPrincipal (resource policies only), Action/NotAction,
// Resource/NotResource, Condition), restricted to what can name a Cairn action
// or resource:
//  - actions "secretsmanager:<Operation>" and "cairn:<Action>" (KnownActions()),
//    matched case-insensitively, with `*` and `?` wildcards;
//  - resources: secret ARNs "arn:aws:secretsmanager:<region>:<account>:secret:<name>-XXXXXX",
//    Cairn's own "arn:aws:iam::<account>:user/<name>", ":role/<name>",
//    ":policy/<name>", or "*"; case-sensitive, with `*` and `?`. A pattern that
//    does not start with "arn:" is a secret *name* pattern, matched against the
//    name of the secret the call names (and against nothing else);
//  - condition operators String*, Numeric*, Date*, Bool, Null, IpAddress,
//    NotIpAddress, Arn* with the `IfExists` suffix and the `ForAnyValue:` /
//    `ForAllValues:` set prefixes; condition keys as ContextKey lists them.
//
// Errors name the statement and the field: `Statement[2] (Sid "ReadDev"):
// Condition.StringEquals: unknown condition key "aws:Foo"`. A wildcard that can
// match no known action, or a resource ARN of another service, is an error, as
// is an unknown operator or key, a missing Effect, an oversized document.
//
// Evaluation follows IAM: an explicit Deny in any applicable statement wins,
// else an Allow from any identity policy or from the resource policy (whose
// Principal matches the caller) allows, else the call is implicitly denied.
// CompiledPolicy is immutable and thread-safe to share; Evaluate allocates
// nothing (the deciding statement borrows from the compiled policy).
#ifndef CAIRN_PROJECTIONS_IAM_POLICY_H_
#define CAIRN_PROJECTIONS_IAM_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"

namespace cairn::iam {

// AWS's limits: an IAM managed policy is at most 6,144 characters (without
// whitespace counted, as IAM does), a secret's resource policy 20,480.
inline constexpr size_t kMaxIdentityPolicyChars = 6144;
inline constexpr size_t kMaxResourcePolicyChars = 20480;

enum class PolicyKind {
  kIdentity,  // attached to a principal: no Principal/NotPrincipal allowed
  kResource,  // attached to a secret: Principal or NotPrincipal required
};

// Every action a policy can name: "secretsmanager:<Operation>" for each
// Secrets Manager operation (the ones Cairn serves and the ones it will), and
// Cairn's own, e.g. "cairn:CreatePrincipal", "cairn:ReadAuditLog",
// "cairn:SubscribeEvents", "cairn:SimulatePrincipalPolicy".
std::span<const std::string_view> KnownActions();

struct CompileOptions {
  PolicyKind kind = PolicyKind::kIdentity;
  std::string_view account_id;  // 12 digits; Principal "<account>" and ":root" ARNs name it
};

class CompiledPolicy;

// Parses, checks and compiles `document`. InvalidArgument (the message names
// the statement and field, as above) for malformed JSON, a document over the
// kind's size limit, unknown elements, operators or keys, wildcards that
// cannot match, a Principal in an identity policy or none in a resource policy.
Result<std::shared_ptr<const CompiledPolicy>> Compile(std::string_view document,
                                                      const CompileOptions& options);

// ValidateResourcePolicy's findings, AWS's shape: CheckName
// "SYNTAX_CHECKS" (the Compile error, if any) or "PUBLIC_ACCESS_CHECKS" (an
// Allow that every principal gets: Principal "*" or {"AWS":"*"}, or
// NotPrincipal, without a Condition that narrows it).
struct Finding {
  std::string check_name;
  std::string message;
};
std::vector<Finding> Validate(std::string_view document, const CompileOptions& options);
// True when some Allow statement grants every principal (see above); what
// BlockPublicPolicy refuses.
bool GrantsPublicAccess(const CompiledPolicy& policy);

using Tags = std::vector<std::pair<std::string, std::string>>;

// The request an evaluation is about. Members not known for this call are
// left empty/null and read as a *missing* condition key (IfExists, Null and
// the set operators see them as missing).
struct RequestContext {
  std::string_view action;         // "secretsmanager:GetSecretValue"
  std::string_view resource;       // secret ARN, principal/policy ARN, or "*"
  std::string_view principal_arn;  // the caller: aws:PrincipalArn
  const Tags* principal_tags = nullptr;  // aws:PrincipalTag/<k>
  // The secret the call names (exists): its tags answer
  // secretsmanager:ResourceTag/<k> and aws:ResourceTag/<k>; its name
  // secretsmanager:Name and name patterns in Resource.
  const Tags* resource_tags = nullptr;
  std::optional<std::string_view> secret_name;
  std::optional<std::string_view> secret_id;      // secretsmanager:SecretId, as given
  std::optional<std::string_view> version_id;     // secretsmanager:VersionId
  std::optional<std::string_view> version_stage;  // secretsmanager:VersionStage
  std::optional<std::string_view> description;    // secretsmanager:Description
  const Tags* request_tags = nullptr;              // aws:RequestTag/<k> (Tags of the request)
  const std::vector<std::string>* tag_keys = nullptr;  // aws:TagKeys (multi-valued)
  std::optional<std::string_view> source_ip;      // aws:SourceIp, "127.0.0.1" / "::1"
  int64_t current_time_ms = 0;                    // aws:CurrentTime
};

enum class Verdict { kAllow, kExplicitDeny, kImplicitDeny };

// A policy with the name the audit trail calls it by.
struct NamedPolicy {
  std::string_view name;  // "dev-read", "AdministratorAccess", "resource-policy"
  const CompiledPolicy* policy = nullptr;
};

struct Decision {
  Verdict verdict = Verdict::kImplicitDeny;
  // The deciding statement (empty for kImplicitDeny): the policy's name and
  // the statement's Sid, or "Statement[<index>]" when it has none. Borrowed
  // from the NamedPolicy and the CompiledPolicy.
  std::string_view policy_name;
  std::string_view statement;
};

// IAM's evaluation over the caller's identity policies and the resource's
// policy (may be null; only its statements whose Principal/NotPrincipal match
// `context.principal_arn` apply). The first Deny found, in the order given
// (identity policies, then the resource policy; statements in document
// order), decides a kExplicitDeny; else the first Allow decides kAllow.
Decision Evaluate(std::span<const NamedPolicy> identity, const NamedPolicy* resource,
                  const RequestContext& context);

// "Allow", "ExplicitDeny", "ImplicitDeny".
std::string_view VerdictName(Verdict verdict);

}  // namespace cairn::iam

#endif  // CAIRN_PROJECTIONS_IAM_POLICY_H_
