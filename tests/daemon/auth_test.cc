#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

size_t CountEvents(const std::vector<nlohmann::json>& events, const std::string& type) {
  size_t n = 0;
  for (const auto& e : events) n += e["cairnEventType"] == type ? 1 : 0;
  return n;
}

TEST_CASE("an unenrolled key is refused within a second, and refusals are counted in one event", "[daemon]") {
  RunningDaemon d({"--refusal-report-ms", "200"});
  // A stranger: a real key pair, the right server key, no enrolment.
  RunResult made = d.Cairn({"identity", "new", "--out", d.tmp.sub("stranger.key")});
  REQUIRE(made.exit_code == 0);
  auto admin = tools::ReadProfile(d.daemon.profile());
  auto key = tools::ReadKeyPairFile(d.tmp.sub("stranger.key"));
  REQUIRE(admin.ok());
  REQUIRE(key.ok());
  tools::Profile stranger;
  stranger.principal = "stranger";
  stranger.api_endpoint = admin->api_endpoint;
  stranger.events_endpoint = admin->events_endpoint;
  stranger.server_public_key = admin->server_public_key;
  stranger.key = std::move(*key);
  REQUIRE(tools::WriteProfile(d.tmp.sub("stranger.profile"), stranger).ok());

  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    RunResult refused = d.Cairn({"list-secrets"}, d.tmp.sub("stranger.profile"));
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(refused.exit_code == 255);
    CHECK(refused.err.find("refused this client's key") != std::string::npos);
    CHECK(took < std::chrono::milliseconds(1500));
  }
  std::vector<nlohmann::json> events;
  for (int wait = 0; wait < 50 && CountEvents(events, "UnauthenticatedAttempts") == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    events = d.Export();
  }
  CHECK(CountEvents(events, "UnauthenticatedAttempts") >= 1);
  CHECK(CountEvents(events, "UnauthenticatedAttempts") <= 3);  // counted, never one event per attempt
  CHECK(CountEvents(events, "SecretsListed") == 0);
}

TEST_CASE("an enrolled principal works with its profile within its policies, and only admins manage principals",
          "[daemon]") {
  RunningDaemon d;
  const std::string app = d.tmp.sub("billing.profile");
  RunResult created = d.Cairn({"principal", "create", "--name", "billing-app", "--tag", "team=billing",
                               "--profile-out", app});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  CHECK(nlohmann::json::parse(created.out)["Name"] == "billing-app");
  CHECK((std::filesystem::status(app).permissions() & std::filesystem::perms::group_all) ==
        std::filesystem::perms::none);

  // Nothing is allowed until a policy says so.
  RunResult denied = d.Cairn({"create-secret", "--name", "billing/key", "--secret-string", "k"}, app);
  CHECK(denied.exit_code == 254);
  CHECK(denied.err.find("AccessDeniedException") != std::string::npos);
  const std::string policy = d.tmp.sub("billing.json");
  std::ofstream(policy) << R"({"Version":"2012-10-17","Statement":[{"Sid":"Billing","Effect":"Allow",
      "Action":["secretsmanager:CreateSecret","secretsmanager:GetSecretValue"],"Resource":"billing/*"}]})";
  d.Call({"policy", "create", "--name", "billing", "--document", "file://" + policy});
  d.Call({"principal", "attach-policy", "--name", "billing-app", "--policy", "billing"});
  RunResult put = d.Cairn({"create-secret", "--name", "billing/key", "--secret-string", "k"}, app);
  CHECK(put.exit_code == 0);
  RunResult got = d.Cairn({"get-secret-value", "--secret-id", "billing/key"}, app);
  CHECK(got.exit_code == 0);
  RunResult list = d.Cairn({"principal", "list"}, app);
  CHECK(list.exit_code == 254);
  CHECK(list.err.find("AccessDeniedException") != std::string::npos);

  RunResult listed = d.Cairn({"principal", "list"});
  REQUIRE(listed.exit_code == 0);
  CHECK(nlohmann::json::parse(listed.out)["Principals"].size() == 2);

  const std::vector<nlohmann::json> events = d.Export();
  const nlohmann::json& last = events.back();
  CHECK(last["eventName"] == "ListPrincipals");
  const nlohmann::json& refused = events[events.size() - 2];
  CHECK(refused["errorCode"] == "AccessDeniedException");
  CHECK(refused["userIdentity"]["principalId"] == "billing-app");

  RunResult duplicate = d.Cairn({"principal", "create", "--name", "billing-app"});
  CHECK(duplicate.exit_code == 254);
  CHECK(duplicate.err.find("ResourceExistsException") != std::string::npos);
}

}  // namespace
}  // namespace cairn::testing
