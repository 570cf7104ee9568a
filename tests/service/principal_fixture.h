// A real engine with helpers to enrol principals and call as one of them:
// shared by the principals and access-control tests.
#ifndef CAIRN_TESTS_SERVICE_PRINCIPAL_FIXTURE_H_
#define CAIRN_TESTS_SERVICE_PRINCIPAL_FIXTURE_H_

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "crypto/random.h"
#include "ledger/record.h"
#include "tests/service/engine_fixture.h"

namespace cairn::testing {

// A 40-character Z85 key, distinct for n in [0, 62).
inline std::string Key(int n) {
  static const std::string kAlnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string key;
  for (int i = 0; i < 40; ++i) key.push_back(kAlnum[(n + i) % kAlnum.size()]);
  return key;
}

// A daemon's caller: an enrolled principal connecting from loopback.
inline ledger::Actor AsPrincipal(const std::string& name) {
  return ledger::Actor{name, "Principal", "127.0.0.1", crypto::NewUuidV4(crypto::SystemRandom()),
                       "cairn-tests"};
}

struct PrincipalEngine {
  EngineFixture f;
  std::unique_ptr<service::Engine> engine;

  PrincipalEngine() { Reopen(); }
  void Reopen() {
    engine.reset();
    auto opened = f.Open();
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
  }
  service::Engine& e() { return *engine; }
  service::Response Call(const std::string& op, service::Json params,
                         const ledger::Actor& actor = TestActor()) {
    return engine->Execute(MakeRequest(op, std::move(params)), actor);
  }
  service::Response Enrol(const std::string& name, int key, bool admin = false,
                          service::Json extra = service::Json::object()) {
    extra["Name"] = name;
    extra["PublicKey"] = Key(key);
    extra["Admin"] = admin;
    return Call("CreatePrincipal", std::move(extra));
  }
  ledger::RecordFields Record(uint64_t seq) { return RecordAt(engine->ledger().store(), seq); }
  uint64_t head() { return engine->ledger().durable_head().next_seq; }
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SERVICE_PRINCIPAL_FIXTURE_H_
