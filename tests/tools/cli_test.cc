// The embedded CLI, run as a user runs it: real processes, a real data directory.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "ledger/store.h"
#include "tests/testing/subprocess.h"

namespace cairn {
namespace {

using testing::Run;
using testing::RunResult;
using testing::TempDir;
using testing::ToolPath;
using nlohmann::json;

const std::map<std::string, std::string> kNoPassphrase = {{"CAIRN_PASSPHRASE", ""}};

RunResult Cairn(const std::string& dir, std::vector<std::string> args,
                const std::map<std::string, std::string>& env = kNoPassphrase) {
  std::vector<std::string> argv = {ToolPath("cairn"), "--data-dir", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, env);
}

RunResult Audit(std::vector<std::string> args) {
  std::vector<std::string> argv = {ToolPath("cairn-audit")};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv);
}

std::string InitLedger(const TempDir& tmp) {
  std::string dir = tmp.sub("d");
  RunResult r = Run({ToolPath("cairn"), "init", "--data-dir", dir}, kNoPassphrase);
  REQUIRE(r.exit_code == 0);
  return dir;
}

json VerifyJson(const std::string& dir) {
  RunResult r = Audit({"verify", "--data-dir", dir, "--json"});
  INFO(r.err);
  return json::parse(r.out);
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_CASE("the walkthrough stores, versions and reads a secret, and the chain verifies", "[tools][cli]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);
  const std::string v1 = R"({"username":"app","password":"s3cret"})";
  const std::string v2 = R"({"username":"app","password":"n3w"})";

  RunResult created = Cairn(dir, {"create-secret", "--name", "prod/db", "--secret-string", v1});
  REQUIRE(created.exit_code == 0);
  json c = json::parse(created.out);
  CHECK(c["Name"] == "prod/db");
  CHECK(c["ARN"].get<std::string>().rfind("arn:aws:secretsmanager:us-east-1:", 0) == 0);

  RunResult got = Cairn(dir, {"get-secret-value", "--secret-id", "prod/db"});
  REQUIRE(got.exit_code == 0);
  CHECK(json::parse(got.out)["SecretString"] == v1);

  REQUIRE(Cairn(dir, {"put-secret-value", "--secret-id", "prod/db", "--secret-string", v2}).exit_code == 0);
  json current = json::parse(Cairn(dir, {"get-secret-value", "--secret-id", "prod/db"}).out);
  json previous = json::parse(
      Cairn(dir, {"get-secret-value", "--secret-id", "prod/db", "--version-stage", "AWSPREVIOUS"}).out);
  CHECK(current["SecretString"] == v2);
  CHECK(previous["SecretString"] == v1);
  CHECK(previous["VersionStages"] == json::array({"AWSPREVIOUS"}));

  json report = VerifyJson(dir);
  CHECK(report["ok"] == true);
  CHECK(report["records"] == 6);  // genesis + create + get + put + get + get
  CHECK(report["head"].get<std::string>().size() == 64);
}

TEST_CASE("a failed call prints the aws CLI's error line, exits 254 and is itself recorded", "[tools][cli]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);
  RunResult r = Cairn(dir, {"get-secret-value", "--secret-id", "missing"});
  CHECK(r.exit_code == 254);
  CHECK(r.out.empty());
  CHECK(r.err.find("An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: "
                   "Secrets Manager can't find the specified secret.") != std::string::npos);
  CHECK(VerifyJson(dir)["records"] == 2);
}

TEST_CASE("a second process gets 'ledger in use' while cairn-audit still reads", "[tools][cli]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);
  REQUIRE(Cairn(dir, {"create-secret", "--name", "a", "--secret-string", "x"}).exit_code == 0);
  {
    auto holder = ledger::OpenRocksStore(dir + "/ledger", ledger::OpenMode::kReadWrite);
    REQUIRE(holder.ok());
    RunResult r = Cairn(dir, {"get-secret-value", "--secret-id", "a"});
    CHECK(r.exit_code == 255);
    CHECK(r.err.find("ledger in use") != std::string::npos);
    CHECK(r.out.empty());
    json report = VerifyJson(dir);
    CHECK(report["ok"] == true);
    CHECK(report["records"] == 2);
  }
  CHECK(Cairn(dir, {"get-secret-value", "--secret-id", "a"}).exit_code == 0);
}

TEST_CASE("no secret value appears in any file under the data directory", "[tools][cli][hygiene]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);
  const std::string value = "needle-7f3a9c2b51e84d06a1b2c3d4e5f60718-value";
  const std::string binary_file = tmp.sub("blob.bin");
  const std::string binary_value = "BINARY-needle-0a1b2c3d4e5f-with-\x01\x02-bytes";
  std::ofstream(binary_file, std::ios::binary) << binary_value;
  REQUIRE(Cairn(dir, {"create-secret", "--name", "s", "--secret-string", value}).exit_code == 0);
  REQUIRE(Cairn(dir, {"create-secret", "--name", "b", "--secret-binary", "fileb://" + binary_file}).exit_code == 0);
  RunResult got = Cairn(dir, {"get-secret-value", "--secret-id", "s"});
  REQUIRE(got.exit_code == 0);
  CHECK(json::parse(got.out)["SecretString"] == value);
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadAll(entry.path());
    INFO(entry.path().string());
    CHECK(bytes.find(value) == std::string::npos);
    CHECK(bytes.find(binary_value) == std::string::npos);
    CHECK(bytes.find("needle") == std::string::npos);
  }
  CHECK(files > 3);
  RunResult exported = Audit({"export", "--data-dir", dir});
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find("needle") == std::string::npos);
}

TEST_CASE("a binary secret round-trips as base64, as the aws CLI prints it", "[tools][cli]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);
  const std::string file = tmp.sub("key.bin");
  std::ofstream(file, std::ios::binary) << std::string("\x00\xff\x10key", 6);
  REQUIRE(Cairn(dir, {"create-secret", "--name", "bin", "--secret-binary", "fileb://" + file}).exit_code == 0);
  json got = json::parse(Cairn(dir, {"get-secret-value", "--secret-id", "bin"}).out);
  CHECK(got["SecretBinary"] == "AP8Qa2V5");
  CHECK_FALSE(got.contains("SecretString"));
}

TEST_CASE("export writes one CloudTrail-shaped line per record with seq and leafHash", "[tools][audit]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);
  REQUIRE(Cairn(dir, {"create-secret", "--name", "x", "--secret-string", "v"}).exit_code == 0);
  Cairn(dir, {"describe-secret", "--secret-id", "nope"});
  RunResult r = Audit({"export", "--data-dir", dir});
  REQUIRE(r.exit_code == 0);
  std::vector<json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 3);
  for (size_t i = 0; i < lines.size(); ++i) {
    CHECK(lines[i]["seq"] == i);
    CHECK(lines[i]["leafHash"].get<std::string>().size() == 64);
    CHECK(lines[i]["eventSource"] == "secretsmanager.amazonaws.com");
  }
  CHECK(lines[1]["eventName"] == "CreateSecret");
  CHECK(lines[1]["readOnly"] == false);
  CHECK(lines[2]["eventName"] == "DescribeSecret");
  CHECK(lines[2]["errorCode"] == "ResourceNotFoundException");
  CHECK(lines[2]["readOnly"] == true);
}

TEST_CASE("bad input gets a clear error, a non-zero exit, and changes nothing", "[tools][cli][errors]") {
  TempDir tmp;
  const std::string dir = InitLedger(tmp);

  SECTION("a data directory that is not a ledger") {
    RunResult r = Cairn(tmp.sub("empty"), {"list-secrets"});
    CHECK(r.exit_code == 255);
    CHECK(r.err.find("is not a Cairn data directory") != std::string::npos);
  }
  SECTION("init refuses a directory that already holds a ledger") {
    RunResult r = Run({ToolPath("cairn"), "init", "--data-dir", dir}, kNoPassphrase);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("already holds a Cairn ledger") != std::string::npos);
  }
  SECTION("a missing key file") {
    std::filesystem::rename(dir + "/master.key", tmp.sub("moved.key"));
    RunResult r = Cairn(dir, {"list-secrets"});
    CHECK(r.exit_code == 255);
    CHECK(r.err.find("master.key") != std::string::npos);
    CHECK(r.err.find("does not exist") != std::string::npos);
  }
  SECTION("a corrupt key file") {
    std::string bytes = ReadAll(dir + "/master.key");
    bytes[bytes.size() / 2] ^= 0x5a;
    std::ofstream(dir + "/master.key", std::ios::binary | std::ios::trunc) << bytes;
    RunResult r = Cairn(dir, {"list-secrets"});
    CHECK(r.exit_code == 255);
    CHECK_FALSE(r.err.empty());
  }
  SECTION("a name with characters AWS refuses") {
    RunResult r = Cairn(dir, {"create-secret", "--name", "bad name!", "--secret-string", "v"});
    CHECK(r.exit_code == 254);
    CHECK(r.err.find("ValidationException") != std::string::npos);
  }
  SECTION("a value over 65536 bytes") {
    const std::string file = tmp.sub("big.txt");
    std::ofstream(file) << std::string(65537, 'a');
    RunResult r = Cairn(dir, {"create-secret", "--name", "big", "--secret-string", "file://" + file});
    CHECK(r.exit_code == 254);
    CHECK(r.err.find("InvalidParameterException") != std::string::npos);
  }
  SECTION("an unknown version stage") {
    REQUIRE(Cairn(dir, {"create-secret", "--name", "s", "--secret-string", "v"}).exit_code == 0);
    RunResult r = Cairn(dir, {"get-secret-value", "--secret-id", "s", "--version-stage", "NOPE"});
    CHECK(r.exit_code == 254);
    CHECK(r.err.find("ResourceNotFoundException") != std::string::npos);
  }
  CHECK(VerifyJson(dir)["ok"] == true);
}

TEST_CASE("a passphrase-sealed ledger opens only with the right passphrase", "[tools][cli][passphrase]") {
  TempDir tmp;
  const std::string dir = tmp.sub("d");
  std::map<std::string, std::string> right = {{"CAIRN_PASSPHRASE", "correct horse battery staple"}};
  std::map<std::string, std::string> wrong = {{"CAIRN_PASSPHRASE", "incorrect horse"}};
  REQUIRE(Run({ToolPath("cairn"), "init", "--data-dir", dir}, right).exit_code == 0);
  CHECK(Cairn(dir, {"create-secret", "--name", "p", "--secret-string", "v"}, right).exit_code == 0);
  RunResult bad = Cairn(dir, {"get-secret-value", "--secret-id", "p"}, wrong);
  CHECK(bad.exit_code == 255);
  CHECK(bad.err.find("wrong passphrase") != std::string::npos);
  RunResult none = Cairn(dir, {"get-secret-value", "--secret-id", "p"});
  CHECK(none.exit_code == 255);
  CHECK(none.err.find("passphrase") != std::string::npos);
  CHECK(VerifyJson(dir)["records"] == 2);
}

}  // namespace
}  // namespace cairn

namespace cairn {
namespace {

TEST_CASE("cairn-audit verify names the record whose bytes were altered on disk", "[tools][audit][tamper]") {
  testing::TempDir tmp;
  const std::string dir = tmp.sub("d");
  REQUIRE(testing::Run({testing::ToolPath("cairn"), "init", "--data-dir", dir}, kNoPassphrase).exit_code == 0);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(Cairn(dir, {"create-secret", "--name", "s" + std::to_string(i), "--secret-string", "v"}).exit_code == 0);
  }
  {
    auto store = ledger::OpenRocksStore(dir + "/ledger", ledger::OpenMode::kReadWrite);
    REQUIRE(store.ok());
    auto bytes = (*store)->Get(ledger::Family::kLog, ledger::SeqKey(2));
    REQUIRE(bytes.ok());
    REQUIRE(bytes->has_value());
    std::string altered = **bytes;
    altered[altered.size() - 10] ^= 0x01;
    ledger::WriteSet w;
    w.Put(ledger::Family::kLog, ledger::SeqKey(2), altered);
    REQUIRE((*store)->Write(w, true).ok());
  }
  testing::RunResult r = Audit({"verify", "--data-dir", dir, "--json"});
  CHECK(r.exit_code == 1);
  json report = json::parse(r.out);
  CHECK(report["ok"] == false);
  CHECK(report["first_bad_seq"] == 2);
  CHECK_FALSE(report["problem"].get<std::string>().empty());
}

}  // namespace
}  // namespace cairn
