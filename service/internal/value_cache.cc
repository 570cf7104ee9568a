#include "service/internal/value_cache.h"

#include <utility>

namespace cairn::service::internal {

std::string ValueCache::Key(uint64_t value_seq, std::string_view key_name) {
  std::string key(sizeof value_seq + key_name.size(), '\0');
  for (size_t i = 0; i < sizeof value_seq; ++i) key[i] = static_cast<char>(value_seq >> (8 * i));
  key.replace(sizeof value_seq, key_name.size(), key_name);
  return key;
}

size_t ValueCache::Cost(std::string_view key, const SealedValue& value) {
  constexpr size_t kOverhead = 128;  // the map node, the shared_ptr's block, the strings' headers
  return key.size() + value.ciphertext.size() + value.wrapped_dek.size() + kOverhead;
}

std::shared_ptr<const SealedValue> ValueCache::Find(uint64_t value_seq, std::string_view key_name) const {
  const std::string key = Key(value_seq, key_name);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

uint64_t ValueCache::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void ValueCache::Put(uint64_t value_seq, std::string_view key_name, std::shared_ptr<const SealedValue> value,
                     uint64_t seen_generation) {
  std::string key = Key(value_seq, key_name);
  const size_t cost = Cost(key, *value);
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_generation != generation_ || cost > max_bytes_) return;
  if (bytes_ + cost > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  }
  auto [it, inserted] = entries_.try_emplace(std::move(key), std::move(value));
  if (inserted) bytes_ += cost;
}

void ValueCache::Erase(uint64_t value_seq, std::string_view key_name) {
  const std::string key = Key(value_seq, key_name);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= Cost(it->first, *it->second);
  entries_.erase(it);
}

void ValueCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  entries_.clear();
  bytes_ = 0;
}

size_t ValueCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

size_t ValueCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace cairn::service::internal
