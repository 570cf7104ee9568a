#include "ledger/internal/committer.h"

#include "ledger/internal/meta_format.h"

namespace cairn::ledger {

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
    Batch batch = TakeBatch();
    Head head = durable_;
    Status status = poison_;
    lock.unlock();
    if (status.ok()) status = WriteBatch(batch, &head);
    lock.lock();
    Complete(batch, status, head);
  }
}

Committer::Batch Committer::TakeBatch() {
  Batch batch;
  size_t records = 0;
  while (!queue_.empty()) {
    size_t n = queue_.front()->records.size();
    if (!batch.empty() && records + n > max_batch_records_) break;
    records += n;
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
  for (const auto& ticket : batch) {
    ticket->status = status;
    ticket->done = true;
    ticket->cv.notify_one();
  }
}

}  // namespace cairn::ledger
