// ValueCache: the sealed parts of versions read recently — the ciphertext
// from the version's record, its wrapped DEK and the KEK version that wraps
// it — so that a hot version's audited read skips two RocksDB Gets and a
// record decode. Nothing in it is plaintext: every read still unwraps the DEK
// and decrypts (crypto::Keyring::OpenValue).
//
// Why an entry never goes stale: it is keyed by the record seq that holds the
// ciphertext plus the version's key-entry name, and neither changes once
// written. A version that is destroyed (crypto-shredded) is never asked for
// again — Decide refuses it from the projection — but its wrapped DEK must not
// linger in memory either: Clear() runs when a decision that deletes wrapped
// DEKs is durable, before that call is answered. A reader that looked a
// version up before a Clear cannot put it back after: Put takes the
// generation the reader saw before its Gets and drops the entry if a Clear
// came in between.
//
// Bounded by bytes: when an entry would pass the budget, the cache starts
// over empty (hot versions come back on their next read). Thread-safe.
#ifndef CAIRN_SERVICE_INTERNAL_VALUE_CACHE_H_
#define CAIRN_SERVICE_INTERNAL_VALUE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crypto/secure_buffer.h"
#include "projections/secrets.h"

namespace cairn::service::internal {

struct SealedValue {
  projections::ValueKind kind = projections::ValueKind::kNone;
  std::string ciphertext;
  uint32_t kek_version = 0;
  crypto::SecureBuffer wrapped_dek;  // wiped when the last reader lets go
};

class ValueCache {
 public:
  explicit ValueCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The entry for the ciphertext at `value_seq` under key entry `key_name`,
  // or null.
  std::shared_ptr<const SealedValue> Find(uint64_t value_seq, std::string_view key_name) const;
  // Read before looking anything up in the store; hand it to Put.
  uint64_t generation() const;
  // Keeps `value` unless Clear ran since `seen_generation` was read.
  void Put(uint64_t value_seq, std::string_view key_name, std::shared_ptr<const SealedValue> value,
           uint64_t seen_generation);
  // Drops one entry (one that did not open).
  void Erase(uint64_t value_seq, std::string_view key_name);
  // Drops every entry and starts a new generation.
  void Clear();

  size_t size() const;
  size_t bytes() const;

 private:
  static std::string Key(uint64_t value_seq, std::string_view key_name);
  static size_t Cost(std::string_view key, const SealedValue& value);

  const size_t max_bytes_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const SealedValue>> entries_;
};

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_VALUE_CACHE_H_
