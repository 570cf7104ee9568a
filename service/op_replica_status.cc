// ReportReplicaStatus and GetReplicaStatus (service/replica.h): a DR
// replica's follow loop reports how far it is, an operator asks the primary
// for the latest report of each replica. Both are events; the engine keeps
// the reports in memory once their events are durable (after a restart of
// the primary, none until the replicas report again) and answers
// GetReplicaStatus against its durable head, checking each replica's head
// leaf hash against its own record at that seq.
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "service/internal/ops.h"

namespace cairn::service::internal {
namespace {

constexpr size_t kMaxReplicaIdBytes = 128;

bool IsReplicaIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == ':' || c == '/' || c == '@';
}

Result<uint64_t> Count(const Params& p, const char* name, bool required) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, p.Int(name, 0, INT64_MAX));
  if (!value && required) return InvalidArgumentError(std::string("Missing required parameter ") + name);
  return static_cast<uint64_t>(value.value_or(0));
}

// Hex of a 32-byte hash, or "" when absent and allowed.
Result<std::string> HashHex(const Params& p, const char* name, bool required) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, p.String(name, 0, 64));
  if (!value || value->empty()) {
    if (required) return InvalidArgumentError(std::string("Missing required parameter ") + name);
    return std::string();
  }
  Result<crypto::Digest> digest = crypto::DigestFromHex(*value);
  if (!digest.ok()) return InvalidArgumentError(std::string(name) + " must be 64 hex digits");
  return crypto::ToHex(*digest);
}

}  // namespace

Result<Outcome> ReportReplicaStatus(OpContext& ctx) {
  const Params& p = ctx.params;
  ReplicaReport report;
  ASSIGN_OR_RETURN(report.replica_id, p.RequiredString("ReplicaId", 1, kMaxReplicaIdBytes));
  for (char c : report.replica_id) {
    if (!IsReplicaIdChar(c)) {
      return InvalidArgumentError("ReplicaId may hold letters, digits and . _ - : / @ only");
    }
  }
  ASSIGN_OR_RETURN(report.head_seq, Count(p, "HeadSeq", true));
  ASSIGN_OR_RETURN(report.head_leaf_hex, HashHex(p, "HeadLeafHash", report.head_seq > 0));
  ASSIGN_OR_RETURN(report.lag_ms, Count(p, "LagMs", false));
  ASSIGN_OR_RETURN(report.pending_records, Count(p, "PendingRecords", false));
  ASSIGN_OR_RETURN(report.bytes_per_second, Count(p, "BytesPerSecond", false));
  ASSIGN_OR_RETURN(report.verified_tree_size, Count(p, "VerifiedTreeSize", false));
  ASSIGN_OR_RETURN(report.verified_root_hex, HashHex(p, "VerifiedRoot", false));
  report.principal = ctx.env.actor ? ctx.env.actor->principal : "";
  report.reported_at_ms = ctx.env.now_ms;

  Outcome out;
  auto id = out.fbb.CreateString(report.replica_id);
  auto leaf = out.fbb.CreateString(report.head_leaf_hex);
  auto root = out.fbb.CreateString(report.verified_root_hex);
  out.SetBody(schema::CreateReplicaStatusReported(out.fbb, id, report.head_seq, leaf, report.lag_ms,
                                                  report.pending_records, report.bytes_per_second,
                                                  report.verified_tree_size, root));
  out.replica_report = std::move(report);
  return out;
}

Result<Outcome> GetReplicaStatus(OpContext& ctx) {
  (void)ctx;
  Outcome out;
  out.replica_status_read = true;
  out.SetBody(schema::CreateReplicaStatusRead(out.fbb));
  return out;
}

}  // namespace cairn::service::internal
