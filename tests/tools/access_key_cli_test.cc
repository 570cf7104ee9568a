// `cairn principal create-access-key` and its siblings, as a user types them in
// embedded mode: the aws iam output shapes, the secret printed once and never
// again (not by list, not by cairn-audit, not in any file), and the errors.
// The operations themselves are the service's (tests/service/access_keys_test.cc).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/testing/temp_dir.h"
#include "tests/testing/cli_ledger.h"

namespace cairn {
namespace {

using nlohmann::json;
using testing::CliLedger;
using testing::RunResult;

constexpr char kAliceKey[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";

using testing::AnyFileHolds;

TEST_CASE("principal create-access-key prints the key as aws iam create-access-key does, once",
          "[tools][cli][access-keys]") {
  CliLedger l;
  l.Call({"principal", "create", "--name", "alice", "--public-key", kAliceKey});
  RunResult created = l.Cairn({"principal", "create-access-key", "--name", "alice"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  const json key = json::parse(created.out)["AccessKey"];
  CHECK(key["UserName"] == "alice");
  CHECK(key["Status"] == "Active");
  CHECK(key["CreateDate"].is_number());
  const std::string id = key["AccessKeyId"];
  const std::string secret = key["SecretAccessKey"];
  CHECK(id.starts_with("AKIA"));
  CHECK(secret.size() == 40);

  RunResult listed = l.Cairn({"principal", "list-access-keys"});
  REQUIRE(listed.exit_code == 0);
  const json list = json::parse(listed.out)["AccessKeyMetadata"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["AccessKeyId"] == id);
  CHECK(listed.out.find(secret) == std::string::npos);

  RunResult exported = l.Audit({"export"});
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find(id) != std::string::npos);
  CHECK(exported.out.find(secret) == std::string::npos);
  RunResult replayed = l.Audit({"replay"});
  REQUIRE(replayed.exit_code == 0);
  CHECK(json::parse(replayed.out)["principals"][0]["AccessKeys"][0]["AccessKeyId"] == id);
  CHECK(replayed.out.find(secret) == std::string::npos);
  CHECK(l.Audit({"rebuild"}).exit_code == 0);
  CHECK_FALSE(AnyFileHolds(l.dir, secret));

  l.Call({"principal", "update-access-key", "--access-key-id", id, "--status", "Inactive", "--name", "alice"});
  CHECK(json::parse(l.Cairn({"principal", "list-access-keys", "--name", "alice"}).out)["AccessKeyMetadata"][0]
                  ["Status"] == "Inactive");
  RunResult deleted = l.Cairn({"principal", "delete-access-key", "--access-key-id", id});
  CHECK(deleted.exit_code == 0);
  CHECK(deleted.out.empty());  // as aws iam delete-access-key: no output
  CHECK(json::parse(l.Cairn({"principal", "list-access-keys"}).out)["AccessKeyMetadata"].empty());
}

TEST_CASE("the access-key subcommands report the service's errors as the aws CLI does",
          "[tools][cli][access-keys]") {
  CliLedger l;
  l.Call({"principal", "create", "--name", "alice", "--public-key", kAliceKey});
  RunResult unknown = l.Cairn({"principal", "create-access-key", "--name", "carol"});
  CHECK(unknown.exit_code == 254);
  CHECK(unknown.err.find("An error occurred (ResourceNotFoundException) when calling the CreateAccessKey "
                         "operation") != std::string::npos);
  l.Call({"principal", "create-access-key", "--name", "alice"});
  l.Call({"principal", "create-access-key", "--name", "alice"});
  RunResult third = l.Cairn({"principal", "create-access-key", "--name", "alice"});
  CHECK(third.exit_code == 254);
  CHECK(third.err.find("(LimitExceededException)") != std::string::npos);
  RunResult status = l.Cairn({"principal", "update-access-key", "--access-key-id", "AKIAAAAAAAAAAAAAAAAA",
                              "--status", "Paused"});
  CHECK(status.exit_code == 254);
  CHECK(status.err.find("(ValidationException)") != std::string::npos);
  RunResult missing_flag = l.Cairn({"principal", "delete-access-key"});
  CHECK(missing_flag.exit_code == 252);
  CHECK(missing_flag.err.find("--access-key-id") != std::string::npos);
}

TEST_CASE("each access-key subcommand explains itself in --help", "[tools][cli][access-keys]") {
  CliLedger l;
  for (const std::string sub : {"create-access-key", "list-access-keys", "update-access-key", "delete-access-key"}) {
    RunResult help = l.Cairn({"principal", sub, "--help"});
    INFO(sub << "\n" << help.out << help.err);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("AccessKey") != std::string::npos);
  }
}

}  // namespace
}  // namespace cairn
