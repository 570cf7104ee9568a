// The value cache's contract (service/internal/value_cache.h): keyed by the
// ciphertext's seq and the key entry's name, bounded by bytes, and a Clear
// (a crypto-shred) is never undone by a reader that looked up before it.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "service/internal/value_cache.h"
#include "tests/service/engine_fixture.h"

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

// Readers hammer a version while a put prunes it (crypto-shreds its data key).
// Each read either returns that version's value, or fails; none returns
// another value; once the put is answered the cache no longer holds it, and
// every later read is refused.
TEST_CASE("reads racing a shred get the right value or an error, and the shred empties the cache",
          "[service][value_cache][shred]") {
  testing::EngineFixture f;
  auto engine = f.Open();
  REQUIRE(engine.ok());
  auto& e = **engine;
  REQUIRE(e.Execute(testing::MakeRequest("CreateSecret", {{"Name", "raced"}}, "value-0"), testing::TestActor()).ok());
  for (int i = 1; i < 100; ++i) {
    REQUIRE(e.Execute(testing::MakeRequest("PutSecretValue", {{"SecretId", "raced"}}, "value-" + std::to_string(i)),
                      testing::TestActor()).ok());
  }
  const auto* secret = e.state_for_testing().FindByName("raced");
  REQUIRE(secret != nullptr);
  const std::string oldest = testing::OldestVersionId(*secret);
  const uint64_t oldest_seq = secret->FindVersion(oldest)->value_seq;
  const std::string key_name = service::KeyEntryKey(secret->arn, oldest);
  f.clock.Advance(25LL * 3600 * 1000);  // the old versions pass the 24-hour guard

  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  constexpr int kReaders = 4;
  std::vector<std::map<std::string, int>> outcomes(kReaders);  // value or error code -> count
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      bool counted = false;
      while (!stop.load()) {
        auto r = e.Execute(testing::MakeRequest("GetSecretValue", {{"SecretId", "raced"}, {"VersionId", oldest}}),
                           testing::TestActor());
        if (!counted) { started.fetch_add(1); counted = true; }
        if (r.ok() && r.values.size() == 1) {
          ++outcomes[t][std::string(r.values[0].value.bytes.as_string_view())];
        } else {
          ++outcomes[t][r.ok() ? "no value" : "error " + r.error->code];
        }
      }
    });
  }
  while (started.load() < kReaders) std::this_thread::yield();
  REQUIRE(e.Execute(testing::MakeRequest("PutSecretValue", {{"SecretId", "raced"}}, "value-100"),
                    testing::TestActor()).ok());
  // Answered: the version's key is gone from the store and from the cache,
  // whatever the readers were doing.
  CHECK(e.value_cache_for_testing().Find(oldest_seq, key_name) == nullptr);
  auto entry = e.ledger().store().Get(ledger::Family::kKeys, key_name);
  REQUIRE(entry.ok());
  CHECK_FALSE(entry->has_value());
  stop.store(true);
  for (auto& r : readers) r.join();

  std::map<std::string, int> all;
  for (const auto& m : outcomes) for (const auto& [what, n] : m) all[what] += n;
  CHECK(all["value-0"] > 0);  // read before the shred
  for (const auto& [what, n] : all) {
    INFO(what << ": " << n);
    CHECK((what == "value-0" || what == "error ResourceNotFoundException" || what == "error DecryptionFailure"));
  }
  CHECK(e.value_cache_for_testing().Find(oldest_seq, key_name) == nullptr);
  auto after = e.Execute(testing::MakeRequest("GetSecretValue", {{"SecretId", "raced"}, {"VersionId", oldest}}),
                         testing::TestActor());
  REQUIRE_FALSE(after.ok());
  CHECK(after.error->code == "ResourceNotFoundException");
}

}  // namespace
}  // namespace cairn
