// Committer: the group-commit half of Ledger (ledger/FORMAT.md, "Group commit").
//
// Tickets arrive in seq order (Ledger::Stage enqueues under its own lock). One
// thread takes as many queued tickets as fit in max_batch_records (a larger
// ticket goes alone, never split), writes their records and Merkle nodes
// (ledger/tree.h), their side writes and the new meta head as ONE
// Store::Write(sync=true) (Store::WriteDeferred if every ticket in it is
// Durability::kDeferred), then completes them. A
// failed write poisons the committer: that batch, every queued ticket and every
// later Enqueue get the error. Thread-safe.
//
// Lingering: callers released by a batch usually come straight back with their
// next record, but they wake one by one. So before taking a batch, the
// committer waits for as many records as were in flight or queued when the
// last batch finished (capped by max_batch_records), for at most half the
// duration of the last write, and stops as soon as no ticket arrives for
// kLingerGap. A lone caller never waits: one record in flight, one expected.
#ifndef CAIRN_LEDGER_INTERNAL_COMMITTER_H_
#define CAIRN_LEDGER_INTERNAL_COMMITTER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/status.h"
#include "ledger/ledger.h"
#include "ledger/store.h"

namespace cairn::ledger {

// Declared opaque in ledger.h. `records` and `writes` are filled before the
// ticket is enqueued; completion is guarded by the ticket's own mutex so that
// waking one caller never contends with the queue.
class CommitTicket {
 public:
  std::vector<Appended> records;  // seq order, dense
  WriteSet writes;                // the records' log puts and tree nodes, then side writes
  Durability durability = Durability::kSync;

  void Complete(Status status);
  Result<std::vector<Appended>> Await();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool awaited_ = false;
  Status status_;
};

class Committer {
 public:
  // `store` must outlive the committer; `durable` is the head on disk.
  Committer(Store& store, Head durable, size_t max_batch_records);
  ~Committer();  // commits everything queued, then stops the thread
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues `ticket` behind every earlier one; the poison status if poisoned.
  Status Enqueue(std::shared_ptr<CommitTicket> ticket);
  Head durable_head() const;
  // Ledger::WaitDurable: blocks until durable_head().next_seq > next_seq, the
  // timeout passes or the committer is stopping; the durable head.
  Head WaitDurable(uint64_t next_seq, int timeout_ms) const;
  Status poison() const;

 private:
  using Batch = std::vector<std::shared_ptr<CommitTicket>>;
  void Run();
  void Linger(std::unique_lock<std::mutex>& lock);
  Batch TakeBatch();
  Status WriteBatch(Batch& batch, Head* head);
  void Finish(const Batch& batch, const Status& status, const Head& head);

  Store& store_;
  const size_t max_batch_records_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  // Signalled (all) after every batch and at shutdown.
  mutable std::condition_variable durable_cv_;
  std::deque<std::shared_ptr<CommitTicket>> queue_;  // guarded by mu_, and so is the rest
  size_t queued_records_ = 0;
  // Enqueue wakes the committer once queued_records_ reaches this: 1 while it
  // idles, the linger target while it lingers, never while it writes.
  size_t wake_at_ = SIZE_MAX;
  size_t expected_records_ = 0;             // in flight or queued as the last batch finished
  std::chrono::nanoseconds last_write_{0};  // duration of the last store write
  Head durable_;
  Status poison_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_COMMITTER_H_
