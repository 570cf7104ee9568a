// ReadRecords (service/principals.h): a page of the log for a follower. The
// decision fixes the range against the durable head; the engine reads the
// stored bytes once this call's own event is durable. ReadReplicaPage is the
// same page with the data keys its records put, and GetReplicaSeed what a
// replica bootstraps from (service/replica.h).
#include <algorithm>
#include <optional>

#include "service/internal/ops.h"

namespace cairn::service::internal {

Result<Outcome> ReadRecords(OpContext& ctx) {
  return ReadRecordPage(ctx, /*with_data_keys=*/false);
}

Result<Outcome> ReadReplicaPage(OpContext& ctx) { return ReadRecordPage(ctx, /*with_data_keys=*/true); }

Result<Outcome> GetReplicaSeed(OpContext& ctx) {
  Outcome out;
  out.replica_seed = true;
  out.SetBody(schema::CreateReplicaSeedRead(out.fbb, out.fbb.CreateString(ctx.state.info().ledger_id)));
  return out;
}

Result<Outcome> ReadRecordPage(OpContext& ctx, bool with_data_keys) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::optional<int64_t> from_seq, p.Int("FromSeq", 0, INT64_MAX));
  if (!from_seq.has_value()) return InvalidArgumentError("Missing required parameter FromSeq");
  // A replica catching up takes larger pages than a follower (fewer calls, each a record).
  ASSIGN_OR_RETURN(std::optional<int64_t> max_records,
                   p.Int("MaxRecords", 1, with_data_keys ? kMaxReplicaPageRecords : 1000));
  const uint64_t from = static_cast<uint64_t>(*from_seq);
  const uint64_t head = ctx.env.durable_next_seq;
  // No overflow: from < 2^63 and max_records <= 10000.
  const uint64_t end = from >= head ? from : std::min<uint64_t>(head, from + max_records.value_or(100));
  Outcome out;
  out.records_to_read = RecordRange{from, end};
  out.with_data_keys = with_data_keys;
  out.SetBody(schema::CreateAuditRecordsRead(out.fbb, from, static_cast<uint32_t>(end - from)));
  out.response = {{"FromSeq", from}, {"NextSeq", end}, {"RecordCount", end - from}, {"HeadSeq", head}};
  return out;
}

}  // namespace cairn::service::internal
