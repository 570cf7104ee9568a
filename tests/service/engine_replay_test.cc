// The engine end to end: one durable event per call, values only after the
// event, and projection state that a replay of the log reproduces byte for byte.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "ledger/verify.h"
#include "tests/testing/temp_dir.h"
#include "tests/service/engine_fixture.h"

namespace cairn {
namespace {

using service::Json;
using testing::MakeRequest;
using testing::TestActor;

using testing::AnyFileHolds;

TEST_CASE("every call appends exactly one durable event, failures included", "[service][engine]") {
  testing::EngineFixture f;
  auto engine = f.Open();
  REQUIRE(engine.ok());
  auto& e = **engine;
  const uint64_t before = e.ledger().durable_head().next_seq;
  auto created = e.Execute(MakeRequest("CreateSecret", {{"Name", "db"}}, "v1"), TestActor());
  REQUIRE(created.ok());
  CHECK(created.seq == before);
  auto missing = e.Execute(MakeRequest("GetSecretValue", {{"SecretId", "nope"}}), TestActor());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error->code == "ResourceNotFoundException");
  CHECK(missing.seq == before + 1);
  auto got = e.Execute(MakeRequest("GetSecretValue", {{"SecretId", "db"}}), TestActor());
  REQUIRE(got.ok());
  REQUIRE(got.values.size() == 1);
  CHECK(got.values[0].value.bytes.as_string_view() == "v1");
  CHECK(got.seq == before + 2);
  CHECK(e.ledger().durable_head().next_seq == before + 3);
}

TEST_CASE("replaying the log from genesis yields byte-identical projection state", "[service][engine][replay]") {
  testing::EngineFixture f;
  {
    auto engine = f.Open();
    REQUIRE(engine.ok());
    auto& e = **engine;
    auto run = [&](const std::string& op, Json params, const std::string& value = "") {
      auto r = e.Execute(MakeRequest(op, std::move(params), value), TestActor());
      f.clock.Advance(1500);
      return r;
    };
    REQUIRE(run("CreateSecret", {{"Name", "prod/db"}, {"Description", "db"}, {"Tags", Json::array({{{"Key", "team"}, {"Value", "a"}}})}}, "one").ok());
    REQUIRE(run("PutSecretValue", {{"SecretId", "prod/db"}}, "two").ok());
    REQUIRE(run("PutSecretValue", {{"SecretId", "prod/db"}, {"VersionStages", Json::array({"AWSPENDING"})}}, "three").ok());
    REQUIRE(run("GetSecretValue", {{"SecretId", "prod/db"}, {"VersionStage", "AWSPREVIOUS"}}).ok());
    REQUIRE(run("TagResource", {{"SecretId", "prod/db"}, {"Tags", Json::array({{{"Key", "env"}, {"Value", "prod"}}})}}).ok());
    REQUIRE(run("UntagResource", {{"SecretId", "prod/db"}, {"TagKeys", Json::array({"team"})}}).ok());
    REQUIRE(run("CreateSecret", {{"Name", "tmp"}}, "gone soon").ok());
    REQUIRE(run("DeleteSecret", {{"SecretId", "tmp"}, {"ForceDeleteWithoutRecovery", true}}).ok());
    REQUIRE(e.RunMaintenance().ok());
    REQUIRE(run("CreateSecret", {{"Name", "later"}}, "x").ok());
    REQUIRE(run("DeleteSecret", {{"SecretId", "later"}, {"RecoveryWindowInDays", 7}}).ok());
    REQUIRE(run("RestoreSecret", {{"SecretId", "later"}}).ok());
    REQUIRE_FALSE(run("CreateSecret", {{"Name", "prod/db"}}, "dup").ok());
    REQUIRE(run("ListSecrets", Json::object()).ok());
    REQUIRE(run("DescribeSecret", {{"SecretId", "prod/db"}}).ok());
    REQUIRE(run("UpdateSecret", {{"SecretId", "later"}, {"Description", "kept"}}).ok());
    CHECK(e.state_for_testing().FindByName("tmp") == nullptr);
  }
  auto store = ledger::OpenRocksStore(service::LedgerDir(f.dir), ledger::OpenMode::kReadOnly);
  REQUIRE(store.ok());
  auto live = testing::FamilyContents(**store, ledger::Family::kState);
  auto replayed = testing::ReplayState(**store);
  REQUIRE(replayed.ok());
  CHECK(live.size() >= 3);
  CHECK(*replayed == live);
  auto report = ledger::VerifyStore(**store);
  REQUIRE(report.ok());
  CHECK(report->ok);
}

TEST_CASE("a purged secret's data keys are gone from the keys family", "[service][engine][shred]") {
  testing::EngineFixture f;
  auto engine = f.Open();
  REQUIRE(engine.ok());
  auto& e = **engine;
  auto created = e.Execute(MakeRequest("CreateSecret", {{"Name", "shred-me"}}, "v"), TestActor());
  REQUIRE(created.ok());
  REQUIRE(e.Execute(MakeRequest("PutSecretValue", {{"SecretId", "shred-me"}}, "w"), TestActor()).ok());
  const auto wrapped = testing::FamilyContents(e.ledger().store(), ledger::Family::kKeys);
  REQUIRE(wrapped.size() == 2);
  REQUIRE(e.Execute(MakeRequest("DeleteSecret", {{"SecretId", "shred-me"}, {"RecoveryWindowInDays", 7}}), TestActor()).ok());
  REQUIRE(e.RunMaintenance().ok());
  CHECK(testing::FamilyContents(e.ledger().store(), ledger::Family::kKeys).size() == 2);  // window still open
  f.clock.Advance(7LL * 24 * 3600 * 1000 + 1);
  REQUIRE(e.RunMaintenance().ok());
  CHECK(testing::FamilyContents(e.ledger().store(), ledger::Family::kKeys).empty());
  CHECK(e.state_for_testing().FindByName("shred-me") == nullptr);
  // Compacted away: no file under the data directory still holds a wrapped key.
  for (const auto& [key, value] : wrapped) CHECK_FALSE(AnyFileHolds(f.dir, value.substr(4)));
  auto report = ledger::VerifyStore(e.ledger().store());
  REQUIRE(report.ok());
  CHECK(report->ok);
}

TEST_CASE("a version read once is opened from the value cache until a shred clears it", "[service][engine][shred]") {
  testing::EngineFixture f;
  auto engine = f.Open();
  REQUIRE(engine.ok());
  auto& e = **engine;
  REQUIRE(e.Execute(MakeRequest("CreateSecret", {{"Name", "hot"}}, "first-value"), TestActor()).ok());
  CHECK(e.value_cache_for_testing().size() == 0);  // writes do not fill it
  const auto* secret = e.state_for_testing().FindByName("hot");
  REQUIRE(secret != nullptr);
  REQUIRE(secret->versions.size() == 1);
  // Copied: the purge below frees the projection's entries.
  const std::string version_id = secret->versions.begin()->first;
  const uint64_t value_seq = secret->versions.begin()->second.value_seq;
  const uint32_t kek_version = secret->versions.begin()->second.kek_version;
  const std::string key_name = service::KeyEntryKey(secret->arn, version_id);
  for (int i = 0; i < 3; ++i) {
    auto got = e.Execute(MakeRequest("GetSecretValue", {{"SecretId", "hot"}}), TestActor());
    REQUIRE(got.ok());
    REQUIRE(got.values.size() == 1);
    CHECK(got.values[0].value.bytes.as_string_view() == "first-value");
  }
  CHECK(e.value_cache_for_testing().size() == 1);
  auto cached = e.value_cache_for_testing().Find(value_seq, key_name);
  REQUIRE(cached != nullptr);
  CHECK(cached->kek_version == kek_version);
  // Not plaintext: the cache holds the record's ciphertext and the wrapped DEK.
  CHECK(cached->ciphertext.find("first-value") == std::string::npos);
  auto entry = e.ledger().store().Get(ledger::Family::kKeys, key_name);
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK(cached->wrapped_dek.as_string_view() == std::string_view(**entry).substr(4));
  cached.reset();

  // Deleting schedules the purge; the purge destroys the data keys and
  // empties the cache before it returns.
  REQUIRE(e.Execute(MakeRequest("DeleteSecret", {{"SecretId", "hot"}, {"ForceDeleteWithoutRecovery", true}}),
                    TestActor()).ok());
  CHECK(e.value_cache_for_testing().size() == 1);
  f.clock.Advance(1000);
  REQUIRE(e.RunMaintenance().ok());
  CHECK(e.state_for_testing().FindByName("hot") == nullptr);
  CHECK(e.value_cache_for_testing().size() == 0);
  CHECK(e.value_cache_for_testing().Find(value_seq, key_name) == nullptr);
  auto gone = e.Execute(MakeRequest("GetSecretValue", {{"SecretId", "hot"}}), TestActor());
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error->code == "ResourceNotFoundException");
}

TEST_CASE("a pruned version's data key leaves every file and the value cache, and its reads fail clearly", "[service][engine][shred]") {
  testing::EngineFixture f;
  auto engine = f.Open();
  REQUIRE(engine.ok());
  auto& e = **engine;
  REQUIRE(e.Execute(MakeRequest("CreateSecret", {{"Name", "busy"}}, "v0"), TestActor()).ok());
  for (int i = 1; i < 100; ++i) {
    REQUIRE(e.Execute(MakeRequest("PutSecretValue", {{"SecretId", "busy"}}, "v" + std::to_string(i)), TestActor()).ok());
  }
  const std::string oldest = testing::OldestVersionId(*e.state_for_testing().FindByName("busy"));
  auto key = e.ledger().store().Get(ledger::Family::kKeys, service::KeyEntryKey(e.state_for_testing().FindByName("busy")->arn, oldest));
  REQUIRE(key.ok());
  REQUIRE(key->has_value());
  const std::string wrapped = (*key)->substr(4);
  CHECK(AnyFileHolds(f.dir, wrapped));
  REQUIRE(e.Execute(MakeRequest("GetSecretValue", {{"SecretId", "busy"}, {"VersionId", oldest}}), TestActor()).ok());
  REQUIRE(e.value_cache_for_testing().size() == 1);  // its sealed parts are held in memory too

  f.clock.Advance(25LL * 3600 * 1000);  // the old versions pass the 24-hour guard
  REQUIRE(e.Execute(MakeRequest("PutSecretValue", {{"SecretId", "busy"}}, "v100"), TestActor()).ok());
  const auto* secret = e.state_for_testing().FindByName("busy");
  CHECK(secret->versions.size() == 100);
  CHECK(secret->FindVersion(oldest) == nullptr);
  CHECK_FALSE(AnyFileHolds(f.dir, wrapped));
  CHECK(e.value_cache_for_testing().size() == 0);  // and leave memory with the files
  auto read = e.Execute(MakeRequest("GetSecretValue", {{"SecretId", "busy"}, {"VersionId", oldest}}), TestActor());
  REQUIRE_FALSE(read.ok());
  CHECK(read.error->code == "ResourceNotFoundException");
  CHECK(read.error->message.find(oldest) != std::string::npos);
  auto report = ledger::VerifyStore(e.ledger().store());
  REQUIRE(report.ok());
  CHECK(report->ok);
}

}  // namespace
}  // namespace cairn
