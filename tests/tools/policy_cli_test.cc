// The access-control subcommands' flags, as a user types them: what the CLI
// refuses before it calls the service (exit 252, a message naming the flag,
// nothing recorded), and what their --help promises. The calls themselves are
// the service's (service/access.h) and are tested end to end with it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/cli_ledger.h"

namespace cairn {
namespace {

using nlohmann::json;
using testing::CliLedger;
using testing::RunResult;

constexpr int kExitUsage = 252;

// The number of records in the ledger: 1 while only genesis is there.
int Records(const CliLedger& l) {
  RunResult r = l.Audit({"verify", "--json"});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out)["records"].get<int>();
}

// Runs `args`, expects a usage error whose message contains `needle`, and
// that nothing was recorded.
void ExpectUsageError(const CliLedger& l, const std::vector<std::string>& args, const std::string& needle) {
  RunResult r = l.Cairn(args);
  INFO(args[0] << " " << (args.size() > 1 ? args[1] : "") << "\nstderr: " << r.err);
  CHECK(r.exit_code == kExitUsage);
  CHECK(r.out.empty());
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(Records(l) == 1);
}

TEST_CASE("a file:// that does not exist is refused before any call, naming the flag and the path",
          "[tools][cli][access]") {
  CliLedger l;
  const std::string missing = l.tmp.sub("no-such.json");

  SECTION("put-resource-policy --resource-policy") {
    ExpectUsageError(l, {"put-resource-policy", "--secret-id", "prod/db", "--resource-policy", "file://" + missing},
                     "Error parsing parameter '--resource-policy': cannot read file " + missing);
  }
  SECTION("validate-resource-policy --resource-policy") {
    ExpectUsageError(l, {"validate-resource-policy", "--resource-policy", "file://" + missing},
                     "Error parsing parameter '--resource-policy': cannot read file " + missing);
  }
  SECTION("policy create --document") {
    ExpectUsageError(l, {"policy", "create", "--name", "dev-read", "--document", "file://" + missing},
                     "Error parsing parameter '--document': cannot read file " + missing);
  }
  SECTION("principal rotate-key --key-file") {
    ExpectUsageError(l, {"principal", "rotate-key", "--name", "app", "--key-file", missing}, missing);
  }
}

TEST_CASE("a usage error in Cairn's own groups opens no ledger", "[tools][cli][access]") {
  testing::TempDir tmp;
  RunResult r = testing::Run({testing::ToolPath("cairn"), "--data-dir", tmp.sub("not-a-ledger"), "policy",
                              "simulate", "--principal", "app", "--action", "secretsmanager:GetSecretValue",
                              "--context", "no-equals-sign"},
                             testing::kNoPassphraseEnv);
  CHECK(r.exit_code == kExitUsage);
  CHECK(r.err.find("Error parsing parameter '--context'") != std::string::npos);
  CHECK(r.err.find("is not a Cairn data directory") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp.sub("not-a-ledger")));
}

TEST_CASE("policy simulate refuses a --context that is not key=value", "[tools][cli][access]") {
  CliLedger l;
  const std::vector<std::string> simulate = {"policy", "simulate", "--principal", "app", "--action",
                                             "secretsmanager:GetSecretValue", "--secret-id", "prod/db"};
  SECTION("no '='") {
    auto args = simulate;
    args.insert(args.end(), {"--context", "aws:SourceIp=10.0.0.7", "--context", "aws:SourceIp"});
    ExpectUsageError(l, args, "Error parsing parameter '--context': 'aws:SourceIp' is not key=value");
  }
  SECTION("an empty key") {
    auto args = simulate;
    args.insert(args.end(), {"--context", "=dev"});
    ExpectUsageError(l, args, "Error parsing parameter '--context': '=dev' is not key=value");
  }
}

TEST_CASE("each access-control subcommand names the flags it cannot do without", "[tools][cli][access]") {
  CliLedger l;
  SECTION("put-resource-policy --secret-id") {
    ExpectUsageError(l, {"put-resource-policy", "--resource-policy", "{}"}, "--secret-id is required");
  }
  SECTION("put-resource-policy --resource-policy") {
    ExpectUsageError(l, {"put-resource-policy", "--secret-id", "prod/db"}, "--resource-policy is required");
  }
  SECTION("get-resource-policy --secret-id") {
    ExpectUsageError(l, {"get-resource-policy"}, "--secret-id is required");
  }
  SECTION("delete-resource-policy --secret-id") {
    ExpectUsageError(l, {"delete-resource-policy"}, "--secret-id is required");
  }
  SECTION("validate-resource-policy --resource-policy (its --secret-id is optional)") {
    ExpectUsageError(l, {"validate-resource-policy", "--secret-id", "prod/db"}, "--resource-policy is required");
  }
  SECTION("principal attach-policy --policy") {
    ExpectUsageError(l, {"principal", "attach-policy", "--name", "app"}, "--policy is required");
  }
  SECTION("principal detach-policy --name") {
    ExpectUsageError(l, {"principal", "detach-policy", "--policy", "dev-read"}, "--name is required");
  }
  SECTION("principal enable, disable, update, delete, rotate-key --name") {
    for (const char* sub : {"enable", "disable", "update", "delete", "rotate-key"}) {
      ExpectUsageError(l, {"principal", sub}, "--name is required");
    }
  }
  SECTION("policy create --document") {
    ExpectUsageError(l, {"policy", "create", "--name", "dev-read"}, "--document is required");
  }
  SECTION("policy get and delete --name") {
    ExpectUsageError(l, {"policy", "get"}, "--name is required");
    ExpectUsageError(l, {"policy", "delete"}, "--name is required");
  }
  SECTION("policy simulate --principal and --action") {
    ExpectUsageError(l, {"policy", "simulate", "--action", "secretsmanager:GetSecretValue"},
                     "--principal is required");
    ExpectUsageError(l, {"policy", "simulate", "--principal", "app"}, "--action is required");
  }
}

TEST_CASE("a switch and its opposite together are refused", "[tools][cli][access]") {
  CliLedger l;
  SECTION("--block-public-policy with --no-block-public-policy") {
    ExpectUsageError(l,
                     {"put-resource-policy", "--secret-id", "prod/db", "--resource-policy", "{}",
                      "--block-public-policy", "--no-block-public-policy"},
                     "excludes");
  }
  SECTION("--admin with --no-admin") {
    ExpectUsageError(l, {"principal", "update", "--name", "app", "--admin", "--no-admin"}, "excludes");
  }
  SECTION("--enable with --disable") {
    ExpectUsageError(l, {"principal", "update", "--name", "app", "--enable", "--disable"}, "excludes");
  }
}

TEST_CASE("rotate-key takes exactly one source for the new key", "[tools][cli][access]") {
  CliLedger l;
  const std::string needle = "rotate-key needs exactly one of --key-file, --public-key, --profile-out";
  SECTION("none") { ExpectUsageError(l, {"principal", "rotate-key", "--name", "app"}, needle); }
  SECTION("two") {
    ExpectUsageError(l,
                     {"principal", "rotate-key", "--name", "app", "--public-key", std::string(40, 'a'),
                      "--profile-out", l.tmp.sub("app.profile")},
                     needle);
    CHECK_FALSE(std::filesystem::exists(l.tmp.sub("app.profile")));
  }
}

TEST_CASE("rotate-key --profile-out needs remote mode and never overwrites a file",
          "[tools][cli][access]") {
  CliLedger l;
  const std::string out = l.tmp.sub("app.profile");
  SECTION("embedded mode writes no profile") {
    ExpectUsageError(l, {"principal", "rotate-key", "--name", "app", "--profile-out", out},
                     "--profile-out needs remote mode (--profile)");
    CHECK_FALSE(std::filesystem::exists(out));
  }
  SECTION("an existing file is left as it was") {
    l.Save("app.profile", "keep me");
    ExpectUsageError(l, {"principal", "rotate-key", "--name", "app", "--profile-out", out},
                     "--profile-out " + out + " exists");
    std::ifstream in(out);
    std::string text;
    std::getline(in, text);
    CHECK(text == "keep me");
  }
}

TEST_CASE("every access-control subcommand's help says what it needs and who has it",
          "[tools][cli][access][help]") {
  CliLedger l;
  const std::vector<std::pair<std::vector<std::string>, std::string>> helps = {
      {{"principal", "create"}, "cairn:CreatePrincipal"},
      {{"principal", "list"}, "cairn:ListPrincipals"},
      {{"principal", "update"}, "cairn:UpdatePrincipal"},
      {{"principal", "enable"}, "cairn:UpdatePrincipal"},
      {{"principal", "disable"}, "cairn:UpdatePrincipal"},
      {{"principal", "rotate-key"}, "cairn:RotatePrincipalKey"},
      {{"principal", "delete"}, "cairn:DeletePrincipal"},
      {{"principal", "attach-policy"}, "cairn:AttachPrincipalPolicy"},
      {{"principal", "detach-policy"}, "cairn:DetachPrincipalPolicy"},
      {{"policy", "create"}, "cairn:CreatePolicy"},
      {{"policy", "get"}, "cairn:GetPolicy"},
      {{"policy", "list"}, "cairn:ListPolicies"},
      {{"policy", "delete"}, "cairn:DeletePolicy"},
      {{"policy", "simulate"}, "cairn:SimulatePrincipalPolicy"},
  };
  for (const auto& [args, action] : helps) {
    auto argv = args;
    argv.push_back("--help");
    RunResult r = l.Cairn(argv);
    INFO(args[0] << " " << args[1] << "\n" << r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Needs " + action) != std::string::npos);
    CHECK(r.out.find("administrators have") != std::string::npos);
  }
  RunResult simulate = l.Cairn({"policy", "simulate", "--help"});
  CHECK(simulate.out.find("Exits 0 whatever the decision") != std::string::npos);
  RunResult put = l.Cairn({"put-resource-policy", "--help"});
  CHECK(put.out.find("--block-public-policy") != std::string::npos);
  CHECK(put.out.find("--no-block-public-policy") != std::string::npos);
  CHECK(put.out.find("file://") != std::string::npos);
}

}  // namespace
}  // namespace cairn
