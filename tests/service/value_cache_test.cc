// The value cache's contract (service/internal/value_cache.h): keyed by the
// ciphertext's seq and the key entry's name, bounded by bytes, and a Clear
// (a crypto-shred) is never undone by a reader that looked up before it.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "service/internal/value_cache.h"

namespace cairn {
namespace {

using service::internal::SealedValue;
using service::internal::ValueCache;

std::shared_ptr<const SealedValue> Sealed(size_t ciphertext_bytes, uint32_t kek_version = 1) {
  auto v = std::make_shared<SealedValue>();
  v->kind = projections::ValueKind::kString;
  v->ciphertext.assign(ciphertext_bytes, 'c');
  v->kek_version = kek_version;
  v->wrapped_dek = crypto::SecureBuffer::FromString(std::string(40, 'w'));
  return v;
}

TEST_CASE("the value cache finds an entry by its seq and key name only", "[service][value_cache]") {
  ValueCache cache(1 << 20);
  cache.Put(7, "k/arn/v1", Sealed(32, 3), cache.generation());
  auto found = cache.Find(7, "k/arn/v1");
  REQUIRE(found != nullptr);
  CHECK(found->kek_version == 3);
  CHECK(found->ciphertext.size() == 32);
  CHECK(cache.Find(8, "k/arn/v1") == nullptr);
  CHECK(cache.Find(7, "k/arn/v2") == nullptr);
  CHECK(cache.size() == 1);
  cache.Erase(7, "k/arn/v1");
  CHECK(cache.Find(7, "k/arn/v1") == nullptr);
  CHECK(cache.bytes() == 0);
}

TEST_CASE("a reader that looked up before a shred cannot put its entry back after it", "[service][value_cache][shred]") {
  ValueCache cache(1 << 20);
  const uint64_t seen = cache.generation();  // the reader starts its Gets
  cache.Clear();                             // a shred becomes durable meanwhile
  cache.Put(7, "k/arn/v1", Sealed(32), seen);
  CHECK(cache.Find(7, "k/arn/v1") == nullptr);
  CHECK(cache.size() == 0);
  // A reader that starts after the shred is kept.
  cache.Put(7, "k/arn/v1", Sealed(32), cache.generation());
  CHECK(cache.Find(7, "k/arn/v1") != nullptr);
}

TEST_CASE("a clear drops every entry and its bytes", "[service][value_cache][shred]") {
  ValueCache cache(1 << 20);
  for (uint64_t seq = 0; seq < 10; ++seq) cache.Put(seq, "k", Sealed(100), cache.generation());
  CHECK(cache.size() == 10);
  CHECK(cache.bytes() > 1000);
  std::shared_ptr<const SealedValue> held = cache.Find(3, "k");
  cache.Clear();
  CHECK(cache.size() == 0);
  CHECK(cache.bytes() == 0);
  CHECK(cache.Find(3, "k") == nullptr);
  CHECK(held->ciphertext.size() == 100);  // a reader in flight keeps what it holds
}

TEST_CASE("the value cache stays within its byte budget", "[service][value_cache]") {
  const size_t budget = 64 << 10;
  ValueCache cache(budget);
  for (uint64_t seq = 0; seq < 1000; ++seq) {
    cache.Put(seq, "k", Sealed(1000), cache.generation());
    REQUIRE(cache.bytes() <= budget);
  }
  CHECK(cache.size() > 0);
  CHECK(cache.Find(999, "k") != nullptr);  // the newest entry is always kept
  cache.Put(5000, "big", Sealed(budget), cache.generation());
  CHECK(cache.Find(5000, "big") == nullptr);  // larger than the whole budget: never kept
  CHECK(cache.Find(999, "k") != nullptr);
}

}  // namespace
}  // namespace cairn
