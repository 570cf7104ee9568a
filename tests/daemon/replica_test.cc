// cairn-replica against a real cairnd: init refuses what it must, follow
// keeps a ledger byte-identical to the primary's (log, tree, state, data
// keys), and the replica opens the primary's secrets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "ledger/tree.h"
#include "service/engine.h"
#include "service/internal/meta_keys.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/testing/tcp_proxy.h"
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
// tree, state and data keys. A replica started from a snapshot at `base`
// holds the records from there on, and the tree's nodes above the base: the
// same head, root, state and keys, the log from the base, nothing below.
void CheckIdentical(const std::string& primary_dir, const std::string& replica_dir, uint64_t base = 0) {
  auto primary = OpenReadOnly(primary_dir);
  auto replica = OpenReadOnly(replica_dir);
  auto head = ledger::ReadHead(*primary);
  auto replica_head = ledger::ReadHead(*replica);
  REQUIRE(head.ok());
  REQUIRE(replica_head.ok());
  CHECK(replica_head->next_seq == head->next_seq);
  CHECK(replica_head->last_leaf == head->last_leaf);
  auto stored_base = ledger::ReadBase(*replica);
  REQUIRE(stored_base.ok());
  CHECK(stored_base->seq == base);
  std::vector<ledger::Family> families = {ledger::Family::kLog, ledger::Family::kState, ledger::Family::kKeys};
  if (base == 0) {
    families.push_back(ledger::Family::kTree);
  } else {
    auto ours = ledger::TreeReader(*replica).Root(head->next_seq);
    auto theirs = ledger::TreeReader(*primary).Root(head->next_seq);
    REQUIRE(ours.ok());
    REQUIRE(theirs.ok());
    CHECK(*ours == *theirs);
  }
  for (ledger::Family f : families) {
    auto theirs = FamilyContents(*primary, f);
    if (f == ledger::Family::kLog) theirs.erase(theirs.begin(), theirs.lower_bound(ledger::SeqKey(base)));
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

// cairn <args...> against the daemon whose profile is `profile`.
RunResult CairnAt(const std::string& profile, std::vector<std::string> args) {
  args.insert(args.begin(), ToolPath("cairn"));
  return Run(args, {{"CAIRN_PROFILE", profile}, {"CAIRN_DATA_DIR", ""}, {"CAIRN_PASSPHRASE", ""}});
}

uint64_t HeadOf(const std::string& data_dir) {
  auto head = ledger::ReadHead(*OpenReadOnly(data_dir));
  REQUIRE(head.ok());
  return head->next_seq;
}

// cairn-replica init of `dir` from `profile` (then `extra` flags); it must succeed.
void InitReplica(const std::string& dir, const std::string& profile, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"init", "--data-dir", dir, "--primary-profile", profile};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = Replica(std::move(args));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// A replica of `d` that has applied all of it, its follower stopped.
std::string CaughtUpReplica(const RunningDaemon& d) {
  const std::string dir = ReplicaDir(d);
  InitReplica(dir, d.daemon.profile());
  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"), {"follow", "--data-dir", dir, "--report-every-ms", "0"});
  follower.Start();
  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  REQUIRE(follower.Terminate() == 0);
  return dir;
}

// A replica of `d` in `dir` (a ReplicaDir), after a secret and `reads` reads
// of it, initialized and catching up in small verified batches (50 records,
// then `extra` flags): its follower started.
std::unique_ptr<ToolProcess> StartCatchingUpReplica(const RunningDaemon& d, const std::string& dir, int reads,
                                                    std::vector<std::string> extra = {}) {
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  Reads(d, reads);
  InitReplica(dir, d.daemon.profile());
  std::vector<std::string> args = {"follow", "--data-dir", dir, "--max-pending", "50", "--report-every-ms", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto follower = std::make_unique<ToolProcess>("cairn-replica", d.tmp.sub("replica.log"), std::move(args));
  follower->Start();
  return follower;
}

// Promotes the replica in `dir` and starts cairnd on it with the old
// primary's admin profile (the operator's copy: the same admin, new
// endpoints, server key and checkpoint key written into it by cairnd).
json PromoteAndServe(const RunningDaemon& old, const std::string& dir, DaemonProcess& promoted) {
  RunResult r = Replica({"promote", "--data-dir", dir});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::filesystem::copy_file(old.daemon.profile(), dir + "/dev-profile");
  INFO(promoted.log());
  REQUIRE(promoted.Start());
  return json::parse(r.out);
}

// The port of a tcp:// endpoint.
uint16_t PortOf(const std::string& endpoint) {
  return static_cast<uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

}  // namespace

TEST_CASE("a replica follows a primary and ends byte-identical to it", "[daemon][replica]") {
  RunningDaemon d({"--checkpoint-ms", "200", "--maintenance-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  d.Call({"create-secret", "--name", "prod/api", "--secret-string", "api-key-1"});
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "db-pass-2"});
  d.Call({"get-secret-value", "--secret-id", "prod/db"});

  const std::string dir = ReplicaDir(d);
  InitReplica(dir, d.daemon.profile());

  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"), {"follow", "--data-dir", dir, "--log-level", "debug", "--report-every-ms", "0"});
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

  // An auditor of the replica's files: the chain, the tree, and the primary's
  // checkpoint it applied last, by the key pinned at init.
  const std::vector<std::string> verify = {ToolPath("cairn-audit"), "verify", "--data-dir", dir};
  RunResult verified = Run(verify, {{"CAIRN_PASSPHRASE", ""}});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find("its primary's at size " + std::to_string(head->next_seq) + " (a DR replica)") !=
        std::string::npos);
  // By a key that is not the primary's (the replica's own), it fails.
  RunResult own_key = Run({ToolPath("cairn-audit"), "pubkey", "--data-dir", dir}, {{"CAIRN_PASSPHRASE", ""}});
  REQUIRE(own_key.exit_code == 0);
  std::vector<std::string> pinned_other = verify;
  pinned_other.insert(pinned_other.end(), {"--pin-key", own_key.out.substr(0, own_key.out.find('\n'))});
  RunResult other = Run(pinned_other, {{"CAIRN_PASSPHRASE", ""}});
  CHECK(other.exit_code == 1);
  CHECK(other.out.find("FAILED: the primary's checkpoint the replica holds") != std::string::npos);
  {
    // A byte of the kept note changed on disk: its signature fails.
    auto store = ledger::OpenRocksStore(service::LedgerDir(dir), ledger::OpenMode::kReadWrite);
    REQUIRE(store.ok());
    auto note = (*store)->Get(ledger::Family::kMeta, "primary_checkpoint");
    REQUIRE(note.ok());
    REQUIRE(note->has_value());
    const std::string good = **note;
    std::string bad = good;
    bad[bad.find('\n') + 1] ^= 0x01;  // the size line
    ledger::WriteSet tamper;
    tamper.Put(ledger::Family::kMeta, "primary_checkpoint", bad);
    REQUIRE((*store)->Write(tamper, true).ok());
    store->reset();
    RunResult tampered = Run(verify, {{"CAIRN_PASSPHRASE", ""}});
    CHECK(tampered.exit_code == 1);
    CHECK(tampered.out.find("FAILED: the primary's checkpoint the replica holds") != std::string::npos);
    auto again = ledger::OpenRocksStore(service::LedgerDir(dir), ledger::OpenMode::kReadWrite);
    REQUIRE(again.ok());
    ledger::WriteSet restore;
    restore.Put(ledger::Family::kMeta, "primary_checkpoint", good);
    REQUIRE((*again)->Write(restore, true).ok());
  }

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

TEST_CASE("a replica started from the primary's snapshot follows it and ends with its head, root, state and keys",
          "[daemon][replica][snapshot]") {
  RunningDaemon d({"--checkpoint-ms", "200", "--maintenance-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  d.Call({"create-secret", "--name", "prod/old", "--secret-string", "old-value"});
  Reads(d, 300);

  const std::string dir = ReplicaDir(d);
  RunResult init = Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile(), "--from-snapshot"});
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  const uint64_t base = HeadOf(dir);
  CHECK(base > 300);
  {
    // Before it follows: the snapshot's signed note is the checkpoint its files verify by.
    RunResult verify = Run({ToolPath("cairn-audit"), "verify", "--data-dir", dir}, {{"CAIRN_PASSPHRASE", ""}});
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    CHECK(verify.out.find("its primary's at size " + std::to_string(base) + " (a DR replica)") != std::string::npos);
  }
  CHECK(init.err.find("from seq " + std::to_string(base)) != std::string::npos);

  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"), {"follow", "--data-dir", dir, "--report-every-ms", "0"});
  follower.Start();
  // Writes while it follows: a crypto-shred of a secret whose key came in the snapshot among them.
  d.Call({"delete-secret", "--secret-id", "prod/old", "--force-delete-without-recovery"});
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "db-pass-2"});
  Reads(d, 50);
  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log() << "\ncairnd log:\n" << d.daemon.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  CHECK(status["LastVerifiedCheckpoint"]["TreeSize"].get<uint64_t>() >= status["HeadSeq"].get<uint64_t>());
  CHECK(status["FirstSeq"] == base);
  REQUIRE(follower.Terminate() == 0);
  REQUIRE(d.daemon.Terminate() == 0);
  CheckIdentical(d.daemon.data_dir(), dir, base);
  // An auditor's check of the replica's files: the chain from the base, the
  // tree above it, and the last checkpoint of the primary it applied, by the pinned key.
  RunResult verify =
      Run({ToolPath("cairn-audit"), "verify", "--data-dir", dir, "--json"}, {{"CAIRN_PASSPHRASE", ""}});
  INFO(verify.out << verify.err);
  const json verified = json::parse(verify.out, nullptr, false);
  REQUIRE(verified.is_object());
  CHECK(verified["ok"] == true);
  CHECK(verified["log_ok"] == true);
  CHECK(verified["checkpoints_ok"] == true);
  CHECK(verified["checkpoints"] == 1);
  CHECK(verified["primary_checkpoint_size"].get<uint64_t>() > base);
  CHECK(verified["primary_checkpoint_size"].get<uint64_t>() <= HeadOf(d.daemon.data_dir()));
  CHECK(verified["first_seq"] == base);
  CHECK(verified["records"] == HeadOf(d.daemon.data_dir()) - base);
  CHECK(verified["first_bad_seq"].is_null());
  {
    auto primary_store = OpenReadOnly(d.daemon.data_dir());
    auto root = ledger::TreeReader(*primary_store).Root(HeadOf(d.daemon.data_dir()));
    REQUIRE(root.ok());
    CHECK(verified["root"] == crypto::ToHex(*root));
  }

  // The snapshot was an audited call on the primary.
  auto primary = OpenReadOnly(d.daemon.data_dir());
  auto record = ledger::ReadRecord(*primary, base - 1);
  REQUIRE(record.ok());
  auto fields = ledger::DecodeRecord(*record);
  REQUIRE(fields.ok());
  CHECK(fields->event_type == "ReplicaSnapshotRead");
  primary.reset();

  // What an auditor reads of its files: the primary's trail from the base on,
  // line for line; a replay needs the records it does not hold, and says so.
  auto export_lines = [](const std::string& data_dir) {
    RunResult r = Run({ToolPath("cairn-audit"), "export", "--data-dir", data_dir}, {{"CAIRN_PASSPHRASE", ""}});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> theirs = export_lines(d.daemon.data_dir());
  const std::vector<std::string> ours = export_lines(dir);
  REQUIRE(theirs.size() > base);
  CHECK(ours == std::vector<std::string>(theirs.begin() + static_cast<long>(base), theirs.end()));
  RunResult rebuild = Run({ToolPath("cairn-audit"), "rebuild", "--data-dir", dir}, {{"CAIRN_PASSPHRASE", ""}});
  CHECK(rebuild.exit_code != 0);
  CHECK(rebuild.err.find("from seq " + std::to_string(base)) != std::string::npos);

  // Promoted and served, it opens a secret whose data key came in the
  // snapshot, and its audit trail follows from the base (not before it).
  DaemonProcess promoted(dir, {"--checkpoint-ms", "200"});
  PromoteAndServe(d, dir, promoted);
  RunResult read = CairnAt(promoted.profile(), {"get-secret-value", "--secret-id", "prod/db"});
  INFO(read.err << promoted.log());
  REQUIRE(read.exit_code == 0);
  CHECK(json::parse(read.out)["SecretString"] == "db-pass-2");
  RunResult tail = CairnAt(promoted.profile(), {"audit", "tail", "--json", "--from-seq", std::to_string(base),
                                                "--count", "3"});
  INFO(tail.err);
  REQUIRE(tail.exit_code == 0);
  std::istringstream tailed(tail.out);
  for (size_t i = 0; i < 3; ++i) {
    std::string line;
    REQUIRE(std::getline(tailed, line));
    CHECK(line == theirs[base + i]);  // the same region and account as from genesis
  }
  RunResult before = CairnAt(promoted.profile(), {"audit", "tail", "--from-seq", "0", "--count", "1"});
  CHECK(before.exit_code != 0);
  CHECK(before.err.find("from seq " + std::to_string(base)) != std::string::npos);
  REQUIRE(promoted.Terminate() == 0);
}

TEST_CASE("cairn-replica init --from-snapshot needs cairn:ReadReplicaSnapshot and refuses another key, writing nothing",
          "[daemon][replica][snapshot][access]") {
  RunningDaemon d({"--checkpoint-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  const std::string dr = d.tmp.sub("dr.profile");
  d.Call({"principal", "create", "--name", "dr", "--type", "Service", "--profile-out", dr});
  d.Call({"policy", "create", "--name", "dr", "--document",
          R"({"Statement":{"Effect":"Allow","Action":["cairn:GetReplicaSeed","cairn:ReadReplicaPage",)"
          R"("cairn:ReadAuditLog","cairn:SubscribeEvents"],"Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "dr", "--policy", "dr"});
  const std::string pin = tools::ReadProfile(d.daemon.profile())->checkpoint_key;

  const std::string bare = ReplicaDir(d, "bare");
  RunResult refused = Replica({"init", "--data-dir", bare, "--primary-profile", dr, "--pin-key", pin, "--from-snapshot"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("cairn:ReadReplicaSnapshot") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(service::LedgerDir(bare)));

  // Another ledger's key pinned: refused before any snapshot is taken.
  RunningDaemon other({"--checkpoint-ms", "200"});
  const std::string other_key = tools::ReadProfile(other.daemon.profile())->checkpoint_key;
  const std::string dir = ReplicaDir(d, "wrong-key");
  RunResult wrong = Replica({"init", "--data-dir", dir, "--primary-profile", d.daemon.profile(), "--pin-key",
                             other_key, "--from-snapshot"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("not the pinned key") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(service::LedgerDir(dir)));

  d.Call({"policy", "create", "--name", "dr-snapshot", "--document",
          R"({"Statement":{"Effect":"Allow","Action":"cairn:ReadReplicaSnapshot","Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "dr", "--policy", "dr-snapshot"});
  InitReplica(bare, dr, {"--pin-key", pin, "--from-snapshot"});
  CHECK(HeadOf(bare) > 0);
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
  SECTION("follow pointed at another ledger's primary") {
    const std::string dir = ReplicaDir(d);
    InitReplica(dir, d.daemon.profile());
    json config = json::parse(ReadFile(dir + "/replica.json"));
    config["PrimaryProfile"] = other.daemon.profile();
    config["PinnedKey"] = other_key;
    std::ofstream(dir + "/replica.json", std::ios::trunc) << config.dump();
    RunResult r = Replica({"follow", "--data-dir", dir});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("serves ledger") != std::string::npos);
    CHECK(ledger::ReadHead(*OpenReadOnly(dir))->next_seq == 0);
  }
  SECTION("follow in a directory that is not a replica's") {
    RunResult r = Replica({"follow", "--data-dir", d.tmp.sub("nothing")});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cairn-replica init") != std::string::npos);
  }
  SECTION("follow writing its status file never") {
    RunResult r = Replica({"follow", "--data-dir", d.tmp.sub("nothing"), "--status-every-ms", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--status-every-ms") != std::string::npos);
  }
}

TEST_CASE("a replica restarted mid-catch-up, and a primary SIGKILLed and restarted mid-stream, end identical",
          "[daemon][replica][chaos]") {
  RunningDaemon d({"--checkpoint-ms", "200", "--checkpoint-records", "100"});
  // The replica SIGKILLed while it catches up (small verified batches), then restarted.
  const std::string dir = ReplicaDir(d);
  std::unique_ptr<ToolProcess> catching_up = StartCatchingUpReplica(d, dir, 1500, {"--verify-after-ms", "100"});
  ToolProcess& follower = *catching_up;
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

// Far behind the head, pages are written without the WAL (ledger/FORMAT.md,
// "Deferred batches"); once caught up, everything the replica applied must
// be on disk, so a SIGKILL then loses nothing.
TEST_CASE("a replica that caught up through pages written without the WAL keeps them all through a SIGKILL",
          "[daemon][replica][chaos]") {
  RunningDaemon d({"--checkpoint-ms", "200", "--checkpoint-records", "100"});
  const std::string dir = ReplicaDir(d);
  std::unique_ptr<ToolProcess> catching_up = StartCatchingUpReplica(d, dir, 1000);
  ToolProcess& follower = *catching_up;
  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  CHECK(follower.log().find("pages are written without the WAL") != std::string::npos);
  CHECK(follower.log().find("every page is synced") != std::string::npos);
  follower.Kill();
  REQUIRE(d.daemon.Terminate() == 0);
  CheckIdentical(d.daemon.data_dir(), dir);
}

TEST_CASE("a replica principal needs exactly its four rights, and with them replicates (reports refused)", "[daemon][replica][access]") {
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
  InitReplica(dir, dr, {"--pin-key", pin});
  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"), {"follow", "--data-dir", dir});
  follower.Start();
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "db-pass-2"});
  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  REQUIRE(follower.Terminate() == 0);
  // Its status reports (cairn:ReportReplicaStatus, not granted) were refused once, then not tried.
  CHECK(follower.log().find("grant cairn:ReportReplicaStatus") != std::string::npos);
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
  InitReplica(dir, d.daemon.profile());
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

TEST_CASE("after a failover the old primary's records after the fork point are refused, with both heads",
          "[daemon][replica][chaos]") {
  RunningDaemon d({"--checkpoint-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  const std::string dir = CaughtUpReplica(d);
  const uint64_t replica_head = HeadOf(dir);
  // Acknowledged by the primary, never seen by the replica, then the primary is lost.
  d.Call({"put-secret-value", "--secret-id", "prod/db", "--secret-string", "lost-pass-2"});
  d.Call({"create-secret", "--name", "prod/lost", "--secret-string", "lost-value"});
  d.daemon.Kill();
  const std::string old_dir = d.daemon.data_dir();
  const uint64_t old_head = HeadOf(old_dir);
  REQUIRE(old_head > replica_head);

  DaemonProcess promoted(dir, {"--checkpoint-ms", "200"});
  const json report = PromoteAndServe(d, dir, promoted);
  CHECK(report["PromotedAtSeq"] == replica_head);
  // It serves the API, and signs with its own key, named in its epoch record.
  RunResult put = CairnAt(promoted.profile(), {"put-secret-value", "--secret-id", "prod/db", "--secret-string",
                                               "db-pass-3"});
  INFO(put.err << promoted.log());
  REQUIRE(put.exit_code == 0);
  RunResult read = CairnAt(promoted.profile(), {"get-secret-value", "--secret-id", "prod/db"});
  REQUIRE(read.exit_code == 0);
  CHECK(json::parse(read.out)["SecretString"] == "db-pass-3");
  const std::string new_key = tools::ReadProfile(promoted.profile())->checkpoint_key;
  const std::string old_key = tools::ReadProfile(d.daemon.profile())->checkpoint_key;
  CHECK(new_key != old_key);
  RunResult exported = Run({ToolPath("cairn-audit"), "export", "--data-dir", dir});
  REQUIRE(exported.exit_code == 0);
  std::istringstream lines(exported.out);
  int epochs = 0;
  for (std::string line; std::getline(lines, line);) {
    const json e = json::parse(line);
    if (e["eventName"] != "ReplicaPromoted") continue;
    ++epochs;
    CHECK(e["additionalEventData"]["replicaHead"] == replica_head);
    CHECK(e["additionalEventData"]["checkpointKey"] == new_key);
  }
  CHECK(epochs == 1);

  // The old primary comes back: it may not rejoin, and nothing of it changes.
  const std::string fork_file = d.tmp.sub("fork.jsonl");
  RunResult rejoin = Replica({"rejoin", "--data-dir", old_dir, "--primary-profile", promoted.profile(),
                              "--fork-out", fork_file});
  INFO(rejoin.out << rejoin.err);
  CHECK(rejoin.exit_code == 1);
  const json fork = json::parse(rejoin.out);
  CHECK(fork["Rejoined"] == false);
  CHECK(fork["Fork"]["AtSeq"] == replica_head);
  CHECK(fork["Fork"]["RecordsRefused"] == old_head - replica_head);
  CHECK(fork["ThisLedger"]["HeadSeq"] == old_head);
  CHECK(fork["Primary"]["TreeSize"].get<uint64_t>() > replica_head);
  CHECK(fork["Primary"]["Root"] != fork["ThisLedger"]["Root"]);
  CHECK(rejoin.err.find("forked") != std::string::npos);
  const std::string refused = ReadFile(fork_file);
  CHECK(std::count(refused.begin(), refused.end(), '\n') == static_cast<long>(old_head - replica_head));
  CHECK(refused.find("PutSecretValue") != std::string::npos);
  CHECK(refused.find("lost-pass") == std::string::npos);  // events, never values
  CHECK(refused.find("lost-value") == std::string::npos);
  CHECK(HeadOf(old_dir) == old_head);
  CHECK_FALSE(std::filesystem::exists(old_dir + "/replica.json"));
  CHECK(OpenReadOnly(old_dir)->Get(ledger::Family::kMeta, service::internal::kMetaReplicaOf).value() == std::nullopt);
  REQUIRE(promoted.Terminate() == 0);
}

TEST_CASE("an old primary the replica had fully seen rejoins the promoted one and follows it to identity",
          "[daemon][replica][chaos]") {
  RunningDaemon d({"--checkpoint-ms", "200"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  Reads(d, 20);
  const std::string dir = CaughtUpReplica(d);
  REQUIRE(d.daemon.Terminate() == 0);
  const std::string old_dir = d.daemon.data_dir();
  REQUIRE(HeadOf(old_dir) == HeadOf(dir));

  DaemonProcess promoted(dir, {"--checkpoint-ms", "200"});
  PromoteAndServe(d, dir, promoted);
  RunResult rejoin = Replica({"rejoin", "--data-dir", old_dir, "--primary-profile", promoted.profile()});
  INFO(rejoin.out << rejoin.err);
  REQUIRE(rejoin.exit_code == 0);
  const json report = json::parse(rejoin.out);
  CHECK(report["Rejoined"] == true);
  CHECK(report["CommonRecords"] == HeadOf(old_dir));
  CHECK_FALSE(report.contains("Fork"));
  // Now a replica: cairnd refuses it, follow takes the new primary's records.
  RunResult served = Run({ToolPath("cairn"), "--data-dir", old_dir, "list-secrets"},
                         {{"CAIRN_PROFILE", ""}, {"CAIRN_PASSPHRASE", ""}});
  CHECK(served.exit_code != 0);
  ToolProcess follower("cairn-replica", d.tmp.sub("rejoined.log"), {"follow", "--data-dir", old_dir, "--report-every-ms", "0"});
  follower.Start();
  for (int i = 0; i < 3; ++i) {
    RunResult put = CairnAt(promoted.profile(), {"put-secret-value", "--secret-id", "prod/db", "--secret-string",
                                                 "db-pass-" + std::to_string(i + 2)});
    REQUIRE(put.exit_code == 0);
  }
  json status = WaitCaughtUp(old_dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  REQUIRE(follower.Terminate() == 0);
  REQUIRE(promoted.Terminate() == 0);
  CheckIdentical(dir, old_dir);
}

TEST_CASE("cairn replica status on the primary shows each replica's head, lag and last verified checkpoint",
          "[daemon][replica]") {
  RunningDaemon d({"--checkpoint-ms", "100"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  Reads(d, 50);
  const std::string dir = ReplicaDir(d);
  InitReplica(dir, d.daemon.profile());
  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"),
                       {"follow", "--data-dir", dir, "--report-every-ms", "100", "--replica-id", "dr-east"});
  follower.Start();
  // Until a report shows it past the reads, at the primary's own leaf there.
  json replica;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    RunResult r = d.Cairn({"replica", "status"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json status = json::parse(r.out);
    REQUIRE(status["Replicas"].size() <= 1);
    if (!status["Replicas"].empty() && status["Replicas"][0]["HeadSeq"].get<uint64_t>() > 52) {
      replica = status["Replicas"][0];
      CHECK(status["PrimaryHeadSeq"].get<uint64_t>() >= replica["HeadSeq"].get<uint64_t>());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(replica.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(replica.is_object());
  CHECK(replica["ReplicaId"] == "dr-east");
  CHECK(replica["Principal"] == "admin");
  CHECK(replica["LeafHashMatches"] == true);
  CHECK(replica["HeadLeafHash"].get<std::string>().size() == 64);
  CHECK(replica["LastVerifiedCheckpoint"]["TreeSize"].get<uint64_t>() >= replica["HeadSeq"].get<uint64_t>());
  CHECK(replica["LastVerifiedCheckpoint"]["Root"].get<std::string>().size() == 64);
  for (const char* field : {"LagRecords", "LagMs", "PendingRecords", "BytesPerSecond", "ReportedAgoMs"}) {
    INFO(field);
    CHECK(replica[field].is_number_unsigned());
  }
  CHECK(replica["LagRecords"].get<uint64_t>() < 50);
  // The leaf it reports is the primary's at that seq.
  const std::vector<json> events = d.Export();
  REQUIRE(events.size() >= replica["HeadSeq"].get<uint64_t>());
  REQUIRE(follower.Terminate() == 0);
  // A replica-side view too, on the replica's machine.
  RunResult local = Replica({"status", "--data-dir", dir});
  REQUIRE(local.exit_code == 0);
  CHECK(json::parse(local.out)["HeadSeq"].get<uint64_t>() >= replica["HeadSeq"].get<uint64_t>());
  RunResult local_cairn = Run({ToolPath("cairn"), "--data-dir", dir, "replica", "status"},
                              {{"CAIRN_PROFILE", ""}, {"CAIRN_PASSPHRASE", ""}});
  INFO(local_cairn.err);
  REQUIRE(local_cairn.exit_code == 0);
  CHECK(local_cairn.out == local.out);
}

TEST_CASE("a replica whose connections drop and come back many times under write load ends identical",
          "[daemon][replica][chaos]") {
  RunningDaemon d({"--checkpoint-ms", "100"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "db-pass-1"});
  // The replica reaches the primary through relays that the test cuts.
  auto profile = tools::ReadProfile(d.daemon.profile());
  REQUIRE(profile.ok());
  TcpProxy api(PortOf(profile->api_endpoint));
  TcpProxy events(PortOf(profile->events_endpoint));
  profile->api_endpoint = "tcp://127.0.0.1:" + std::to_string(api.port());
  profile->events_endpoint = "tcp://127.0.0.1:" + std::to_string(events.port());
  const std::string via = d.tmp.sub("via-relay.profile");
  REQUIRE(tools::WriteProfile(via, *profile).ok());
  const std::string dir = ReplicaDir(d);
  InitReplica(dir, via);
  ToolProcess follower("cairn-replica", d.tmp.sub("replica.log"),
                       {"follow", "--data-dir", dir, "--report-every-ms", "0", "--verify-after-ms", "200"});
  follower.Start();

  std::atomic<bool> writing{true};
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    auto remote = d.Connect();
    for (int i = 0; writing; ++i) {
      service::Request request =
          i % 10 == 0 ? WithString(MakeRequest("PutSecretValue", {{"SecretId", "prod/db"}}), "db-pass-" + std::to_string(i))
                      : MakeRequest("GetSecretValue", {{"SecretId", "prod/db"}});
      auto r = remote->Execute(request);
      if (r.ok() && r->ok()) ++acknowledged;
    }
  });
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    api.Cut(/*refuse=*/true);
    events.Cut(/*refuse=*/true);
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 3 == 0 ? 1500 : 100));
    api.Restore();
    events.Restore();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  writing = false;
  writer.join();
  CHECK(api.cuts() == 12);
  CHECK(acknowledged > 100);

  json status = WaitCaughtUp(dir);
  INFO(status.dump() << "\nreplica log:\n" << follower.log());
  REQUIRE(status.value("PendingRecords", 1) == 0);
  REQUIRE(follower.Terminate() == 0);
  REQUIRE(d.daemon.Terminate() == 0);
  CheckIdentical(d.daemon.data_dir(), dir);
}

}  // namespace cairn::testing
