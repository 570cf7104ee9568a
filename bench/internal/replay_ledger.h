// The ledger replay_bench measures: real Cairn events, written by a
// service::Engine, so every record is what cairnd or the embedded CLI would
// write (audited calls, wrapped keys, projection state, tree, signed
// checkpoints).
//
// The mix, for N records: kSecrets CreateSecret calls (a ~150-byte JSON value,
// two tags), then random calls on random secrets: 1% PutSecretValue, 0.2%
// TagResource, 1% DescribeSecret, the rest GetSecretValue (SecretValueRead
// events), from a handful of local users. Calls are submitted in windows of
// kWindow (Engine::Submit, then Finish: one group commit per window) and a
// checkpoint is signed every kCheckpointRecords records, as cairnd does by
// default, and once at the end, as an embedded cairn does before it exits.
#ifndef CAIRN_BENCH_INTERNAL_REPLAY_LEDGER_H_
#define CAIRN_BENCH_INTERNAL_REPLAY_LEDGER_H_

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "service/engine.h"

namespace cairn::bench {

class ReplayLedgerBuilder {
 public:
  static constexpr int kSecrets = 1000;
  static constexpr size_t kWindow = 256;
  static constexpr uint64_t kCheckpointRecords = 1000;  // cairnd's --checkpoint-records default

  explicit ReplayLedgerBuilder(service::Engine& engine) : engine_(engine) {}

  // Appends calls until the ledger holds at least `records` records (genesis
  // included), then signs a last checkpoint. Exits the process on any error.
  void Run(uint64_t records) {
    for (int i = 0; i < kSecrets && Head() < records; ++i) Call(Create(i));
    while (Head() < records) {
      std::vector<service::Engine::Pending> window;
      const uint64_t n = std::min<uint64_t>(kWindow, records - Head());
      for (uint64_t i = 0; i < n; ++i) {
        window.push_back(engine_.Submit(Next(), Actor()));
      }
      for (auto& p : window) Check(engine_.Finish(std::move(p)));
      if (Head() - checkpointed_ >= kCheckpointRecords) Sign();
    }
    Sign();
  }

 private:
  uint64_t Head() const { return engine_.ledger().durable_head().next_seq; }

  void Sign() {
    auto note = engine_.SignCheckpoint();
    if (!note.ok()) Die("signing a checkpoint: " + note.status().ToString());
    checkpointed_ = Head();
  }

  [[noreturn]] static void Die(const std::string& what) {
    std::fprintf(stderr, "replay_bench: building the ledger: %s\n", what.c_str());
    std::exit(1);
  }

  static void Check(const service::Response& r) {
    if (!r.ok()) Die(r.error->code + ": " + r.error->message);
  }

  void Call(service::Request r) { Check(engine_.Execute(r, Actor())); }

  static std::string Name(int i) {
    char name[32];
    std::snprintf(name, sizeof name, "prod/app-%04d/db", i);
    return name;
  }

  service::SecretValue Value() {
    std::string v = R"({"engine":"postgres","host":"db.internal","username":"app","password":")";
    for (int i = 0; i < 32; ++i) v += static_cast<char>('a' + rng_() % 26);
    v += R"(","port":5432})";
    return {projections::ValueKind::kString, crypto::SecureBuffer::FromString(v)};
  }

  service::Request Create(int i) {
    service::Request r;
    r.operation = "CreateSecret";
    r.params = {{"Name", Name(i)},
                {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())},
                {"Description", "database credentials for app " + std::to_string(i)},
                {"Tags", {{{"Key", "team"}, {"Value", "team-" + std::to_string(i % 17)}},
                          {{"Key", "env"}, {"Value", "prod"}}}}};
    r.value = Value();
    return r;
  }

  service::Request Next() {
    service::Request r;
    const std::string id = Name(static_cast<int>(rng_() % kSecrets));
    const uint64_t dice = rng_() % 1000;
    if (dice < 10) {
      r.operation = "PutSecretValue";
      r.params = {{"SecretId", id}, {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())}};
      r.value = Value();
    } else if (dice < 12) {
      r.operation = "TagResource";
      r.params = {{"SecretId", id},
                  {"Tags", {{{"Key", "owner"}, {"Value", "user-" + std::to_string(rng_() % 50)}}}}};
    } else if (dice < 22) {
      r.operation = "DescribeSecret";
      r.params = {{"SecretId", id}};
    } else {
      r.operation = "GetSecretValue";
      r.params = {{"SecretId", id}};
    }
    return r;
  }

  ledger::Actor Actor() {
    return {"user:svc-" + std::to_string(rng_() % 8), "LocalUser", "embedded:pid=4242",
            crypto::NewUuidV4(crypto::SystemRandom()), "cairn-cli/0.1"};
  }

  service::Engine& engine_;
  std::mt19937_64 rng_{42};
  uint64_t checkpointed_ = 0;
};

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_REPLAY_LEDGER_H_
