// A real engine on a temporary data directory, with a fake clock, plus the
// replay oracle: the `state` family rebuilt from the log alone.
#ifndef CAIRN_TESTS_SERVICE_ENGINE_FIXTURE_H_
#define CAIRN_TESTS_SERVICE_ENGINE_FIXTURE_H_

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "crypto/random.h"
#include "ledger/ledger.h"
#include "ledger/record.h"
#include "projections/replay.h"
#include "projections/secrets.h"
#include "service/engine.h"
#include "tests/testing/subprocess.h"

namespace cairn::testing {

inline ledger::Actor TestActor() {
  return ledger::Actor{"user:tester", "LocalUser", "test", crypto::NewUuidV4(crypto::SystemRandom()),
                       "cairn-tests"};
}

inline service::Request MakeRequest(const std::string& op, service::Json params,
                                    const std::string& value = "") {
  service::Request r;
  r.operation = op;
  r.params = std::move(params);
  if (!value.empty()) {
    r.value = service::SecretValue{projections::ValueKind::kString, crypto::SecureBuffer::FromString(value)};
    if (!r.params.contains("ClientRequestToken")) {
      r.params["ClientRequestToken"] = crypto::NewUuidV4(crypto::SystemRandom());
    }
  }
  return r;
}

// The record at `seq`, decoded; the test stops if it is not there.
inline ledger::RecordFields RecordAt(const ledger::Store& store, uint64_t seq) {
  auto bytes = ledger::ReadRecord(store, seq);
  REQUIRE(bytes.ok());
  auto record = ledger::DecodeRecord(*bytes);
  REQUIRE(record.ok());
  return std::move(record).value();
}

inline std::map<std::string, std::string> FamilyContents(const ledger::Store& store, ledger::Family f) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(f);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[std::string(it->key())] = std::string(it->value());
  return out;
}

// The `state` family rebuilt from the log alone (projections::Replay persists
// after every record exactly as the engine does).
inline Result<std::map<std::string, std::string>> ReplayState(const ledger::Store& log) {
  ASSIGN_OR_RETURN(projections::ReplayResult replayed, projections::Replay(log));
  return std::move(replayed.state_entries);
}

// The id of the secret's oldest version (the least created_order).
inline std::string OldestVersionId(const projections::Secret& secret) {
  std::string id;
  uint64_t order = UINT64_MAX;
  for (const auto& [vid, v] : secret.versions) {
    if (v.created_order < order) {
      order = v.created_order;
      id = vid;
    }
  }
  return id;
}

struct EngineFixture {
  TempDir tmp;
  std::string dir = tmp.sub("d");
  service::FakeClock clock{1'763'800'000'000};  // 2025-11-22

  EngineFixture() {
    service::InitOptions init;
    init.data_dir = dir;
    init.account_id = "123456789012";
    init.actor = TestActor();
    Status s = service::Engine::Init(init);
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
  Result<std::unique_ptr<service::Engine>> Open() {
    service::OpenOptions o;
    o.data_dir = dir;
    o.clock = &clock;
    return service::Engine::Open(o);
  }
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SERVICE_ENGINE_FIXTURE_H_
