// cairn-replica against a real cairnd: init refuses what it must, follow
// keeps a ledger byte-identical to the primary's (log, tree, state, data
// keys), and the replica opens the primary's secrets.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/store.h"
#include "service/engine.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/testing/tool_process.h"

namespace cairn::testing {
namespace {

using nlohmann::json;

// A replica directory holding a copy of the primary's master key file.
std::string ReplicaDir(const RunningDaemon& d, const std::string& name = "r") {
  const std::string dir = d.tmp.sub(name);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(service::KeyFilePath(d.daemon.data_dir()), service::KeyFilePath(dir));
  return dir;
}

RunResult Replica(std::vector<std::string> args) {
  args.insert(args.begin(), ToolPath("cairn-replica"));
  return Run(args, {{"CAIRN_PASSPHRASE", ""}});
}

json Status(const std::string& dir) {
  const std::string text = ReadFile(dir + "/replica-status.json");
  return text.empty() ? json::object() : json::parse(text, nullptr, false);
}

// Status until the replica has applied everything the primary's stream shows
// (and that for a second), or 60 s pass; the last status.
json WaitCaughtUp(const std::string& dir) {
  json status;
  int stable = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && stable < 5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    status = Status(dir);
    const bool caught_up = status.is_object() && status.value("PendingRecords", 1) == 0 &&
                           status.value("HeadSeq", 0) > 0 &&
                           status.value("HeadSeq", 0) == status.value("PrimaryHeadSeq", 1);
    stable = caught_up ? stable + 1 : 0;
  }
  return status;
}

std::map<std::string, std::string> FamilyContents(const ledger::Store& store, ledger::Family f) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(f);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[std::string(it->key())] = std::string(it->value());
  return out;
}

std::unique_ptr<ledger::Store> OpenReadOnly(const std::string& data_dir) {
  auto store = ledger::OpenRocksStore(service::LedgerDir(data_dir), ledger::OpenMode::kReadOnly);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

// Reads as an application would, through the API: `n` audited records.
void Reads(const RunningDaemon& d, int n) {
  auto remote = d.Connect();
  for (int i = 0; i < n; ++i) {
    auto r = remote->Execute(MakeRequest("GetSecretValue", {{"SecretId", "prod/db"}}));
    REQUIRE(r.ok());
    REQUIRE(r->ok());
  }
}

// The replica's and the primary's ledgers, both stopped: the same records,
// tree, state and data keys.
void CheckIdentical(const std::string& primary_dir, const std::string& replica_dir) {
  auto primary = OpenReadOnly(primary_dir);
  auto replica = OpenReadOnly(replica_dir);
  auto head = ledger::ReadHead(*primary);
  auto replica_head = ledger::ReadHead(*replica);
  REQUIRE(head.ok());
  REQUIRE(replica_head.ok());
  CHECK(replica_head->next_seq == head->next_seq);
  CHECK(replica_head->last_leaf == head->last_leaf);
  for (ledger::Family f : {ledger::Family::kLog, ledger::Family::kTree, ledger::Family::kState, ledger::Family::kKeys}) {
    const auto theirs = FamilyContents(*primary, f);
    const auto ours = FamilyContents(*replica, f);
    std::string differ;  // the first key that differs, for the message
    for (const auto& [key, value] : theirs) {
      auto it = ours.find(key);
      if (it == ours.end() || it->second != value) {
        differ = crypto::ToHex(crypto::AsBytes(key)) + (it == ours.end() ? " missing on the replica" : " differs");
        break;
      }
    }
    INFO(ledger::FamilyName(f) << ": " << theirs.size() << " entries on the primary, " << ours.size()
                               << " on the replica; " << differ);
    CHECK(ours == theirs);
  }
}

}  // namespace

TEST_CASE("a replica follows a primary and ends byte-identical to it", "[daemon][replica]") {
  RunningDaemon d({"--checkpoint-ms", "200", "--maintenance-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  d.Call({"create-secret", "--name", "prod/api", "--secret-string", "api-key-1"});
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "db-pass-2"});
  d.Call({"get-secret-value", "--secret-id", "prod/db"});

  const std::string dir = ReplicaDir(d);
  RunResult init = Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile()});
  INFO(init.err);
  REQUIRE(init.exit_code == 0);

  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"), {"follow", "--data-dir", dir, "--log-level", "debug"});
  follower.Start();
  // Writes while it follows, a crypto-shred among them.
  d.Call({"create-secret", "--name", "prod/old", "--secret-string", "old-value"});
  d.Call({"delete-secret", "--secret-id", "prod/old", "--force-delete-without-recovery"});
  for (int i = 0; i < 5; ++i) {
    d.Call({"put-secret-value", "--secret-id", "prod/api", "--secret-string", "api-key-" + std::to_string(i + 2)});
  }
  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log() << "\ncairnd log:\n" << d.daemon.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  CHECK(status["LastVerifiedCheckpoint"]["TreeSize"].get<uint64_t>() >= status["HeadSeq"].get<uint64_t>());
  CHECK(status["LagRecords"] == 0);
  REQUIRE(follower.Terminate() == 0);
  REQUIRE(d.daemon.Terminate() == 0);

  auto primary = OpenReadOnly(d.daemon.data_dir());
  auto replica = OpenReadOnly(dir);
  auto head = ledger::ReadHead(*primary);
  REQUIRE(head.ok());
  auto replica_head = ledger::ReadHead(*replica);
  REQUIRE(replica_head.ok());
  CHECK(replica_head->next_seq == head->next_seq);
  CHECK(replica_head->last_leaf == head->last_leaf);
  for (ledger::Family f : {ledger::Family::kLog, ledger::Family::kTree, ledger::Family::kState, ledger::Family::kKeys}) {
    INFO(ledger::FamilyName(f));
    CHECK(FamilyContents(*replica, f) == FamilyContents(*primary, f));
  }
  replica.reset();

  // A replica serves nothing (a call would fork it) until it is promoted.
  const std::vector<std::string> read_args = {ToolPath("cairn"), "--data-dir", dir, "get-secret-value", "--secret-id",
                                              "prod/api"};
  RunResult refused = Run(read_args, {{"CAIRN_PROFILE", ""}, {"CAIRN_PASSPHRASE", ""}});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("cairn-replica promote") != std::string::npos);
  RunResult promoted = Replica({"promote", "--data-dir", dir});
  INFO(promoted.err);
  REQUIRE(promoted.exit_code == 0);
  const json report = json::parse(promoted.out);
  CHECK(report["PromotedAtSeq"] == head->next_seq);
  CHECK(report["RecordsLostAtLeast"] == 0);
  RunResult read = Run(read_args, {{"CAIRN_PROFILE", ""}, {"CAIRN_PASSPHRASE", ""}});
  INFO(read.err);
  REQUIRE(read.exit_code == 0);
  CHECK(json::parse(read.out)["SecretString"] == "api-key-6");
  // Promoted, it follows no primary.
  CHECK(Replica({"follow", "--data-dir", dir}).exit_code == 2);
  CHECK(Replica({"promote", "--data-dir", dir}).exit_code == 1);
}

TEST_CASE("cairn-replica init refuses a primary signing with another key, and a directory without its key file",
          "[daemon][replica]") {
  RunningDaemon d;
  RunningDaemon other;
  const std::string other_key = tools::ReadProfile(other.daemon.profile())->checkpoint_key;
  const std::string own_key = tools::ReadProfile(d.daemon.profile())->checkpoint_key;
  REQUIRE(other_key != own_key);

  SECTION("a pinned key that is not the primary's") {
    const std::string dir = ReplicaDir(d);
    RunResult r = Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile(), "--pin-key", other_key});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("not the pinned key") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(service::LedgerDir(dir)));
  }
  SECTION("another ledger's master key file") {
    const std::string dir = d.tmp.sub("r2");
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(service::KeyFilePath(other.daemon.data_dir()), service::KeyFilePath(dir));
    RunResult r = Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("holds master key") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(service::LedgerDir(dir)));
  }
  SECTION("no key file") {
    RunResult r = Replica({"init", "--data-dir", d.tmp.sub("r3"), "--primary-profile", d.daemon.profile()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("master.key") != std::string::npos);
  }
  SECTION("follow in a directory that is not a replica's") {
    RunResult r = Replica({"follow", "--data-dir", d.tmp.sub("nothing")});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cairn-replica init") != std::string::npos);
  }
}

TEST_CASE("a replica restarted mid-catch-up, and a primary SIGKILLed and restarted mid-stream, end identical",
          "[daemon][replica][chaos]") {
  RunningDaemon d({"--checkpoint-ms", "200", "--checkpoint-records", "100"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  Reads(d, 1500);
  const std::string dir = ReplicaDir(d);
  REQUIRE(Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile()}).exit_code == 0);

  // The replica SIGKILLed while it catches up (small verified batches), then restarted.
  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"),
                       {"follow", "--data-dir", dir, "--max-pending", "50", "--verify-after-ms", "100"});
  follower.Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Status(dir).value("HeadSeq", 0) < 300 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(Status(dir).value("HeadSeq", 0) >= 300);
  follower.Kill();
  std::filesystem::remove(dir + "/replica-status.json");  // only the restarted follower's status counts
  follower.Start();

  // The primary SIGKILLed while writes go on, then restarted on the same endpoints.
  Reads(d, 200);
  d.daemon.Kill();
  REQUIRE(d.daemon.Start());
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "db-pass-2"});
  Reads(d, 200);

  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  const int exit_code = follower.Terminate();
  INFO(follower.log());
  REQUIRE(exit_code == 0);
  REQUIRE(d.daemon.Terminate() == 0);
  CheckIdentical(d.daemon.data_dir(), dir);
}

TEST_CASE("a replica principal needs exactly its four rights, and with them replicates", "[daemon][replica][access]") {
  RunningDaemon d({"--checkpoint-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  const std::string dr = d.tmp.sub("dr.profile");
  d.Call({"principal", "create", "--name", "dr", "--type", "Service", "--profile-out", dr});
  const std::string pin = tools::ReadProfile(d.daemon.profile())->checkpoint_key;

  // Without a policy: refused, naming what it needs; nothing created.
  const std::string bare = ReplicaDir(d, "bare");
  RunResult refused = Replica({"init", "--data-dir", bare, "--primary-profile", dr, "--pin-key", pin});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("cairn:GetReplicaSeed") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(service::LedgerDir(bare)));

  d.Call({"policy", "create", "--name", "dr", "--document",
          R"({"Statement":{"Effect":"Allow","Action":["cairn:GetReplicaSeed","cairn:ReadReplicaPage",)"
          R"("cairn:ReadAuditLog","cairn:SubscribeEvents"],"Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "dr", "--policy", "dr"});
  const std::string dir = ReplicaDir(d);
  RunResult init = Replica({"init", "--data-dir", dir, "--primary-profile", dr, "--pin-key", pin});
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"), {"follow", "--data-dir", dir});
  follower.Start();
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "db-pass-2"});
  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  REQUIRE(follower.Terminate() == 0);
  REQUIRE(d.daemon.Terminate() == 0);
  CheckIdentical(d.daemon.data_dir(), dir);
  // And it may not read secrets on the primary: its rights are the log's.
  REQUIRE(d.daemon.Start());
  RunResult read = d.Cairn({"get-secret-value", "--secret-id", "prod/db"}, dr);
  CHECK(read.exit_code != 0);
  CHECK(read.err.find("AccessDenied") != std::string::npos);
}

TEST_CASE("a replica whose pinned key does not sign the primary's checkpoints applies nothing and stops",
          "[daemon][replica]") {
  RunningDaemon d({"--checkpoint-ms", "200"});
  RunningDaemon other;
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  const std::string dir = ReplicaDir(d);
  REQUIRE(Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile()}).exit_code == 0);
  // The pin changed behind its back (or the primary's key did): no checkpoint verifies.
  json config = json::parse(ReadFile(dir + "/replica.json"));
  config["PinnedKey"] = tools::ReadProfile(other.daemon.profile())->checkpoint_key;
  {
    std::ofstream out(dir + "/replica.json", std::ios::trunc);
    out << config.dump();
  }
  RunResult r = Replica({"follow", "--data-dir", dir, "--verify-after-ms", "100"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("does not verify against the pinned key") != std::string::npos);
  auto replica = OpenReadOnly(dir);
  auto head = ledger::ReadHead(*replica);
  REQUIRE(head.ok());
  CHECK(head->next_seq == 0);  // nothing applied
  CHECK(Status(dir).value("HeadSeq", 1) == 0);
}

}  // namespace cairn::testing
