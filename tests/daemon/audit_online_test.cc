// Verifiable audit against a running cairnd: receipts checked by `cairn
// --verify-receipt`, and cairn-audit's verbs through a profile, which must say
// exactly what they say for the data directory of the same ledger prefix.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "crypto/signing.h"
#include "ledger/checkpoint.h"
#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

using nlohmann::json;

RunResult Audit(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), ToolPath("cairn-audit"));
  env.emplace("CAIRN_PROFILE", "");
  return Run(args, env);
}

json JsonOf(const RunResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A daemon with a secret and a few more records than any test below needs.
struct AuditedDaemon : RunningDaemon {
  AuditedDaemon() {
    Call({"create-secret", "--name", "prod/db", "--secret-string", "s3cret"});
    for (int i = 0; i < 8; ++i) Call({"list-secrets"});
  }
  std::string CheckpointKey() const {
    auto profile = tools::ReadProfile(daemon.profile());
    REQUIRE(profile.ok());
    return profile->checkpoint_key;
  }
  // The admin's profile, without (or with another) CheckpointKey.
  std::string ProfileWithKey(const std::string& name, const std::string& key) const {
    auto profile = tools::ReadProfile(daemon.profile());
    REQUIRE(profile.ok());
    profile->checkpoint_key = key;
    const std::string path = tmp.sub(name);
    REQUIRE(tools::WriteProfile(path, *profile).ok());
    return path;
  }
};

const std::regex kVerified(
    R"(cairn: receipt verified: seq (\d+) is in the signed tree of size (\d+) \(root ([0-9a-f]{64})\)\n)");

TEST_CASE("get-secret-value --verify-receipt shows the call's event is in the signed tree",
          "[daemon][audit]") {
  AuditedDaemon d;
  const std::string key = d.CheckpointKey();
  const std::string offline_key = Audit({"pubkey", "--data-dir", d.daemon.data_dir()}).out;
  CHECK(key + "\n" == offline_key);  // cairnd pinned the ledger's key in its admin profile

  SECTION("pinned by the profile's CheckpointKey") {
    RunResult plain = d.Cairn({"get-secret-value", "--secret-id", "prod/db"});
    RunResult r = d.Cairn({"get-secret-value", "--secret-id", "prod/db", "--verify-receipt"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == plain.out);  // stdout stays the aws-shaped output
    std::smatch m;
    REQUIRE(std::regex_match(r.err, m, kVerified));
    const std::string seq = m[1];
    const std::string size = m[2];
    CHECK(std::stoull(size) > std::stoull(seq));
    // The record at that seq is this read, and the root is the data directory's.
    json proof = JsonOf(Audit(
        {"prove", "--data-dir", d.daemon.data_dir(), "--seq", seq, "--tree-size", size, "--json"}));
    CHECK(proof["root"] == m[3].str());
    const std::vector<json> events = d.Export();
    CHECK(events.at(std::stoull(seq))["eventName"] == "GetSecretValue");
  }
  SECTION("pinned by --pin-key") {
    RunResult r = d.Cairn(
        {"get-secret-value", "--secret-id", "prod/db", "--verify-receipt", "--pin-key", key},
        d.ProfileWithKey("bare.profile", ""));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(std::regex_match(r.err, kVerified));
  }
  SECTION("nothing pinned: the key cairnd sends, trusted on first use, said on stderr") {
    RunResult r = d.Cairn({"describe-secret", "--secret-id", "prod/db", "--verify-receipt"},
                          d.ProfileWithKey("bare.profile", ""));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(
        r.err.find(
            "cairn: warning: no checkpoint key pinned (--pin-key or the profile's CheckpointKey): "
            "trusting the key cairnd sent, on first use: " +
            key + "\n") == 0);
    CHECK(r.err.find("cairn: receipt verified: seq ") != std::string::npos);
  }
}

TEST_CASE("a receipt check fails with exit 255 under a key that is not the ledger's",
          "[daemon][audit]") {
  AuditedDaemon d;
  auto other = crypto::Ed25519PrivateKey::Generate(crypto::SystemRandom());
  auto mine = ledger::ParseVerifierKey(d.CheckpointKey());
  REQUIRE(mine.ok());
  auto impostor = ledger::MakeNoteVerifier(mine->name, other.PublicKey());
  REQUIRE(impostor.ok());
  const std::string wrong = ledger::FormatVerifierKey(*impostor);

  SECTION("given with --pin-key") {
    RunResult r = d.Cairn(
        {"get-secret-value", "--secret-id", "prod/db", "--verify-receipt", "--pin-key", wrong});
    CHECK(r.exit_code == 255);
    CHECK(r.out.empty());
    CHECK(r.err.find("cairn: error: receipt not verified: the checkpoint cairnd sent does not "
                     "verify under the key " +
                     wrong + ": ") == 0);
  }
  SECTION("pinned in the profile") {
    RunResult r = d.Cairn({"get-secret-value", "--secret-id", "prod/db", "--verify-receipt"},
                          d.ProfileWithKey("wrong.profile", wrong));
    CHECK(r.exit_code == 255);
    CHECK(r.err.find(
              "receipt not verified: the checkpoint cairnd sent does not verify under the key " +
              wrong) != std::string::npos);
  }
  SECTION("malformed") {
    RunResult r = d.Cairn(
        {"get-secret-value", "--secret-id", "prod/db", "--verify-receipt", "--pin-key", "nope"});
    CHECK(r.exit_code == 255);
    CHECK(r.err.find("cairn: error: receipt not verified: the pinned checkpoint key: ") == 0);
  }
}

TEST_CASE("a principal without cairn:ReadAuditLog is told the audit reads need it", "[daemon][audit]") {
  AuditedDaemon d;
  const std::string app = d.tmp.sub("app.profile");
  d.Call({"principal", "create", "--name", "app", "--profile-out", app});
  d.Call({"policy", "create", "--name", "read", "--document",
          R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "app", "--policy", "read"});
  auto written = tools::ReadProfile(app);
  REQUIRE(written.ok());
  CHECK(written->checkpoint_key == d.CheckpointKey());  // passed on from the creator's profile

  RunResult receipt =
      d.Cairn({"get-secret-value", "--secret-id", "prod/db", "--verify-receipt"}, app);
  CHECK(receipt.exit_code == 255);
  CHECK(receipt.out.empty());
  CHECK(receipt.err.starts_with(
      "cairn: error: receipt not verified: cairnd refused GetCheckpoint (AccessDeniedException: User: "));
  CHECK(receipt.err.ends_with(
      "because no identity-based policy allows the cairn:ReadAuditLog action); checking a receipt needs "
      "cairn:ReadAuditLog\n"));

  RunResult audit = Audit({"verify", "--profile", app, "--json"});
  CHECK(audit.exit_code == 2);
  CHECK(audit.out.empty());
  CHECK(audit.err.starts_with("cairn-audit: error: cairnd refused ReadRecords (AccessDeniedException: User: "));
  CHECK(audit.err.ends_with("; cairn-audit --profile needs cairn:ReadAuditLog\n"));

  d.Call({"policy", "create", "--name", "audit", "--document",
          R"({"Statement":{"Effect":"Allow","Action":"cairn:ReadAuditLog","Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "app", "--policy", "audit"});
  RunResult verified =
      d.Cairn({"get-secret-value", "--secret-id", "prod/db", "--verify-receipt"}, app);
  INFO(verified.err);
  CHECK(verified.exit_code == 0);
}

TEST_CASE("cairn-audit verify --profile checks the mirrored ledger up to a signed checkpoint",
          "[daemon][audit]") {
  AuditedDaemon d;
  const std::string cp = d.tmp.sub("cp-1.txt");
  RunResult kept = Audit({"checkpoint", "--profile", d.daemon.profile()});
  REQUIRE(kept.exit_code == 0);
  std::ofstream(cp, std::ios::binary) << kept.out;
  auto opened =
      ledger::OpenSignedCheckpoint(kept.out, *ledger::ParseVerifierKey(d.CheckpointKey()));
  REQUIRE(opened.ok());
  d.Call({"list-secrets"});

  json remote = JsonOf(Audit({"verify", "--profile", d.daemon.profile(), "--since", cp, "--json"}));
  CHECK(remote["ok"] == true);
  CHECK(remote["problem"] == "");
  CHECK(remote["checkpoints_ok"] == true);
  CHECK(remote["checkpoints"].get<uint64_t>() >= 2);
  CHECK(remote["since_ok"] == true);
  const uint64_t records = remote["records"].get<uint64_t>();
  CHECK(records > opened->size);

  // The data directory's own verify passes, and its prefix of that size has the same head and root.
  CHECK(JsonOf(Audit({"verify", "--data-dir", d.daemon.data_dir(), "--json"}))["ok"] == true);
  json last = JsonOf(
      Audit({"prove", "--data-dir", d.daemon.data_dir(), "--seq", std::to_string(records - 1),
             "--tree-size", std::to_string(records), "--json"}));
  CHECK(remote["head"] == last["leaf_hash"]);
  CHECK(remote["root"] == last["root"]);

  SECTION("CAIRN_PROFILE stands in for --profile") {
    RunResult r = Audit({"pubkey"}, {{"CAIRN_PROFILE", d.daemon.profile()}});
    CHECK(r.exit_code == 0);
    CHECK(r.out == d.CheckpointKey() + "\n");
  }
  SECTION("a pinned key that is not the ledger's fails the checkpoints") {
    auto other = crypto::Ed25519PrivateKey::Generate(crypto::SystemRandom());
    auto impostor = ledger::MakeNoteVerifier(opened->origin, other.PublicKey());
    RunResult r = Audit({"verify", "--profile", d.daemon.profile(), "--pin-key",
                         ledger::FormatVerifierKey(*impostor), "--json"});
    CHECK(r.exit_code == 1);
    json bad = json::parse(r.out);
    CHECK(bad["checkpoints_ok"] == false);
    CHECK(bad["problem"].get<std::string>().find("checkpoint at size 1: ") == 0);
  }
}

TEST_CASE(
    "prove, consistency, export and history through a profile print what they print for the data "
    "directory",
    "[daemon][audit]") {
  AuditedDaemon d;
  const std::string dir = d.daemon.data_dir();
  const std::string profile = d.daemon.profile();
  for (const std::vector<std::string>& verb :
       std::vector<std::vector<std::string>>{{"prove", "--seq", "3", "--tree-size", "8", "--json"},
                                             {"prove", "--seq", "0", "--tree-size", "9"},
                                             {"consistency", "--from", "4", "--to", "9", "--json"},
                                             {"consistency", "--from", "1", "--to", "8"},
                                             {"history", "--secret", "prod/db"},
                                             {"pubkey"}}) {
    std::vector<std::string> online = verb;
    online.insert(online.begin() + 1, {"--profile", profile});
    std::vector<std::string> offline = verb;
    offline.insert(offline.begin() + 1, {"--data-dir", dir});
    RunResult a = Audit(online);
    RunResult b = Audit(offline);
    INFO(verb[0] << "\n" << a.err << "\n" << b.err);
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    CHECK(a.out == b.out);
  }

  RunResult remote = Audit({"export", "--profile", profile});
  REQUIRE(remote.exit_code == 0);
  CHECK(remote.err.find("cairn-audit: mirrored ") != std::string::npos);
  const std::vector<std::string> mirrored = Lines(remote.out);
  const std::vector<std::string> local = Lines(Audit({"export", "--data-dir", dir}).out);
  REQUIRE(mirrored.size() > 10);
  REQUIRE(local.size() > mirrored.size());  // the mirror's own calls came after its prefix
  CHECK(std::vector<std::string>(local.begin(), local.begin() + mirrored.size()) == mirrored);

  const std::string tar = d.tmp.sub("audit.tar");
  RunResult bundled = Audit({"bundle", "--profile", profile, "--out", tar});
  INFO(bundled.err);
  REQUIRE(bundled.exit_code == 0);
  json checked =
      JsonOf(Audit({"verify", "--bundle", tar, "--pin-key", d.CheckpointKey(), "--json"}));
  CHECK(checked["ok"] == true);
}

}  // namespace
}  // namespace cairn::testing
