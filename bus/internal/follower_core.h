// FollowerCore: the Follower's ordering and verification, without sockets.
// It is fed parsed messages from the PUB stream (Offer) and asked for the next
// record (Poll); it fetches gaps through FetchRecords itself. Time is passed
// in, so tests drive it with a fake fetch and a fake clock.
//
// Invariant: Poll hands on records with seq next_seq(), next_seq()+1, ...,
// each one decoding, carrying its own seq and the leaf hash of the record
// handed on before it (32 zero bytes before record 0); nothing twice. The
// first record that fails stops the core for good with DataLoss.
//
// Not thread-safe; one thread calls everything.
#ifndef CAIRN_BUS_INTERNAL_FOLLOWER_CORE_H_
#define CAIRN_BUS_INTERNAL_FOLLOWER_CORE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "bus/follower.h"
#include "bus/publisher.h"
#include "crypto/hash.h"
#include "crypto/status.h"

namespace cairn::bus::internal {

using SteadyTime = std::chrono::steady_clock::time_point;

// OK iff `bytes` decode as a record whose seq field is `seq` and whose prev
// is `prev_leaf` (the leaf hash of record seq-1, zeros for seq 0). Otherwise
// DataLoss naming the seq, e.g. "record 7 does not link to record 6: prev
// <hex> != <hex>".
Status VerifyLink(uint64_t seq, const crypto::Digest& prev_leaf, std::string_view bytes);

struct FollowerCoreOptions {
  uint64_t from_seq = 0;
  crypto::Digest prev_leaf{};  // leaf hash of record from_seq-1 (zeros for 0)
  uint32_t fetch_page = 1000;
  size_t max_buffered = 100000;             // early live records kept; later ones are fetched
  bool catch_up_at_start = true;            // fetch pages from from_seq until one comes back short
  std::chrono::milliseconds min_retry{10};  // after a short or failed fetch,
  std::chrono::milliseconds max_retry{1000};  // doubling up to this
};

class FollowerCore {
 public:
  FollowerCore(FollowerCoreOptions options, FetchRecords fetch);

  // Takes one message from the PUB stream. A record before next_seq() (or
  // already held) is a duplicate and dropped; a later one is held until its
  // turn and reveals a gap. A heartbeat reveals the head; when we are at the
  // head (past record 0), its leaf must be ours (DataLoss otherwise, and the
  // core stops).
  Status Offer(RecordMessage message);

  // The next record, verified, if it is at hand: held from the stream, or
  // fetched now because a gap is known (or at start) and no retry delay is
  // pending at `now`. nullopt if there is none yet; DataLoss (for good) if
  // the next record fails VerifyLink or the fetch misnumbers its records.
  Result<std::optional<FollowedRecord>> Poll(SteadyTime now);

  // When Poll would fetch again after a short or failed fetch; nullopt when
  // no fetch is pending (only a new message can make progress).
  std::optional<SteadyTime> RetryAt() const;

  uint64_t next_seq() const { return next_seq_; }
  // Whether the record at next_seq() is held (Poll hands it on without a fetch).
  bool has_next() const { return held_.contains(next_seq_); }
  // The largest signed checkpoint the stream has shown since the last call
  // (tree size, note), unverified: a DR replica checks it against its pinned
  // key. nullopt if none arrived.
  std::optional<std::pair<uint64_t, std::string>> TakeCheckpoint() { return std::exchange(checkpoint_, std::nullopt); }
  // The head the stream has shown (heartbeats and records): next seq.
  uint64_t known_head() const { return known_head_; }
  const FollowerStats& stats() const { return stats_; }
  // The last fetch failure ("" if the last fetch succeeded), for messages.
  const std::string& last_fetch_error() const { return last_fetch_error_; }

 private:
  struct Held {
    std::string bytes;
    bool fetched = false;
    std::optional<crypto::Digest> leaf_hash;  // the fetcher's, if it hashed the bytes
  };

  bool FetchWanted() const;
  // Fetches the start of the gap at next_seq_ into held_.
  Status Fetch(SteadyTime now);
  void Backoff(SteadyTime now);
  FollowedRecord HandOn(Held held);

  FollowerCoreOptions options_;
  FetchRecords fetch_;
  uint64_t next_seq_;
  crypto::Digest prev_leaf_;
  uint64_t known_head_;  // every seq below it exists in the log
  std::optional<std::pair<uint64_t, std::string>> checkpoint_;  // the largest since TakeCheckpoint
  bool catching_up_;
  std::map<uint64_t, Held> held_;  // keys >= next_seq_
  SteadyTime retry_at_{};
  std::chrono::milliseconds retry_delay_{0};
  std::string last_fetch_error_;
  Status failed_;
  FollowerStats stats_;
};

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_FOLLOWER_CORE_H_
