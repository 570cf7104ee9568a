// Fixtures for the DR replica tests (tests/service/dr_replica_test.cc,
// replica_snapshot_test.cc): a primary engine with a workload of everything
// a replica must carry, a replica directory seeded from it, and the pages of
// records (with their data keys) a replica is fed.
#ifndef CAIRN_TESTS_SERVICE_REPLICA_FIXTURE_H_
#define CAIRN_TESTS_SERVICE_REPLICA_FIXTURE_H_

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/record.h"
#include "service/engine.h"
#include "service/internal/event_reader.h"
#include "service/replica.h"
#include "tests/service/engine_fixture.h"

namespace cairn::testing {

using service::Json;
constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

inline std::unique_ptr<service::Engine> MustOpen(const std::string& dir, service::Clock* clock = nullptr,
                                          bool replica = false) {
  service::OpenOptions o;
  o.data_dir = dir;
  o.clock = clock;
  o.replica = replica;
  auto opened = service::Engine::Open(o);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

inline void MustCall(service::Engine& e, const std::string& op, Json params, const std::string& value = "") {
  service::Response r = e.Execute(MakeRequest(op, std::move(params), value), TestActor());
  INFO(op << ": " << (r.error ? r.error->code + " " + r.error->message : ""));
  REQUIRE(r.ok());
}

// A page of the primary's records [from, end) and the data keys they put, as
// the primary's `keys` family holds them now (the key channel).
struct Page {
  std::vector<std::string> records;
  std::vector<service::ReplicatedKey> keys;
};
inline Page PageOf(const ledger::Store& primary, uint64_t from, uint64_t end) {
  Page page;
  for (uint64_t seq = from; seq < end; ++seq) {
    auto bytes = ledger::ReadRecord(primary, seq);
    REQUIRE(bytes.ok());
    auto fields = ledger::DecodeRecord(*bytes);
    REQUIRE(fields.ok());
    auto event = service::internal::ReadEvent(fields->payload);
    REQUIRE(event.ok());
    for (const std::string& key : service::KeyEffectsOf(**event).puts) {
      auto entry = primary.Get(ledger::Family::kKeys, key);
      REQUIRE(entry.ok());
      page.keys.push_back({key, *entry});
    }
    page.records.push_back(std::move(bytes).value());
  }
  return page;
}

// A primary with a bit of everything: values, versions pruned, a secret
// purged (its keys shredded), an access key created and deleted, a refused
// call, a rotation started and cancelled.
struct Primary {
  EngineFixture f;
  std::unique_ptr<service::Engine> e = MustOpen(f.dir, &f.clock);

  void Workload() {
    MustCall(*e, "CreateSecret", {{"Name", "app/db"}}, "first");
    for (int i = 0; i < 103; ++i) {
      if (i == 60) f.clock.Advance(2 * kDayMs);  // deprecated versions older than a day get pruned
      MustCall(*e, "PutSecretValue", {{"SecretId", "app/db"}}, "value-" + std::to_string(i));
    }
    MustCall(*e, "GetSecretValue", {{"SecretId", "app/db"}});
    MustCall(*e, "CreateSecret", {{"Name", "app/old"}}, "old-value");
    MustCall(*e, "DeleteSecret", {{"SecretId", "app/old"}, {"RecoveryWindowInDays", 7}});
    f.clock.Advance(8 * kDayMs);
    REQUIRE(e->RunMaintenance().ok());  // purged: its wrapped DEK deleted
    MustCall(*e, "CreatePrincipal", {{"Name", "ci"}, {"PublicKey", std::string(40, 'k')}});
    service::Response key = e->Execute(MakeRequest("CreateAccessKey", {{"PrincipalName", "ci"}}), TestActor());
    REQUIRE(key.ok());
    MustCall(*e, "DeleteAccessKey", {{"PrincipalName", "ci"}, {"AccessKeyId", key.body["AccessKey"]["AccessKeyId"]}});
    REQUIRE_FALSE(e->Execute(MakeRequest("GetSecretValue", {{"SecretId", "nope"}}), TestActor()).ok());
    MustCall(*e, "RotateSecret", {{"SecretId", "app/db"}, {"RotationLambdaARN", "pg"}, {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())}});
    MustCall(*e, "CancelRotateSecret", {{"SecretId", "app/db"}});
  }
  const ledger::Store& store() { return e->ledger().store(); }
  ledger::RecordFields Record(uint64_t seq) { return RecordAt(store(), seq); }
  uint64_t head() { return e->ledger().durable_head().next_seq; }
};

// A replica directory holding a copy of `primary`'s key file, seeded from it.
struct Replica {
  TempDir tmp;
  std::string dir = tmp.sub("r");

  explicit Replica(Primary& primary) {
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(service::KeyFilePath(primary.f.dir), service::KeyFilePath(dir));
    auto seed = primary.e->Seed();
    REQUIRE(seed.ok());
    Status s = service::Engine::InitReplica(dir, *seed, nullptr);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
};

inline void ApplyAll(service::Engine& replica, Primary& primary, uint64_t page_size) {
  for (uint64_t from = replica.ledger().durable_head().next_seq; from < primary.head(); from += page_size) {
    Page page = PageOf(primary.store(), from, std::min(primary.head(), from + page_size));
    Status s = replica.ApplyReplicated(std::move(page.records), page.keys);
    INFO("page at " << from << ": " << s.ToString());
    REQUIRE(s.ok());
  }
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SERVICE_REPLICA_FIXTURE_H_
