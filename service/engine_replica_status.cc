// Engine's answers to ReportReplicaStatus and GetReplicaStatus
// (service/op_replica_status.cc), once their events are durable: the latest
// report of each replica, held in memory, read against the durable head.
#include "crypto/hash.h"
#include "ledger/tree.h"
#include "service/cloudtrail.h"
#include "service/engine.h"

namespace cairn::service {
namespace {

// Whether the replica's head leaf is ours at that seq: null for an empty
// replica, false for one past our head (it holds records we do not).
Json LeafMatches(const ledger::Store& store, uint64_t durable, const ReplicaReport& r) {
  if (r.head_seq == 0) return nullptr;
  if (r.head_seq > durable) return false;
  Result<crypto::Digest> ours = ledger::TreeReader(store).Node(0, r.head_seq - 1);
  if (!ours.ok()) return nullptr;
  return crypto::ToHex(*ours) == r.head_leaf_hex;
}

}  // namespace

void Engine::AnswerReplicaReport(ReplicaReport report, Response& response) {
  const ledger::Head head = ledger_->durable_head();
  report.primary_head = response.seq;  // the report's own record is the next
  response.body = {{"PrimaryHeadSeq", head.next_seq},
                   {"LeafHashMatches", LeafMatches(ledger_->store(), head.next_seq, report)}};
  std::lock_guard<std::mutex> lock(reports_mu_);
  auto key = std::make_pair(report.principal, report.replica_id);
  replica_reports_[std::move(key)] = std::move(report);
}

void Engine::AnswerReplicaStatus(Response& response) {
  const ledger::Head head = ledger_->durable_head();
  const int64_t now = clock_->NowMs();
  Json replicas = Json::array();
  std::lock_guard<std::mutex> lock(reports_mu_);
  for (const auto& [key, r] : replica_reports_) {
    replicas.push_back(
        {{"ReplicaId", r.replica_id},
         {"Principal", r.principal},
         {"HeadSeq", r.head_seq},
         {"HeadLeafHash", r.head_leaf_hex},
         {"LeafHashMatches", LeafMatches(ledger_->store(), head.next_seq, r)},
         // As of the report: the primary's records it had not applied then.
         {"LagRecords", r.primary_head > r.head_seq ? r.primary_head - r.head_seq : 0},
         {"PrimaryHeadSeqAtReport", r.primary_head},
         {"LagMs", r.lag_ms},
         {"PendingRecords", r.pending_records},
         {"BytesPerSecond", r.bytes_per_second},
         {"LastVerifiedCheckpoint", {{"TreeSize", r.verified_tree_size}, {"Root", r.verified_root_hex}}},
         {"ReportedAt", IsoTime(r.reported_at_ms)},
         {"ReportedAgoMs", now > r.reported_at_ms ? now - r.reported_at_ms : 0}});
  }
  response.body = {{"PrimaryHeadSeq", head.next_seq},
                   {"PrimaryHeadLeafHash", crypto::ToHex(head.last_leaf)},
                   {"Replicas", std::move(replicas)}};
}

}  // namespace cairn::service
