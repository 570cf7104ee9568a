// cairn-audit replay, rebuild and history on a real data directory.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "ledger/store.h"
#include "tests/testing/cli_ledger.h"

namespace cairn {
namespace {

using nlohmann::json;
using testing::RunResult;

using Ledger = testing::CliLedger;

constexpr char kKey[] = "0123456789abcdefghij0123456789abcdefghij";  // a Z85 public key

TEST_CASE("replay shows the secrets as they were at a past seq", "[tools][audit][replay]") {
  Ledger l;
  REQUIRE(l.Cairn({"create-secret", "--name", "a", "--secret-string", "SECRETVALUE1"}).exit_code == 0);  // seq 1
  REQUIRE(l.Cairn({"put-secret-value", "--secret-id", "a", "--secret-string", "SECRETVALUE2"}).exit_code == 0);  // seq 2
  REQUIRE(l.Cairn({"delete-secret", "--secret-id", "a", "--force-delete-without-recovery"}).exit_code == 0);
  REQUIRE(l.Cairn({"list-secrets"}).exit_code == 0);  // runs the purge first

  RunResult before = l.Audit({"replay", "--seq", "2"});
  REQUIRE(before.exit_code == 0);
  json b = json::parse(before.out);
  CHECK(b["records"] == 2);
  REQUIRE(b["secrets"].size() == 1);
  CHECK(b["secrets"][0]["Name"] == "a");
  CHECK(b["secrets"][0]["Versions"].size() == 1);
  CHECK(before.out.find("SECRETVALUE") == std::string::npos);  // no values, ever

  json after = json::parse(l.Audit({"replay"}).out);
  CHECK(after["secrets"].empty());

  RunResult early = l.Audit({"replay", "--at", "2001-01-01T00:00:00Z"});
  CHECK(early.exit_code == 2);
  CHECK(early.err.find("before the ledger's genesis") != std::string::npos);
  RunResult bad = l.Audit({"replay", "--at", "yesterday"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("ISO-8601") != std::string::npos);
}

TEST_CASE("replay shows the principals, their policies and the secrets' resource policies as they were",
          "[tools][audit][replay]") {
  Ledger l;
  REQUIRE(l.Cairn({"create-secret", "--name", "db", "--secret-string", "x"}).exit_code == 0);
  REQUIRE(l.Cairn({"principal", "create", "--name", "app", "--public-key", kKey, "--tag", "env=dev"}).exit_code == 0);
  const std::string doc = R"({"Statement":{"Sid":"Read","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"db"}})";
  REQUIRE(l.Cairn({"policy", "create", "--name", "read-db", "--document", doc}).exit_code == 0);
  REQUIRE(l.Cairn({"principal", "attach-policy", "--name", "app", "--policy", "read-db"}).exit_code == 0);
  const std::string rp = R"({"Statement":{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}})";
  REQUIRE(l.Cairn({"put-resource-policy", "--secret-id", "db", "--resource-policy", rp}).exit_code == 0);
  json now = json::parse(l.Audit({"replay"}).out);
  REQUIRE(now["principals"].size() == 1);
  CHECK(now["principals"][0]["Name"] == "app");
  CHECK(now["principals"][0]["AttachedPolicies"] == json::array({"read-db"}));
  CHECK(now["principals"][0]["Tags"] == json::array({{{"Key", "env"}, {"Value", "dev"}}}));
  REQUIRE(now["policies"].size() == 1);
  CHECK(now["policies"][0]["PolicyDocument"] == doc);
  CHECK(now["secrets"][0]["ResourcePolicy"] == rp);
  // Before the attachment (genesis, secret, principal, policy: seqs 0-3).
  json earlier = json::parse(l.Audit({"replay", "--seq", "4"}).out);
  CHECK(earlier["principals"][0]["AttachedPolicies"] == json::array());
  CHECK_FALSE(earlier["secrets"][0].contains("ResourcePolicy"));
}

TEST_CASE("rebuild matches the stored projections and reports an altered entry", "[tools][audit][rebuild]") {
  Ledger l;
  REQUIRE(l.Cairn({"create-secret", "--name", "a", "--secret-string", "SECRETVALUE1", "--tags", "Key=k,Value=v"}).exit_code == 0);
  RunResult good = l.Audit({"rebuild"});
  CHECK(good.exit_code == 0);
  CHECK(json::parse(good.out)["ok"] == true);
  {
    auto store = ledger::OpenRocksStore(l.dir + "/ledger", ledger::OpenMode::kReadWrite);
    REQUIRE(store.ok());
    auto it = (*store)->NewIterator(ledger::Family::kState);
    std::string key;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (std::string(it->key()).rfind("secret/", 0) == 0) key = std::string(it->key());
    }
    REQUIRE_FALSE(key.empty());
    ledger::WriteSet w;
    w.Put(ledger::Family::kState, key, "forged");
    REQUIRE((*store)->Write(w, true).ok());
  }
  RunResult bad = l.Audit({"rebuild"});
  CHECK(bad.exit_code == 1);
  json report = json::parse(bad.out);
  CHECK(report["ok"] == false);
  REQUIRE(report["mismatched"].size() == 1);
  CHECK(report["mismatched"][0].get<std::string>().rfind("secret/", 0) == 0);
}

TEST_CASE("history lists every event that touched one secret, refused reads included", "[tools][audit][history]") {
  Ledger l;
  REQUIRE(l.Cairn({"create-secret", "--name", "db", "--secret-string", "SECRETVALUE1"}).exit_code == 0);
  REQUIRE(l.Cairn({"create-secret", "--name", "other", "--secret-string", "x"}).exit_code == 0);
  REQUIRE(l.Cairn({"get-secret-value", "--secret-id", "db"}).exit_code == 0);
  REQUIRE(l.Cairn({"get-secret-value", "--secret-id", "db", "--version-stage", "NOPE"}).exit_code == 254);
  REQUIRE(l.Cairn({"describe-secret", "--secret-id", "other"}).exit_code == 0);
  // A principal of the same name is not the secret.
  REQUIRE(l.Cairn({"principal", "create", "--name", "db", "--public-key", kKey}).exit_code == 0);
  RunResult r = l.Audit({"history", "--secret", "db"});
  REQUIRE(r.exit_code == 0);
  std::vector<json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["eventName"] == "CreateSecret");
  CHECK(lines[1]["eventName"] == "GetSecretValue");
  CHECK_FALSE(lines[1].contains("errorCode"));
  CHECK(lines[2]["errorCode"] == "ResourceNotFoundException");
  CHECK(r.out.find("SECRETVALUE") == std::string::npos);
}

}  // namespace
}  // namespace cairn
