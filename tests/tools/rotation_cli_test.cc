// The rotation subcommands' flags: rotate-secret's usage errors come before
// any ledger is opened (exit 252, as the aws CLI), and in embedded mode
// rotate-secret fills its ClientRequestToken and `cairn rotation` shows the run.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "tests/testing/cli_ledger.h"

namespace cairn::testing {
namespace {

using nlohmann::json;

// `cairn --data-dir <nowhere> <args...>`: a usage error must not get as far as opening it.
RunResult CairnWithoutLedger(const TempDir& tmp, std::vector<std::string> args) {
  args.insert(args.begin(), {ToolPath("cairn"), "--data-dir", tmp.sub("none")});
  return Run(args, kNoPassphraseEnv);
}

TEST_CASE("rotate-secret takes a handler as --rotation-lambda-arn or --rotation-handler, not both", "[tools][rotation]") {
  TempDir tmp;
  RunResult both = CairnWithoutLedger(tmp, {"rotate-secret", "--secret-id", "app/db", "--rotation-handler", "pg",
                                            "--rotation-lambda-arn", "arn:aws:lambda:us-east-1:1:function:pg"});
  CHECK(both.exit_code == 252);
  CHECK(both.err.find("excludes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp.sub("none")));
}

TEST_CASE("rotate-secret refuses --rotate-immediately with --no-rotate-immediately", "[tools][rotation]") {
  TempDir tmp;
  RunResult both = CairnWithoutLedger(tmp, {"rotate-secret", "--secret-id", "app/db", "--rotate-immediately",
                                            "--no-rotate-immediately"});
  CHECK(both.exit_code == 252);
}

TEST_CASE("rotate-secret names --rotation-rules when its value does not parse", "[tools][rotation]") {
  TempDir tmp;
  SECTION("shorthand days that are not a number") {
    RunResult r = CairnWithoutLedger(tmp, {"rotate-secret", "--secret-id", "app/db", "--rotation-rules",
                                           "AutomaticallyAfterDays=thirty"});
    CHECK(r.exit_code == 252);
    CHECK(r.err.find("Error parsing parameter '--rotation-rules'") != std::string::npos);
  }
  SECTION("JSON that is not an object") {
    RunResult r = CairnWithoutLedger(tmp, {"rotate-secret", "--secret-id", "app/db", "--rotation-rules", "{oops"});
    CHECK(r.exit_code == 252);
    CHECK(r.err.find("invalid JSON") != std::string::npos);
  }
  SECTION("a file:// that cannot be read") {
    RunResult r = CairnWithoutLedger(tmp, {"rotate-secret", "--secret-id", "app/db", "--rotation-rules",
                                           "file://" + tmp.sub("missing.json")});
    CHECK(r.exit_code == 252);
    CHECK(r.err.find("missing.json") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(tmp.sub("none")));
}

TEST_CASE("embedded rotate-secret fills a ClientRequestToken and rotation status shows the run", "[tools][rotation]") {
  CliLedger ledger;
  ledger.Call({"create-secret", "--name", "app/db", "--secret-string", "first-value"});
  const std::string rules = ledger.Save("rules.json", R"j({"ScheduleExpression":"cron(0 16 1,15 * ? *)","Duration":"2h"})j");
  RunResult rotated = ledger.Cairn({"rotate-secret", "--secret-id", "app/db", "--rotation-handler", "pg",
                                    "--rotation-rules", "file://" + rules});
  INFO(rotated.err);
  REQUIRE(rotated.exit_code == 0);
  const std::string token = json::parse(rotated.out).value("VersionId", "");
  CHECK(token.size() == 36);

  RunResult status = ledger.Cairn({"rotation", "status", "--secret-id", "app/db"});
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  const json s = json::parse(status.out);
  CHECK(s["RotationEnabled"] == true);
  CHECK(s["RotationRules"]["ScheduleExpression"] == "cron(0 16 1,15 * ? *)");
  CHECK(s["Rotation"]["ClientRequestToken"] == token);
  CHECK(s["Rotation"]["Handler"] == "pg");
  CHECK(s["Rotation"]["State"] == "InProgress");
  CHECK(s["Rotation"]["Step"] == "createSecret");

  RunResult listed = ledger.Cairn({"rotation", "list", "--handler", "pg"});
  REQUIRE(listed.exit_code == 0);
  REQUIRE(json::parse(listed.out)["Rotations"].size() == 1);
  RunResult other = ledger.Cairn({"rotation", "list", "--handler", "someone-else"});
  REQUIRE(other.exit_code == 0);
  CHECK(json::parse(other.out)["Rotations"].empty());

  RunResult cancelled = ledger.Cairn({"cancel-rotate-secret", "--secret-id", "app/db"});
  INFO(cancelled.err);
  REQUIRE(cancelled.exit_code == 0);
  CHECK(json::parse(cancelled.out)["VersionId"] == token);
}

TEST_CASE("put-secret-expiry sets, shows and clears a secret's expiry", "[tools][expiry]") {
  CliLedger ledger;
  ledger.Call({"create-secret", "--name", "app/licence", "--secret-string", "licence-value"});
  RunResult set = ledger.Cairn({"put-secret-expiry", "--secret-id", "app/licence", "--expiration-date",
                                "2099-01-01T00:00:00Z", "--warning-days", "14"});
  INFO(set.err);
  REQUIRE(set.exit_code == 0);
  const json expiry = json::parse(set.out)["Expiry"];
  CHECK(expiry["ExpirationDate"] == 4070908800);
  CHECK(expiry["WarningDays"] == 14);

  RunResult described = ledger.Cairn({"describe-secret", "--secret-id", "app/licence"});
  REQUIRE(described.exit_code == 0);
  CHECK(json::parse(described.out)["Expiry"] == expiry);
  RunResult read = ledger.Cairn({"get-secret-value", "--secret-id", "app/licence"});
  CHECK(read.exit_code == 0);  // not expired yet

  RunResult past = ledger.Cairn({"put-secret-expiry", "--secret-id", "app/licence", "--expiration-date", "86400"});
  CHECK(past.exit_code != 0);
  CHECK(past.err.find("in the future") != std::string::npos);

  RunResult cleared = ledger.Cairn({"put-secret-expiry", "--secret-id", "app/licence", "--clear"});
  INFO(cleared.err);
  REQUIRE(cleared.exit_code == 0);
  RunResult after = ledger.Cairn({"describe-secret", "--secret-id", "app/licence"});
  CHECK_FALSE(json::parse(after.out).contains("Expiry"));
}

TEST_CASE("put-secret-expiry needs --secret-id", "[tools][expiry]") {
  TempDir tmp;
  RunResult r = CairnWithoutLedger(tmp, {"put-secret-expiry", "--expires-after-days", "30"});
  CHECK(r.exit_code == 252);
  CHECK_FALSE(std::filesystem::exists(tmp.sub("none")));
}

}  // namespace
}  // namespace cairn::testing
