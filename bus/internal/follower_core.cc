#include "bus/internal/follower_core.h"

#include <algorithm>
#include <utility>

#include "ledger/record.h"

namespace cairn::bus::internal {

Status VerifyLink(uint64_t seq, const crypto::Digest& prev_leaf, std::string_view bytes) {
  Result<ledger::RecordLink> envelope = ledger::DecodeRecordLink(bytes);  // the checks, no copy
  if (!envelope.ok()) {
    return DataLossError("record " + std::to_string(seq) +
                         " does not decode: " + envelope.status().message());
  }
  if (envelope->seq != seq) {
    return DataLossError("record " + std::to_string(seq) + " carries seq " +
                         std::to_string(envelope->seq));
  }
  if (envelope->prev != prev_leaf) {
    std::string what = seq == 0 ? "record 0 does not start the chain"
                                : "record " + std::to_string(seq) + " does not link to record " +
                                      std::to_string(seq - 1);
    return DataLossError(what + ": prev " + crypto::ToHex(envelope->prev) +
                         " != " + crypto::ToHex(prev_leaf));
  }
  return Status::Ok();
}

FollowerCore::FollowerCore(FollowerCoreOptions options, FetchRecords fetch)
    : options_(options),
      fetch_(std::move(fetch)),
      next_seq_(options_.from_seq),
      prev_leaf_(options_.prev_leaf),
      known_head_(options_.from_seq),
      catching_up_(options_.catch_up_at_start) {
  options_.fetch_page = std::max<uint32_t>(options_.fetch_page, 1);
}

Status FollowerCore::Offer(RecordMessage message) {
  if (!failed_.ok()) return failed_;
  if (message.checkpoint()) {  // not a record: kept for TakeCheckpoint (a replica verifies it)
    if (!checkpoint_ || message.seq > checkpoint_->first) checkpoint_.emplace(message.seq, std::move(message.record));
    return Status::Ok();
  }
  if (message.heartbeat()) {
    ++stats_.heartbeats;
    known_head_ = std::max(known_head_, message.seq);
    // At the head, the publisher's head leaf must be the one we hold.
    crypto::Digest head{};
    std::copy_n(message.record.begin(), std::min(message.record.size(), head.size()), head.begin());
    if (message.seq == next_seq_ && next_seq_ > 0 && head != prev_leaf_) {
      failed_ =
          DataLossError("heartbeat: head record " + std::to_string(next_seq_ - 1) + " has leaf " +
                        crypto::ToHex(head) + ", ours is " + crypto::ToHex(prev_leaf_));
    }
    return failed_;
  }
  if (message.seq < next_seq_ || held_.contains(message.seq)) {
    ++stats_.duplicates;
    return Status::Ok();
  }
  known_head_ = std::max(known_head_, message.seq + 1);
  // Beyond the bound, later records are not held: they are fetched in turn.
  if (held_.size() < options_.max_buffered || message.seq == next_seq_) {
    held_.emplace(message.seq, Held{std::move(message.record), false});
  }
  return Status::Ok();
}

bool FollowerCore::FetchWanted() const { return catching_up_ || known_head_ > next_seq_; }

Result<std::optional<FollowedRecord>> FollowerCore::Poll(SteadyTime now) {
  if (!failed_.ok()) return failed_;
  if (!held_.contains(next_seq_) && FetchWanted() && now >= retry_at_) {
    failed_ = Fetch(now);
    if (!failed_.ok()) return failed_;
  }
  auto it = held_.find(next_seq_);
  if (it == held_.end()) return std::optional<FollowedRecord>();
  Held held = std::move(it->second);
  held_.erase(it);
  failed_ = VerifyLink(next_seq_, prev_leaf_, held.bytes);
  if (!failed_.ok()) return failed_;
  return std::optional<FollowedRecord>(HandOn(std::move(held)));
}

Status FollowerCore::Fetch(SteadyTime now) {
  uint64_t want = options_.fetch_page;
  if (!catching_up_) {
    // Up to the next record we hold, or the known head.
    uint64_t end = known_head_;
    auto later = held_.upper_bound(next_seq_);
    if (later != held_.end()) end = std::min(end, later->first);
    want = std::min<uint64_t>(want, end - next_seq_);
  }
  const uint64_t from = next_seq_;
  Result<std::vector<StoredRecord>> got = fetch_(from, static_cast<uint32_t>(want));
  if (!got.ok()) {
    last_fetch_error_ = got.status().ToString();
    Backoff(now);
    return Status::Ok();  // transient as far as we know: retried
  }
  last_fetch_error_.clear();
  const uint64_t n = std::min<uint64_t>(got->size(), want);
  for (uint64_t i = 0; i < n; ++i) {
    StoredRecord& r = (*got)[i];
    if (r.seq != from + i) {
      return DataLossError("fetch from " + std::to_string(from) + " returned record " +
                           std::to_string(r.seq) + " in the place of " + std::to_string(from + i));
    }
    held_.try_emplace(r.seq, Held{std::move(r.bytes), true, r.leaf_hash});
  }
  known_head_ = std::max(known_head_, from + n);
  const bool short_page = n < want;
  if (short_page) catching_up_ = false;
  if (short_page && known_head_ > from + n) {
    Backoff(now);  // the API lags behind a record the stream showed us
  } else {
    retry_delay_ = std::chrono::milliseconds(0);
    retry_at_ = now;
  }
  return Status::Ok();
}

void FollowerCore::Backoff(SteadyTime now) {
  retry_delay_ = retry_delay_.count() == 0 ? options_.min_retry
                                           : std::min(2 * retry_delay_, options_.max_retry);
  retry_at_ = now + retry_delay_;
}

std::optional<SteadyTime> FollowerCore::RetryAt() const {
  if (!failed_.ok() || held_.contains(next_seq_) || !FetchWanted()) return std::nullopt;
  return retry_at_;
}

FollowedRecord FollowerCore::HandOn(Held held) {
  FollowedRecord record;
  record.seq = next_seq_;
  record.leaf_hash = held.leaf_hash ? *held.leaf_hash : crypto::LeafHash(crypto::AsBytes(held.bytes));
  record.bytes = std::move(held.bytes);
  prev_leaf_ = record.leaf_hash;
  ++next_seq_;
  ++(held.fetched ? stats_.fetched : stats_.live);
  return record;
}

}  // namespace cairn::bus::internal
