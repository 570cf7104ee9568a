#include "service/decide.h"

#include "service/internal/authorize.h"
#include "service/internal/errors.h"
#include "service/internal/expiry.h"
#include "service/internal/ops.h"
#include "service/internal/outcome.h"
#include "service/internal/redact.h"

namespace cairn::service {
namespace {

using internal::OpSpec;

// The Audit resource before the operation resolves anything: the id as given.
std::string InitialResource(const Json& params) {
  if (!params.is_object()) return "";
  for (const char* member : {"SecretId", "Name"}) {
    auto it = params.find(member);
    if (it != params.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// The Audit of a call before its operation runs.
internal::AuditFields InitialAudit(const Request& request, const OpSpec* op) {
  internal::AuditFields audit;
  audit.action = request.operation;
  audit.read_only = op != nullptr && op->read_only;
  audit.resource = InitialResource(request.params);
  audit.request_parameters = internal::RedactedParameters(
      request.params, op != nullptr ? op->members : std::vector<std::string_view>{});
  return audit;
}

}  // namespace

namespace internal {

const OpSpec* FindOp(std::string_view name) {
  static const std::vector<OpSpec> kOps = {
      {"CreateSecret",
       &CreateSecret,
       false,
       {"Name", "ClientRequestToken", "Description", "KmsKeyId", "Tags", "AddReplicaRegions",
        "ForceOverwriteReplicaSecret", "Type"}},
      {"PutSecretValue",
       &PutSecretValue,
       false,
       {"SecretId", "ClientRequestToken", "VersionStages"}},
      {"UpdateSecret",
       &UpdateSecret,
       false,
       {"SecretId", "ClientRequestToken", "Description", "KmsKeyId", "Type"}},
      {"GetSecretValue", &GetSecretValue, true, {"SecretId", "VersionId", "VersionStage"}},
      {"BatchGetSecretValue",
       &BatchGetSecretValue,
       true,
       {"SecretIdList", "Filters", "MaxResults", "NextToken"}},
      {"DescribeSecret", &DescribeSecret, true, {"SecretId"}},
      {"ListSecrets",
       &ListSecrets,
       true,
       {"IncludePlannedDeletion", "MaxResults", "NextToken", "Filters", "SortOrder", "SortBy"}},
      {"ListSecretVersionIds",
       &ListSecretVersionIds,
       true,
       {"SecretId", "MaxResults", "NextToken", "IncludeDeprecated"}},
      {"UpdateSecretVersionStage",
       &UpdateSecretVersionStage,
       false,
       {"SecretId", "VersionStage", "RemoveFromVersionId", "MoveToVersionId"}},
      {"TagResource", &TagResource, false, {"SecretId", "Tags"}},
      {"UntagResource", &UntagResource, false, {"SecretId", "TagKeys"}},
      {"DeleteSecret",
       &DeleteSecret,
       false,
       {"SecretId", "RecoveryWindowInDays", "ForceDeleteWithoutRecovery"}},
      {"RestoreSecret", &RestoreSecret, false, {"SecretId"}},
      {"ReplicateSecretToRegions",
       &ReplicateSecretToRegions,
       false,
       {"SecretId", "AddReplicaRegions", "ForceOverwriteReplicaSecret"}},
      {"RemoveRegionsFromReplication", &RemoveRegionsFromReplication, false, {"SecretId", "RemoveReplicaRegions"}},
      {"StopReplicationToReplica", &StopReplicationToReplica, false, {"SecretId"}},
      {"RotateSecret",
       &RotateSecret,
       false,
       {"SecretId", "ClientRequestToken", "RotationLambdaARN", "RotationRules", "RotateImmediately",
        "ExternalSecretRotationMetadata", "ExternalSecretRotationRoleArn"}},
      {"CancelRotateSecret", &CancelRotateSecret, false, {"SecretId"}},
      {"GetRandomPassword",
       &GetRandomPassword,
       true,
       {"PasswordLength", "ExcludeCharacters", "ExcludeNumbers", "ExcludePunctuation",
        "ExcludeUppercase", "ExcludeLowercase", "IncludeSpace", "RequireEachIncludedType"}},
      // Cairn's own (service/principals.h).
      {"CreatePrincipal",
       &CreatePrincipal,
       false,
       {"Name", "PublicKey", "PrincipalType", "Admin", "Tags"}},
      {"ListPrincipals", &ListPrincipals, true, {}},
      {"ReadRecords", &ReadRecords, true, {"FromSeq", "MaxRecords"}},
      {"GetCheckpoint", &GetCheckpoint, true, {"MinTreeSize"}},
      {"GetInclusionProof", &GetInclusionProof, true, {"LeafIndex", "TreeSize"}},
      {"GetConsistencyProof", &GetConsistencyProof, true, {"FirstTreeSize", "SecondTreeSize"}},
      {"ListCheckpoints", &ListCheckpoints, true, {"FromTreeSize", "MaxResults"}},
      // Rotation (service/rotation.h). A report's Message is not audited as a
      // parameter: the event body carries it as the step's reason.
      {"ReportRotationStep", &ReportRotationStep, false, {"SecretId", "ClientRequestToken", "Step", "Status"}},
      {"GetRotationStatus", &GetRotationStatus, true, {"SecretId"}},
      {"ListRotations", &ListRotations, true, {"Handler"}},
      {"ReadReplicaPage", &ReadReplicaPage, true, {"FromSeq", "MaxRecords"}},
      {"GetReplicaSeed", &GetReplicaSeed, true, {}},
      {"ReadReplicaSnapshot", &ReadReplicaSnapshot, true, {"SnapshotId", "Family", "StartAfter", "MaxEntries"}},
      {"ReportReplicaStatus",
       &ReportReplicaStatus,
       false,
       {"ReplicaId", "HeadSeq", "HeadLeafHash", "LagMs", "PendingRecords", "BytesPerSecond", "VerifiedTreeSize",
        "VerifiedRoot"}},
      {"GetReplicaStatus", &GetReplicaStatus, true, {}},
      {"PutSecretExpiry",
       &PutSecretExpiry,
       false,
       {"SecretId", "ExpiresAfterDays", "ExpirationDate", "WarningDays", "Clear"}},
      // Access control (service/access.h).
      {"UpdatePrincipal", &UpdatePrincipal, false, {"Name", "Enabled", "Admin"}},
      {"RotatePrincipalKey", &RotatePrincipalKey, false, {"Name", "PublicKey"}},
      {"DeletePrincipal", &DeletePrincipal, false, {"Name"}},
      {"CreateAccessKey", &CreateAccessKey, false, {"PrincipalName"}},
      {"ListAccessKeys", &ListAccessKeys, true, {"PrincipalName"}},
      {"UpdateAccessKey", &UpdateAccessKey, false, {"PrincipalName", "AccessKeyId", "Status"}},
      {"DeleteAccessKey", &DeleteAccessKey, false, {"PrincipalName", "AccessKeyId"}},
      {"CreatePolicy", &CreatePolicy, false, {"PolicyName", "PolicyDocument", "Description"}},
      {"GetPolicy", &GetPolicy, true, {"PolicyName"}},
      {"ListPolicies", &ListPolicies, true, {}},
      {"DeletePolicy", &DeletePolicy, false, {"PolicyName"}},
      {"AttachPrincipalPolicy", &AttachPrincipalPolicy, false, {"PrincipalName", "PolicyName"}},
      {"DetachPrincipalPolicy", &DetachPrincipalPolicy, false, {"PrincipalName", "PolicyName"}},
      {"SimulatePrincipalPolicy",
       &SimulatePrincipalPolicy,
       true,
       {"PrincipalName", "ActionName", "SecretId", "ContextEntries"}},
      {"PutResourcePolicy", &PutResourcePolicy, false, {"SecretId", "ResourcePolicy", "BlockPublicPolicy"}},
      {"GetResourcePolicy", &GetResourcePolicy, true, {"SecretId"}},
      {"DeleteResourcePolicy", &DeleteResourcePolicy, false, {"SecretId"}},
      {"ValidateResourcePolicy", &ValidateResourcePolicy, true, {"SecretId", "ResourcePolicy"}},
  };
  for (const OpSpec& op : kOps) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

}  // namespace internal

Decision Decide(const Request& request, const projections::SecretsView& state, DecideEnv& env) {
  const OpSpec* op = internal::FindOp(request.operation);
  internal::AuditFields audit = InitialAudit(request, op);
  if (request.decode_error.has_value()) {
    return internal::FailureDecision(std::move(audit), *request.decode_error);
  }
  internal::OpContext ctx{request, state, env, internal::Params(request.params), audit.resource};
  if (op != nullptr && request.params.is_object()) {
    std::optional<Decision> denied = internal::AuthorizeCall(ctx, audit);
    if (denied.has_value()) return std::move(*denied);
  }

  auto run = [&]() -> Result<internal::Outcome> {
    if (op == nullptr) {
      return FailedPreconditionError("Cairn does not support operation " +
                                     request.operation.substr(0, 128) + " yet");
    }
    if (!request.params.is_object()) {
      return InvalidArgumentError("The request parameters must be a JSON object");
    }
    return op->handler(ctx);
  };
  Result<internal::Outcome> outcome = run();
  audit.resource = ctx.resource;
  if (!outcome.ok())
    return internal::FailureDecision(std::move(audit), ApiErrorFromStatus(outcome.status()));
  return internal::SuccessDecision(std::move(outcome).value(), audit);
}

std::vector<Decision> DecideMaintenance(const projections::SecretsView& state, DecideEnv& env) {
  std::vector<Decision> decisions;
  for (const auto& [arn, secret] : state.secrets()) {
    if (!secret.deletion_date_ms.has_value() || *secret.deletion_date_ms > env.now_ms) continue;
    internal::Outcome out;
    std::vector<std::string> ids;
    for (const auto& [id, version] : secret.versions) {
      ids.push_back(id);
      out.key_writes.Delete(ledger::Family::kKeys, KeyEntryKey(arn, id));
    }
    auto a = out.fbb.CreateString(arn);
    auto destroyed = internal::StringVector(out.fbb, ids);
    out.SetBody(schema::CreateSecretPurged(out.fbb, a, destroyed, secret.deletion_forced));
    internal::AuditFields audit;
    audit.action = "DeleteSecret";
    audit.resource = arn;
    audit.event_category = "AwsServiceEvent";
    audit.request_parameters = "null";
    decisions.push_back(internal::SuccessDecision(std::move(out), audit));
  }
  for (Decision& d : internal::DecideExpiry(state, env)) decisions.push_back(std::move(d));
  return decisions;
}

std::string KeyEntryKey(std::string_view arn, std::string_view version_id) {
  std::string key(arn);
  key.push_back('\n');
  key.append(version_id);
  return key;
}

std::string ValueContext(std::string_view arn, std::string_view version_id) {
  return KeyEntryKey(arn, version_id);
}

std::string AccessKeyEntryKey(std::string_view access_key_id) {
  return std::string(projections::kAccessKeyPrefix) + std::string(access_key_id);
}

std::string WrappedKeyEntry(const crypto::SealedValue& sealed) {
  std::string entry(4, '\0');
  for (int i = 0; i < 4; ++i) entry[i] = static_cast<char>((sealed.kek_version >> (24 - 8 * i)) & 0xFF);
  entry.append(reinterpret_cast<const char*>(sealed.wrapped_dek.data()), sealed.wrapped_dek.size());
  return entry;
}

std::optional<WrappedKey> ParseWrappedKeyEntry(std::string_view entry) {
  if (entry.size() < 4) return std::nullopt;
  const auto* k = reinterpret_cast<const uint8_t*>(entry.data());
  return WrappedKey{(uint32_t{k[0]} << 24) | (uint32_t{k[1]} << 16) | (uint32_t{k[2]} << 8) | k[3],
                    crypto::ByteView(k + 4, entry.size() - 4)};
}

}  // namespace cairn::service
