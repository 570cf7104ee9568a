// Access control: who may call what, decided by IAM's rules over the caller's
// identity policies and the secret's resource policy (projections/iam), and
// the operations that manage it. Every decision is audited: the call's one
// event carries Audit.authorization (the verdict and the deciding statement),
// and a refused call is an AccessDenied event.
//
// Who is asking (ledger::Actor.principal_type):
//  - "Principal": an enrolled principal (the daemon's callers). Disabled or
//    unknown principals are refused (implicit deny). An administrator
//    (Admin=true) has "AdministratorAccess" attached implicitly (Allow * on *);
//    explicit Denies still apply to it.
//  - "LocalUser" (the embedded CLI, which owns the data directory) and
//    "Service" (Cairn's own service events): allowed, deciding policy
//    "LocalAccess".
//
// Actions: "secretsmanager:<Operation>" for Secrets Manager's operations;
// Cairn's own are "cairn:<Operation>" (cairn:CreatePrincipal,
// cairn:UpdatePrincipal, cairn:CreatePolicy, cairn:AttachPrincipalPolicy,
// cairn:CreateAccessKey, cairn:ListAccessKeys, cairn:UpdateAccessKey,
// cairn:DeleteAccessKey, ...)
// except the audit reads (ReadRecords, GetCheckpoint, GetInclusionProof,
// GetConsistencyProof, ListCheckpoints), which are all "cairn:ReadAuditLog",
// and a subscription to the events socket, "cairn:SubscribeEvents".
// Resources: the secret's ARN for an operation on a secret (for one that does
// not exist, "arn:aws:secretsmanager:<region>:<account>:secret:<name>", so a
// denial looks the same either way); the principal's ARN for operations on a
// principal (for the access-key operations: PrincipalName's, else the owner of
// AccessKeyId); "arn:aws:iam::<account>:policy/<name>" for one on a policy; "*"
// otherwise (ListSecrets, GetRandomPassword, ListPrincipals, ListPolicies,
// ListAccessKeys without PrincipalName, an unknown AccessKeyId,
// CreatePolicy's name is checked against its future ARN, audit reads).
// ListSecrets and BatchGetSecretValue check each secret they would return
// (secretsmanager:DescribeSecret and secretsmanager:GetSecretValue) and leave
// out (ListSecrets, BatchGetSecretValue with Filters) or report
// (BatchGetSecretValue's SecretIdList: AccessDeniedException in Errors) the
// ones the caller may not see.
//
// Operations (besides service/principals.h's, where the access-key ones are):
//   UpdatePrincipal {Name, Enabled?, Admin?} -> {Name, ARN, Enabled, Admin}; PrincipalUpdated
//   RotatePrincipalKey {Name, PublicKey} -> {Name, ARN, PublicKey}; PrincipalKeyRotated
//   DeletePrincipal {Name} -> {Name, ARN}; PrincipalDeleted (its access keys
//        deleted and their DEKs shredded in the same batch)
//       (the last enabled administrator can be neither disabled, demoted nor
//        deleted: InvalidRequestException)
//   CreatePolicy {PolicyName, PolicyDocument, Description?} -> {Policy}; PolicyCreated
//   GetPolicy {PolicyName} -> {Policy (with PolicyDocument)}; PolicyRead
//   ListPolicies {} -> {Policies: [Policy]} by name; PoliciesListed
//   DeletePolicy {PolicyName} -> {PolicyName, Arn}; PolicyDeleted
//       (refused while attached: InvalidRequestException)
//   AttachPrincipalPolicy / DetachPrincipalPolicy {PrincipalName, PolicyName}
//       -> {PrincipalName, PolicyName}; PrincipalPolicyAttached / ...Detached
//   SimulatePrincipalPolicy {PrincipalName, ActionName, SecretId?,
//       ContextEntries?: [{ContextKeyName, ContextKeyValues: [..]}] (aws:SourceIp,
//       aws:CurrentTime, aws:RequestTag/<k>, aws:TagKeys, secretsmanager:VersionStage, ...)}
//       -> {EvaluationResults: [{EvalActionName, EvalResourceName, EvalDecision
//          ("allowed" | "explicitDeny" | "implicitDeny"), MatchedStatements:
//          [{SourcePolicyId, StatementId}]}]}; PolicySimulated
//   Policy = {PolicyName, Arn, Description?, CreateDate, AttachmentCount}
//   PutResourcePolicy {SecretId, ResourcePolicy, BlockPublicPolicy?} -> {ARN, Name}; ResourcePolicyPut
//   GetResourcePolicy {SecretId} -> {ARN, Name, ResourcePolicy?}; ResourcePolicyRead
//   DeleteResourcePolicy {SecretId} -> {ARN, Name}; ResourcePolicyDeleted
//   ValidateResourcePolicy {SecretId?, ResourcePolicy} -> {PolicyValidationPassed,
//       ValidationErrors: [{CheckName, ErrorMessage}]}; ResourcePolicyValidated
// Malformed documents are MalformedPolicyDocumentException naming the
// statement and field; BlockPublicPolicy refusals PublicPolicyException.
#ifndef CAIRN_SERVICE_ACCESS_H_
#define CAIRN_SERVICE_ACCESS_H_

#include <string>
#include <string_view>

#include "ledger/record.h"
#include "projections/iam/policy.h"
#include "projections/policies.h"
#include "projections/principals.h"

namespace cairn::service {

inline constexpr char kReadAuditLog[] = "cairn:ReadAuditLog";
inline constexpr char kSubscribeEvents[] = "cairn:SubscribeEvents";
inline constexpr char kAdministratorAccess[] = "AdministratorAccess";
inline constexpr char kLocalAccess[] = "LocalAccess";
inline constexpr char kResourcePolicyName[] = "resource-policy";

// The IAM action of an operation ("secretsmanager:GetSecretValue",
// "cairn:CreatePolicy", "cairn:ReadAuditLog"); "" for an unknown operation.
std::string ActionFor(std::string_view operation);

struct AccessDecision {
  iam::Verdict verdict = iam::Verdict::kImplicitDeny;
  std::string policy;     // deciding policy, "" for an implicit deny
  std::string statement;  // its Sid or "Statement[i]"
  bool allowed() const { return verdict == iam::Verdict::kAllow; }
};

// Decides `context` (action, resource and condition facts; principal_arn and
// principal_tags are filled in here from `actor`) for `actor` over `views`:
// LocalUser/Service allowed; an unknown or disabled principal implicitly
// denied; otherwise iam::Evaluate over the principal's attached policies
// (plus AdministratorAccess for an admin) and the resource policy of
// `secret_arn` (empty: none). Borrows the views for the call.
AccessDecision DecideAccess(const ledger::Actor& actor, iam::RequestContext context,
                            std::string_view secret_arn, const projections::PrincipalsView& principals,
                            const projections::PoliciesView& policies);

// AWS's message: "User: <principal ARN> is not authorized to perform: <action>
// on resource: <resource> because no identity-based policy allows the <action>
// action" (implicit deny) or "... with an explicit deny in <policy> (<statement>)".
std::string AccessDeniedMessage(std::string_view principal_arn, const iam::RequestContext& context,
                                const AccessDecision& decision);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_ACCESS_H_
