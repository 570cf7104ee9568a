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

Result<Outcome> ReadReplicaSnapshot(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::optional<std::string> id, p.String("SnapshotId", 32, 32));
  ASSIGN_OR_RETURN(std::optional<std::string> family, p.String("Family", 1, 16));
  ASSIGN_OR_RETURN(std::optional<std::string> start_after, p.String("StartAfter", 1, 8192));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_entries, p.Int("MaxEntries", 1, kMaxSnapshotPageEntries));
  SnapshotRead read;
  Outcome out;
  if (!id) {
    if (family || start_after || max_entries) {
      return InvalidArgumentError("Family, StartAfter and MaxEntries read a snapshot: give its SnapshotId");
    }
    if (ctx.env.rng == nullptr) return InternalError("the service has no random source");
    uint8_t bytes[16];
    ctx.env.rng->Fill(bytes, sizeof bytes);
    read.create = true;
    read.id = crypto::ToHex(crypto::ByteView(bytes, sizeof bytes));
    out.SetBody(schema::CreateReplicaSnapshotRead(out.fbb, out.fbb.CreateString(read.id)));
  } else {
    if (!family) return InvalidArgumentError("Missing required parameter Family (state or keys)");
    if (*family == "state") {
      read.family = ledger::Family::kState;
    } else if (*family == "keys") {
      read.family = ledger::Family::kKeys;
    } else {
      return InvalidArgumentError("Family must be state or keys");
    }
    if (start_after) {
      Result<crypto::SecureBuffer> key = crypto::Base64Decode(*start_after);
      if (!key.ok()) return InvalidArgumentError("StartAfter is not base64");
      read.start_after.assign(reinterpret_cast<const char*>(key->data()), key->size());
    }
    read.id = *id;
    read.max_entries = static_cast<size_t>(max_entries.value_or(1000));
    out.SetBody(schema::CreateReplicaSnapshotRead(out.fbb, out.fbb.CreateString(read.id),
                                                  out.fbb.CreateString(*family),
                                                  out.fbb.CreateString(start_after.value_or(""))));
  }
  out.snapshot_read = std::move(read);
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
  if (from < ctx.env.first_seq) {
    return FailedPreconditionError("this ledger holds the records from seq " + std::to_string(ctx.env.first_seq) +
                                   " on (it started from a snapshot of its primary); ask that primary, or a ledger "
                                   "kept from genesis, for the records before");
  }
  // No overflow: from < 2^63 and max_records <= 10000.
  const uint64_t end = from >= head ? from : std::min<uint64_t>(head, from + max_records.value_or(100));
  Outcome out;
  out.records_to_read = RecordRange{from, end};
  out.with_data_keys = with_data_keys;
  out.SetBody(schema::CreateAuditRecordsRead(out.fbb, from, static_cast<uint32_t>(end - from)));
  // FirstSeq: a ledger that started from a snapshot holds no genesis, so a
  // reader rendering its records takes the region and account from here,
  // and a follower from FirstSeq links the first record to FirstPrevLeafHash.
  out.response = {{"FromSeq", from},       {"NextSeq", end},
                  {"RecordCount", end - from}, {"HeadSeq", head},
                  {"FirstSeq", ctx.env.first_seq}, {"Region", ctx.state.info().region},
                  {"AccountId", ctx.state.info().account_id}};
  if (ctx.env.first_seq > 0) out.response["FirstPrevLeafHash"] = crypto::ToHex(ctx.env.first_prev_leaf);
  return out;
}

}  // namespace cairn::service::internal
