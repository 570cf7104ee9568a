#include "ledger/internal/committer.h"

#include <pthread.h>
#include <algorithm>

#include "ledger/internal/meta_format.h"

namespace cairn::ledger {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::microseconds kLingerGap{200};

}  // namespace

void CommitTicket::Complete(Status status) {
  {
    std::lock_guard lock(mu_);
    status_ = std::move(status);
    done_ = true;
  }
  cv_.notify_one();
}

Result<std::vector<Appended>> CommitTicket::Await() {
  std::unique_lock lock(mu_);
  if (awaited_) return FailedPreconditionError("commit ticket was already awaited");
  awaited_ = true;
  cv_.wait(lock, [&] { return done_; });
  if (!status_.ok()) return status_;
  return std::move(records);
}

Committer::Committer(Store& store, Head durable, size_t max_batch_records)
    : store_(store),
      max_batch_records_(max_batch_records),
      durable_(durable),
      thread_([this] { Run(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  durable_cv_.notify_all();  // WaitDurable returns: the ledger is closing
  thread_.join();
}

Status Committer::Enqueue(std::shared_ptr<CommitTicket> ticket) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (!poison_.ok()) return poison_;
    queued_records_ += ticket->records.size();
    queue_.push_back(std::move(ticket));
    wake = queued_records_ >= wake_at_;
  }
  if (wake) work_cv_.notify_one();
  return Status::Ok();
}

Head Committer::durable_head() const {
  std::lock_guard lock(mu_);
  return durable_;
}

Head Committer::WaitDurable(uint64_t next_seq, int timeout_ms) const {
  std::unique_lock lock(mu_);
  const auto timeout = std::chrono::milliseconds(std::max(timeout_ms, 0));
  // Poison does not end the wait: nothing becomes durable any more, and a
  // caller polling in a loop should sleep out its timeout, not spin.
  durable_cv_.wait_for(lock, timeout,
                       [&] { return durable_.next_seq > next_seq || stopping_; });
  return durable_;
}

Status Committer::poison() const {
  std::lock_guard lock(mu_);
  return poison_;
}

void Committer::Run() {
  pthread_setname_np(pthread_self(), "cairn-committer");
  std::unique_lock lock(mu_);
  while (true) {
    wake_at_ = 1;
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and drained
    Linger(lock);
    wake_at_ = SIZE_MAX;
    Batch batch = TakeBatch();
    Head head = durable_;
    Status status = poison_;
    lock.unlock();
    auto began = SteadyClock::now();
    if (status.ok()) status = WriteBatch(batch, &head);
    auto took = SteadyClock::now() - began;
    Finish(batch, status, head);
    lock.lock();
    last_write_ = took;
  }
}

void Committer::Linger(std::unique_lock<std::mutex>& lock) {
  size_t target = std::min(expected_records_, max_batch_records_);
  auto deadline = SteadyClock::now() + last_write_ / 2;
  wake_at_ = target;
  while (queued_records_ < target && !stopping_ && poison_.ok()) {
    auto now = SteadyClock::now();
    if (now >= deadline) return;
    size_t before = queued_records_;
    work_cv_.wait_until(lock, std::min(deadline, now + kLingerGap));
    if (queued_records_ == before) return;  // a gap: nobody else is coming soon
  }
}

Committer::Batch Committer::TakeBatch() {
  Batch batch;
  size_t records = 0;
  while (!queue_.empty()) {
    size_t n = queue_.front()->records.size();
    if (!batch.empty() && records + n > max_batch_records_) break;
    records += n;
    queued_records_ -= n;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

Status Committer::WriteBatch(Batch& batch, Head* head) {
  WriteSet writes;
  for (auto& ticket : batch) writes.Append(std::move(ticket->writes));
  const Appended& last = batch.back()->records.back();
  head->next_seq = last.seq + 1;
  head->last_leaf = last.leaf_hash;
  writes.Put(Family::kMeta, kMetaHead, EncodeHead(*head));
  writes.DropOverwritten();
  const bool deferred = std::all_of(batch.begin(), batch.end(), [](const auto& ticket) {
    return ticket->durability == Durability::kDeferred;
  });
  Status s = deferred ? store_.WriteDeferred(writes) : store_.Write(writes, /*sync=*/true);
  if (s.ok()) return s;
  return s.WithContext("committing records seq " +
                       std::to_string(batch.front()->records.front().seq) + ".." +
                       std::to_string(last.seq));
}

// Publishes the outcome, then wakes the batch's callers outside mu_.
void Committer::Finish(const Batch& batch, const Status& status, const Head& head) {
  size_t released = 0;
  for (const auto& ticket : batch) released += ticket->records.size();
  {
    std::lock_guard lock(mu_);
    if (status.ok()) {
      durable_ = head;
    } else if (poison_.ok()) {
      poison_ = status;
    }
    expected_records_ = queued_records_ + released;
  }
  durable_cv_.notify_all();
  for (const auto& ticket : batch) ticket->Complete(status);
}

}  // namespace cairn::ledger
