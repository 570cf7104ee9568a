#include "projections/iam/internal/actions.h"

#include <array>

#include "projections/iam/internal/text.h"
#include "projections/iam/policy.h"

namespace cairn::iam {
namespace {

constexpr std::string_view kActions[] = {
    // Every Secrets Manager operation, served or not yet.
    "secretsmanager:BatchGetSecretValue",
    "secretsmanager:CancelRotateSecret",
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteResourcePolicy",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetRandomPassword",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:GetSecretValue",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:ListSecrets",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:PutSecretValue",
    "secretsmanager:RemoveRegionsFromReplication",
    "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RestoreSecret",
    "secretsmanager:RotateSecret",
    "secretsmanager:StopReplicationToReplica",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
    "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:ValidateResourcePolicy",
    // Cairn's own.
    "cairn:CreatePrincipal",
    "cairn:ListPrincipals",
    "cairn:UpdatePrincipal",
    "cairn:RotatePrincipalKey",
    "cairn:DeletePrincipal",
    "cairn:CreatePolicy",
    "cairn:GetPolicy",
    "cairn:ListPolicies",
    "cairn:DeletePolicy",
    "cairn:AttachPrincipalPolicy",
    "cairn:DetachPrincipalPolicy",
    "cairn:SimulatePrincipalPolicy",
    "cairn:ReadAuditLog",
    "cairn:SubscribeEvents",
    "cairn:CreateAccessKey",
    "cairn:ListAccessKeys",
    "cairn:UpdateAccessKey",
    "cairn:DeleteAccessKey",
    "cairn:ReportRotationStep",
    "cairn:GetRotationStatus",
    "cairn:ListRotations",
    "cairn:PutSecretExpiry",
    "cairn:ReadReplicaPage",
    "cairn:GetReplicaSeed",
    "cairn:ReportReplicaStatus",
    "cairn:GetReplicaStatus",
    "cairn:ReadReplicaSnapshot",
};
static_assert(std::size(kActions) <= 64, "a compiled Action list is a 64-bit mask");

}  // namespace

std::span<const std::string_view> KnownActions() { return kActions; }

namespace internal {

uint64_t ActionMask(std::string_view pattern) {
  uint64_t mask = 0;
  for (size_t i = 0; i < std::size(kActions); ++i) {
    if (WildcardMatch(pattern, kActions[i], /*ignore_case=*/true)) mask |= uint64_t{1} << i;
  }
  return mask;
}

int ActionIndex(std::string_view action) {
  for (size_t i = 0; i < std::size(kActions); ++i) {
    if (EqualsIgnoreCase(action, kActions[i])) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace internal
}  // namespace cairn::iam
