#include <catch2/catch.hpp>

#include <regex>

#include "tests/daemon/daemon_fixture.h"
#include "tests/testing/cli_ledger.h"

namespace cairn::testing {
namespace {

// What legitimately differs between two ledgers: the account id chosen at
// init, the random ARN suffix, and the clock.
std::string Normalize(std::string text) {
  text = std::regex_replace(text, std::regex(R"(:\d{12}:)"), ":ACCOUNT:");
  text = std::regex_replace(text, std::regex(R"((secret:[^"]*)-[A-Za-z0-9]{6}\")"), "$1-XXXXXX\"");
  text = std::regex_replace(text, std::regex(R"(("[A-Za-z]*Date": )[0-9.]+)"), "$1DATE");
  return text;
}

TEST_CASE("every subcommand prints the same remotely as embedded, errors and exit codes included",
          "[daemon]") {
  RunningDaemon remote;
  CliLedger embedded;
  const std::string token1 = "11111111-1111-4111-8111-111111111111";
  const std::string token2 = "22222222-2222-4222-8222-222222222222";
  const std::vector<std::vector<std::string>> calls = {
      {"create-secret", "--name", "app/db", "--secret-string", "first", "--client-request-token", token1,
       "--description", "the app's database", "--tags", "Key=team,Value=core"},
      {"get-secret-value", "--secret-id", "app/db"},
      {"put-secret-value", "--secret-id", "app/db", "--secret-string", "second", "--client-request-token", token2},
      {"get-secret-value", "--secret-id", "app/db", "--version-stage", "AWSPREVIOUS"},
      {"update-secret-version-stage", "--secret-id", "app/db", "--version-stage", "AWSCURRENT",
       "--move-to-version-id", token1, "--remove-from-version-id", token2},
      {"list-secret-version-ids", "--secret-id", "app/db"},
      {"describe-secret", "--secret-id", "app/db"},
      {"tag-resource", "--secret-id", "app/db", "--tags", "Key=env,Value=dev"},
      {"untag-resource", "--secret-id", "app/db", "--tag-keys", "team"},
      {"update-secret", "--secret-id", "app/db", "--description", "renamed"},
      {"list-secrets"},
      {"batch-get-secret-value", "--secret-id-list", "app/db", "missing"},
      {"get-secret-value", "--secret-id", "missing"},
      {"create-secret", "--name", "app/db", "--secret-string", "again"},
      {"put-secret-value", "--secret-id", "app/db"},
      {"delete-secret", "--secret-id", "app/db", "--recovery-window-in-days", "7"},
      {"restore-secret", "--secret-id", "app/db"},
  };
  for (const auto& call : calls) {
    RunResult a = remote.Cairn(call);
    RunResult b = embedded.Cairn(call);
    INFO(call[0] << "\nremote: " << a.out << a.err << "\nembedded: " << b.out << b.err);
    CHECK(a.exit_code == b.exit_code);
    CHECK(Normalize(a.out) == Normalize(b.out));
    CHECK(Normalize(a.err) == Normalize(b.err));
  }
  RunResult password = remote.Cairn({"get-random-password", "--password-length", "40"});
  REQUIRE(password.exit_code == 0);
  CHECK(nlohmann::json::parse(password.out)["RandomPassword"].get<std::string>().size() == 40);
}

TEST_CASE("the remote CLI names the problem when cairnd is not there or the profile is wrong", "[daemon]") {
  TempDir tmp;
  std::string profile_path;
  {
    RunningDaemon daemon;
    profile_path = tmp.sub("p");
    std::filesystem::copy_file(daemon.daemon.profile(), profile_path);
  }  // cairnd is gone
  RunResult r = Run({ToolPath("cairn"), "--profile", profile_path, "--cli-read-timeout", "1", "list-secrets"});
  CHECK(r.exit_code == 255);
  CHECK(r.err.find("no reply from cairnd at tcp://127.0.0.1:") != std::string::npos);

  // Without the flag the CLI waits as long as the aws CLI does (60 s): a
  // durable reply can lag behind a slow fsync, and 10 s was not enough.
  RunResult help = Run({ToolPath("cairn"), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("reply (default 60, as in the aws CLI)") != std::string::npos);

  RunResult both = Run({ToolPath("cairn"), "--profile", profile_path, "--data-dir", tmp.sub("x"), "list-secrets"});
  CHECK(both.exit_code == 252);
  CHECK(both.err.find("not both") != std::string::npos);

  std::ofstream(tmp.sub("open"), std::ios::binary) << "{}";
  std::filesystem::permissions(tmp.sub("open"), std::filesystem::perms::owner_read | std::filesystem::perms::group_read);
  RunResult open = Run({ToolPath("cairn"), "--profile", tmp.sub("open"), "list-secrets"});
  CHECK(open.exit_code == 255);
  CHECK(open.err.find("chmod 600") != std::string::npos);
}

}  // namespace
}  // namespace cairn::testing
