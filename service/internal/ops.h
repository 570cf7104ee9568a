// The operations Decide dispatches to. Each reads its members from ctx.params,
// checks them (model constraints first, then ClientRequestToken, then the
// secret's existence and state), and returns the Outcome of a successful call
// or the Status of the AWS error to answer with. Operations set ctx.resource to
// the secret's ARN as soon as they resolve it (the Audit's resource).
#ifndef CAIRN_SERVICE_INTERNAL_OPS_H_
#define CAIRN_SERVICE_INTERNAL_OPS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"
#include "service/decide.h"
#include "service/internal/outcome.h"
#include "service/internal/params.h"

namespace cairn::service::internal {

struct OpContext {
  const Request& request;
  const projections::SecretsView& state;
  DecideEnv& env;
  Params params;
  std::string resource;
};

using OpHandler = Result<Outcome> (*)(OpContext& ctx);

struct OpSpec {
  std::string_view name;
  OpHandler handler;
  bool read_only;                         // CloudTrail readOnly (API reference §5.1)
  std::vector<std::string_view> members;  // modelled request members, for the Audit
};

// The views of DecideEnv (an empty one where the env has none).
const projections::PrincipalsView& PrincipalsOf(const DecideEnv& env);
const projections::PoliciesView& PoliciesOf(const DecideEnv& env);

// The operation named `name`, or nullptr if Cairn does not support it.
const OpSpec* FindOp(std::string_view name);

Result<Outcome> CreateSecret(OpContext& ctx);
Result<Outcome> PutSecretValue(OpContext& ctx);
Result<Outcome> UpdateSecret(OpContext& ctx);
Result<Outcome> GetSecretValue(OpContext& ctx);
Result<Outcome> BatchGetSecretValue(OpContext& ctx);
Result<Outcome> DescribeSecret(OpContext& ctx);
Result<Outcome> ListSecrets(OpContext& ctx);
Result<Outcome> ListSecretVersionIds(OpContext& ctx);
Result<Outcome> UpdateSecretVersionStage(OpContext& ctx);
Result<Outcome> TagResource(OpContext& ctx);
Result<Outcome> UntagResource(OpContext& ctx);
Result<Outcome> DeleteSecret(OpContext& ctx);
Result<Outcome> RestoreSecret(OpContext& ctx);
Result<Outcome> GetRandomPassword(OpContext& ctx);
// Rotation (service/rotation.h; op_rotation.cc). RotateSecret and
// CancelRotateSecret as AWS has them; ReportRotationStep, GetRotationStatus
// and ListRotations are Cairn's own (cairn:<Operation>).
Result<Outcome> RotateSecret(OpContext& ctx);
Result<Outcome> CancelRotateSecret(OpContext& ctx);
Result<Outcome> ReportRotationStep(OpContext& ctx);
Result<Outcome> GetRotationStatus(OpContext& ctx);
Result<Outcome> ListRotations(OpContext& ctx);
// Expiry (internal/expiry.h; op_expiry.cc), Cairn's own (cairn:PutSecretExpiry).
Result<Outcome> PutSecretExpiry(OpContext& ctx);
// DR replicas (service/replica.h; op_read_records.cc), Cairn's own.
Result<Outcome> ReadReplicaPage(OpContext& ctx);
Result<Outcome> GetReplicaSeed(OpContext& ctx);
Result<Outcome> ReportReplicaStatus(OpContext& ctx);
Result<Outcome> GetReplicaStatus(OpContext& ctx);
// ReadRecords and ReadReplicaPage: a page of records from FromSeq (MaxRecords
// up to 1000, or kMaxReplicaPageRecords for ReadReplicaPage).
inline constexpr int64_t kMaxReplicaPageRecords = 10000;
// ReadReplicaSnapshot: entries per page (a page also stops at ~4 MiB).
inline constexpr int64_t kMaxSnapshotPageEntries = 10000;
Result<Outcome> ReadRecordPage(OpContext& ctx, bool with_data_keys);
Result<Outcome> ReadReplicaSnapshot(OpContext& ctx);
// Replication to other regions (op_replication.cc): checked, then refused.
Result<Outcome> ReplicateSecretToRegions(OpContext& ctx);
Result<Outcome> RemoveRegionsFromReplication(OpContext& ctx);
Result<Outcome> StopReplicationToReplica(OpContext& ctx);
// Cairn's own (service/principals.h); they read ctx.env.principals and
// ctx.env.durable_next_seq.
Result<Outcome> CreatePrincipal(OpContext& ctx);
Result<Outcome> ListPrincipals(OpContext& ctx);
Result<Outcome> ReadRecords(OpContext& ctx);
// Audit reads (service/op_audit.cc): they check the sizes against
// ctx.env.durable_next_seq and leave the answer to AnswerAuditRead.
Result<Outcome> GetCheckpoint(OpContext& ctx);
Result<Outcome> GetInclusionProof(OpContext& ctx);
Result<Outcome> GetConsistencyProof(OpContext& ctx);
Result<Outcome> ListCheckpoints(OpContext& ctx);

// Access control (service/access.h; op_access.cc, op_resource_policy.cc). They
// read ctx.env.principals and ctx.env.policies.
Result<Outcome> UpdatePrincipal(OpContext& ctx);
Result<Outcome> RotatePrincipalKey(OpContext& ctx);
Result<Outcome> DeletePrincipal(OpContext& ctx);
Result<Outcome> CreatePolicy(OpContext& ctx);
Result<Outcome> GetPolicy(OpContext& ctx);
Result<Outcome> ListPolicies(OpContext& ctx);
Result<Outcome> DeletePolicy(OpContext& ctx);
Result<Outcome> AttachPrincipalPolicy(OpContext& ctx);
Result<Outcome> DetachPrincipalPolicy(OpContext& ctx);
Result<Outcome> SimulatePrincipalPolicy(OpContext& ctx);
Result<Outcome> PutResourcePolicy(OpContext& ctx);
Result<Outcome> GetResourcePolicy(OpContext& ctx);
Result<Outcome> DeleteResourcePolicy(OpContext& ctx);
Result<Outcome> ValidateResourcePolicy(OpContext& ctx);
// Access keys (service/principals.h; op_access_keys.cc). They read
// ctx.env.principals; CreateAccessKey also ctx.env.rng and ctx.env.keyring.
Result<Outcome> CreateAccessKey(OpContext& ctx);
Result<Outcome> ListAccessKeys(OpContext& ctx);
Result<Outcome> UpdateAccessKey(OpContext& ctx);
Result<Outcome> DeleteAccessKey(OpContext& ctx);

// Shared by GetSecretValue and BatchGetSecretValue: the version a read selects
// (VersionId and/or VersionStage; neither = AWSCURRENT), which must hold a
// value. ResourceNotFoundException / InvalidRequestException as in §2.2.
Result<const projections::Version*> SelectVersion(const projections::Secret& secret,
                                                  const std::optional<std::string>& version_id,
                                                  const std::optional<std::string>& version_stage);
// {ARN, Name, VersionId, VersionStages, CreatedDate}: a GetSecretValue response
// or a SecretValueEntry without its value (the engine splices it in).
Json ValueEntryJson(const projections::Secret& secret, const projections::Version& version);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_OPS_H_
