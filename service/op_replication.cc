// ReplicateSecretToRegions, RemoveRegionsFromReplication, StopReplicationToReplica
// (API reference §2.21-2.23). Cairn keeps each ledger in one region, so these
// parse and check their members as AWS does, resolve the secret (so a caller
// learns the same about a missing secret as from any other operation), and
// then refuse with InvalidRequestException. Disaster recovery is Cairn's own
// replica (cairn-replica), which follows the whole ledger rather than a secret.
#include <regex>

#include "service/internal/ops.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

// AWS's region pattern: ^([a-z]+-)+\d+$
Status CheckRegion(const std::string& region) {
  static const std::regex kRegion("^([a-z]+-)+[0-9]+$");
  if (region.empty() || region.size() > 128 || !std::regex_match(region, kRegion)) {
    return InvalidArgumentError("Invalid region '" + region.substr(0, 128) +
                                "': must look like us-east-1 (^([a-z]+-)+\\d+$)");
  }
  return Status::Ok();
}

Status NotReplicated(const projections::Secret& secret, std::string_view what) {
  return FailedPreconditionError(
      std::string(what) + " is not available: Cairn keeps secret " + secret.name +
      " in this ledger's single region and does not replicate secrets to other regions. For disaster "
      "recovery, follow the whole ledger with cairn-replica.");
}

}  // namespace

Result<Outcome> ReplicateSecretToRegions(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  const Json* regions = ctx.params.Find("AddReplicaRegions");
  if (regions == nullptr || !regions->is_array() || regions->empty()) {
    return InvalidArgumentError("AddReplicaRegions must list at least one {Region, KmsKeyId?}");
  }
  for (const Json& entry : *regions) {
    if (!entry.is_object() || !entry.contains("Region") || !entry["Region"].is_string()) {
      return InvalidArgumentError("Each AddReplicaRegions entry needs a Region string");
    }
    RETURN_IF_ERROR(CheckRegion(entry["Region"].get<std::string>()));
  }
  if (auto force = ctx.params.Bool("ForceOverwriteReplicaSecret"); !force.ok()) return force.status();
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  return NotReplicated(*secret, "ReplicateSecretToRegions");
}

Result<Outcome> RemoveRegionsFromReplication(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(auto regions, ctx.params.StringList("RemoveReplicaRegions", 1, 100, 1, 128));
  if (!regions.has_value()) return InvalidArgumentError("RemoveReplicaRegions must list at least one region");
  for (const std::string& region : *regions) RETURN_IF_ERROR(CheckRegion(region));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  return NotReplicated(*secret, "RemoveRegionsFromReplication");
}

Result<Outcome> StopReplicationToReplica(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  return FailedPreconditionError("StopReplicationToReplica is not available: " + secret->name +
                                 " is not a replica secret (Cairn does not replicate secrets to other "
                                 "regions)");
}

}  // namespace cairn::service::internal
