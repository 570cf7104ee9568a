// LogScanner (internal/log_scanner.h).
#include "ledger/internal/log_scanner.h"

#include <cstring>

namespace cairn::ledger {

size_t LogChunk::Copy(std::string_view bytes) {
  const size_t at = used_;
  const size_t words = (bytes.size() + 7) / 8;
  if (arena_.size() * 8 < at + words * 8)
    arena_.resize(std::max(arena_.size() * 2, at / 8 + words));
  if (!bytes.empty())
    std::memcpy(reinterpret_cast<char*>(arena_.data()) + at, bytes.data(), bytes.size());
  used_ = at + words * 8;
  return at;
}

LogScanner::LogScanner(const Store& store, std::function<void(uint64_t, bool)> on_read)
    : store_(store), on_read_(std::move(on_read)) {
  for (size_t i = 0; i < kChunks; ++i) free_.push_back(std::make_unique<LogChunk>());
  reader_ = std::thread([this] { Run(); });
}

LogScanner::~LogScanner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (reader_.joinable()) reader_.join();
}

void LogScanner::Run() {
  std::unique_ptr<StoreIterator> it = store_.NewScanIterator(Family::kLog);
  uint64_t count = 0;
  it->SeekToFirst();
  while (true) {
    std::unique_ptr<LogChunk> chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
      if (stop_) return;
      chunk = std::move(free_.back());
      free_.pop_back();
    }
    chunk->Clear();
    for (; it->Valid() && chunk->size() < kChunkRecords; it->Next()) {
      size_t key = chunk->Copy(it->key());
      size_t value = chunk->Copy(it->value());
      chunk->entries_.push_back({key, it->key().size(), value, it->value().size()});
    }
    count += chunk->size();
    const bool last = !it->Valid();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (chunk->size() > 0)
        full_.push_back(std::move(chunk));
      else
        free_.push_back(std::move(chunk));
      if (last) {
        status_ = it->status();
        done_ = true;
      }
    }
    cv_.notify_all();
    if (on_read_) on_read_(count, last);
    if (last) break;
  }
}

const LogChunk* LogScanner::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (current_) {
    free_.push_back(std::move(current_));
    cv_.notify_all();
  }
  cv_.wait(lock, [&] { return done_ || !full_.empty(); });
  if (full_.empty()) return nullptr;
  current_ = std::move(full_.front());
  full_.pop_front();
  return current_.get();
}

Status LogScanner::Finish() {
  if (reader_.joinable()) reader_.join();
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace cairn::ledger
