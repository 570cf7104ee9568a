#include "ledger/internal/committer.h"

#include <algorithm>

#include "ledger/internal/meta_format.h"

namespace cairn::ledger {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::microseconds kLingerGap{200};

}  // namespace

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
  thread_.join();
}

Status Committer::Enqueue(std::shared_ptr<CommitTicket> ticket) {
  {
    std::lock_guard lock(mu_);
    if (!poison_.ok()) return poison_;
    queued_records_ += ticket->records.size();
    queue_.push_back(std::move(ticket));
  }
  work_cv_.notify_one();
  return Status::Ok();
}

Result<std::vector<Appended>> Committer::Await(const std::shared_ptr<CommitTicket>& ticket) {
  std::unique_lock lock(mu_);
  if (ticket->awaited) return FailedPreconditionError("commit ticket was already awaited");
  ticket->awaited = true;
  ticket->cv.wait(lock, [&] { return ticket->done; });
  if (!ticket->status.ok()) return ticket->status;
  return std::move(ticket->records);
}

Head Committer::durable_head() const {
  std::lock_guard lock(mu_);
  return durable_;
}

Status Committer::poison() const {
  std::lock_guard lock(mu_);
  return poison_;
}

void Committer::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and drained
    Linger(lock);
    Batch batch = TakeBatch();
    Head head = durable_;
    Status status = poison_;
    lock.unlock();
    auto began = SteadyClock::now();
    if (status.ok()) status = WriteBatch(batch, &head);
    auto took = SteadyClock::now() - began;
    lock.lock();
    last_write_ = took;
    Complete(batch, status, head);
  }
}

void Committer::Linger(std::unique_lock<std::mutex>& lock) {
  size_t target = std::min(expected_records_, max_batch_records_);
  auto deadline = SteadyClock::now() + last_write_ / 2;
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
  Status s = store_.Write(writes, /*sync=*/true);
  if (s.ok()) return s;
  return s.WithContext("committing records seq " + std::to_string(batch.front()->records.front().seq) +
                       ".." + std::to_string(last.seq));
}

// Called with mu_ held. Waiters wake once mu_ is released.
void Committer::Complete(const Batch& batch, const Status& status, const Head& head) {
  if (status.ok()) {
    durable_ = head;
  } else if (poison_.ok()) {
    poison_ = status;
  }
  expected_records_ = queued_records_;
  for (const auto& ticket : batch) {
    expected_records_ += ticket->records.size();
    ticket->status = status;
    ticket->done = true;
    ticket->cv.notify_one();
  }
}

}  // namespace cairn::ledger
