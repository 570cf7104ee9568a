// LevelDigests and DigestStoredTree (internal/tree_digest.h).
#include "ledger/internal/tree_digest.h"

#include <algorithm>
#include <cstring>

#include "ledger/tree.h"

namespace cairn::ledger {
namespace {

// The index of a 9-byte key of `level`, or nullopt for any other key.
std::optional<uint64_t> IndexAt(std::string_view key, uint8_t level) {
  if (key.size() != kTreeKeyBytes || static_cast<uint8_t>(key[0]) != level) return std::nullopt;
  uint64_t index = 0;
  for (size_t i = 1; i < kTreeKeyBytes; ++i) index = (index << 8) | static_cast<uint8_t>(key[i]);
  return index;
}

}  // namespace

void LevelDigests::Add(uint8_t level, const uint8_t* hash) {
  if (level >= levels_.size()) levels_.resize(level + 1);
  Level& l = levels_[level];
  std::memcpy(l.buffer.data() + l.fill, hash, 32);
  l.fill += 32;
  ++l.count;
  if (l.fill == l.buffer.size()) {
    crypto::Digest d = crypto::Sha256(crypto::ByteView(l.buffer.data(), l.fill));
    std::memcpy(l.buffer.data(), d.data(), d.size());
    l.fill = 32;
  }
}

std::vector<crypto::Digest> LevelDigests::Finish() {
  std::vector<crypto::Digest> out;
  for (Level& l : levels_) {
    if (l.fill > 32) {
      crypto::Digest d = crypto::Sha256(crypto::ByteView(l.buffer.data(), l.fill));
      std::memcpy(l.buffer.data(), d.data(), d.size());
      l.fill = 32;
    }
    crypto::Digest d;
    std::memcpy(d.data(), l.buffer.data(), d.size());
    out.push_back(d);
  }
  return out;
}

StoredTreeDigester::StoredTreeDigester(const Store& store) : store_(store) {
  thread_ = std::thread([this] { Run(); });
}

StoredTreeDigester::~StoredTreeDigester() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoredTreeDigester::Publish(uint64_t leaves, bool final) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    published_ = std::max(published_, leaves);
    final_ = final_ || final;
  }
  cv_.notify_all();
}

Result<bool> StoredTreeDigester::Advance(uint8_t level, uint64_t nodes) {
  std::unique_ptr<StoreIterator>& it = cursors_[level];
  if (it == nullptr) {
    it = store_.NewScanIterator(Family::kTree);
    it->Seek(TreeNodeKey(level, 0));
  }
  for (uint64_t& i = next_[level]; i < nodes; ++i) {
    if (step_[level]) it->Next();
    step_[level] = true;
    if (!it->Valid()) {
      RETURN_IF_ERROR(it->status());
      return false;
    }
    std::string_view value = it->value();
    if (IndexAt(it->key(), level) != i || value.size() != 32) return false;
    digests_.Add(level, reinterpret_cast<const uint8_t*>(value.data()));
  }
  return true;
}

void StoredTreeDigester::Run() {
  uint64_t done = 0;  // leaves whose nodes are all digested
  while (true) {
    uint64_t leaves;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || final_ || published_ > done; });
      if (stop_) return;
      leaves = published_;
    }
    for (uint8_t level = 0; level < 64 && (leaves >> level) > 0; ++level) {
      Result<bool> ok = Advance(level, leaves >> level);
      if (!ok.ok() || !*ok) {
        std::lock_guard<std::mutex> lock(mu_);
        result_ = std::move(ok);
        final_ = true;
        break;
      }
    }
    done = leaves;
    std::lock_guard<std::mutex> lock(mu_);
    if (final_ && published_ == done) break;
    if (!result_.ok() || !*result_) break;
  }
  for (auto& it : cursors_) it.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;  // finished
  }
  cv_.notify_all();
}

Result<bool> StoredTreeDigester::Finish() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

}  // namespace cairn::ledger
