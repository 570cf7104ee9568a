// Access control end to end: a real cairnd, the real CLI, separate profiles.
// The README's walkthrough, decisions in the exported audit trail, key
// rotation and disabling taking effect on connections already open, the last
// administrator kept, and the events socket asking cairn:SubscribeEvents.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

using nlohmann::json;

constexpr char kDevRead[] = R"({
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ReadDevSecrets",
    "Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    "Resource": "*",
    "Condition": {"StringEquals": {"secretsmanager:ResourceTag/env": "dev"}}
  }]
})";

std::string WriteText(const RunningDaemon& d, const std::string& name, const std::string& text) {
  const std::string path = d.tmp.sub(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The last exported event of `type`.
json LastOf(const std::vector<json>& events, const std::string& type) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if ((*it)["cairnEventType"] == type) return *it;
  }
  FAIL("no " << type << " event");
  return json();
}

TEST_CASE("the README walkthrough: a role reads the secrets tagged env=dev and nothing else", "[daemon][access]") {
  RunningDaemon d;
  d.Call({"create-secret", "--name", "dev/db", "--secret-string", "dev-pw", "--tags", "Key=env,Value=dev"});
  d.Call({"create-secret", "--name", "prod/db", "--secret-string", "prod-pw", "--tags", "Key=env,Value=prod"});
  const std::string billing = d.tmp.sub("billing.profile");
  d.Call({"principal", "create", "--name", "billing-app", "--tag", "team=billing", "--tag", "env=dev",
          "--profile-out", billing});
  d.Call({"policy", "create", "--name", "dev-read", "--document", "file://" + WriteText(d, "dev-read.json", kDevRead)});
  d.Call({"principal", "attach-policy", "--name", "billing-app", "--policy", "dev-read"});

  RunResult dev = d.Cairn({"get-secret-value", "--secret-id", "dev/db"}, billing);
  INFO(dev.err);
  REQUIRE(dev.exit_code == 0);
  CHECK(json::parse(dev.out)["SecretString"] == "dev-pw");
  RunResult prod = d.Cairn({"get-secret-value", "--secret-id", "prod/db"}, billing);
  CHECK(prod.exit_code == 254);
  CHECK(prod.err.find("AccessDeniedException") != std::string::npos);
  CHECK(prod.out.find("prod-pw") == std::string::npos);
  RunResult missing = d.Cairn({"get-secret-value", "--secret-id", "prod/nope"}, billing);
  CHECK(missing.exit_code == 254);
  CHECK(missing.err.find("AccessDeniedException") != std::string::npos);  // existence not revealed

  std::vector<json> events = d.Export();
  json denied = LastOf(events, "AccessDenied");
  CHECK(denied["errorCode"] == "AccessDeniedException");
  CHECK(denied["userIdentity"]["principalId"] == "billing-app");
  CHECK(denied["cairnAuthorization"] == json{{"decision", "ImplicitDeny"}, {"policy", ""}, {"statement", ""}});
  json read = LastOf(events, "SecretValueRead");
  CHECK(read["cairnAuthorization"] ==
        json{{"decision", "Allow"}, {"policy", "dev-read"}, {"statement", "ReadDevSecrets"}});

  RunResult sim = d.Cairn({"policy", "simulate", "--principal", "billing-app", "--action",
                           "secretsmanager:GetSecretValue", "--secret-id", "prod/db"});
  REQUIRE(sim.exit_code == 0);
  CHECK(json::parse(sim.out)["EvaluationResults"][0]["EvalDecision"] == "implicitDeny");

  const std::string open = WriteText(d, "open.json", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  RunResult blocked = d.Cairn({"put-resource-policy", "--secret-id", "prod/db", "--resource-policy",
                               "file://" + open, "--block-public-policy"});
  CHECK(blocked.exit_code == 254);
  CHECK(blocked.err.find("PublicPolicyException") != std::string::npos);

  const std::string grant = WriteText(d, "p.json", R"({"Version":"2012-10-17","Statement":[{"Sid":"BillingReadsProd",
      "Effect":"Allow","Principal":{"AWS":")" + json::parse(d.Cairn({"principal", "list"}).out)["Principals"][1]["ARN"].get<std::string>() +
      R"("},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  d.Call({"put-resource-policy", "--secret-id", "prod/db", "--resource-policy", "file://" + grant,
          "--block-public-policy"});
  RunResult granted = d.Cairn({"get-secret-value", "--secret-id", "prod/db"}, billing);
  INFO(granted.err);
  REQUIRE(granted.exit_code == 0);
  CHECK(LastOf(d.Export(), "SecretValueRead")["cairnAuthorization"] ==
        json{{"decision", "Allow"}, {"policy", "resource-policy"}, {"statement", "BillingReadsProd"}});

  // `cairn audit tail` says why, line by line.
  RunResult tail = d.Cairn({"audit", "tail", "--from-seq", "0", "--count", std::to_string(events.size())});
  REQUIRE(tail.exit_code == 0);
  CHECK(tail.out.find("billing-app  GetSecretValue  ") != std::string::npos);
  CHECK(tail.out.find("ok  (allowed by dev-read/ReadDevSecrets)\n") != std::string::npos);
  CHECK(tail.out.find("AccessDeniedException  (no policy allows it)\n") != std::string::npos);
}

TEST_CASE("a rotated or disabled key stops at once, even on an open connection", "[daemon][access]") {
  RunningDaemon d;
  const std::string old_profile = d.tmp.sub("app.profile");
  d.Call({"principal", "create", "--name", "app", "--profile-out", old_profile});
  d.Call({"policy", "create", "--name", "list", "--document",
          R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "app", "--policy", "list"});

  auto open = d.Connect(RunningDaemon::kDeadlineMs, old_profile);
  auto before = open->Execute(MakeRequest("ListSecrets", service::Json::object()));
  REQUIRE(before.ok());
  REQUIRE(before->ok());

  const std::string new_profile = d.tmp.sub("app-2.profile");
  d.Call({"principal", "rotate-key", "--name", "app", "--profile-out", new_profile});
  auto after = open->Execute(MakeRequest("ListSecrets", service::Json::object()));
  REQUIRE(after.ok());
  REQUIRE(after->error.has_value());
  CHECK(after->error->code == "AccessDeniedException");
  RunResult old_cli = d.Cairn({"list-secrets"}, old_profile);
  CHECK(old_cli.exit_code == 255);
  CHECK(old_cli.err.find("refused this client's key") != std::string::npos);
  CHECK(d.Cairn({"list-secrets"}, new_profile).exit_code == 0);

  d.Call({"principal", "disable", "--name", "app"});
  RunResult disabled = d.Cairn({"list-secrets"}, new_profile);
  CHECK(disabled.exit_code == 255);  // refused at the handshake now
  RunResult last_admin = d.Cairn({"principal", "disable", "--name", "admin"});
  CHECK(last_admin.exit_code == 254);
  CHECK(last_admin.err.find("InvalidRequestException") != std::string::npos);
  CHECK(d.Cairn({"principal", "list"}).exit_code == 0);  // the administrator still works
}

TEST_CASE("subscribing to the events socket needs cairn:SubscribeEvents", "[daemon][access]") {
  RunningDaemon d({"--refusal-report-ms", "200"});
  const std::string app = d.tmp.sub("app.profile");
  d.Call({"principal", "create", "--name", "app", "--profile-out", app});
  d.Call({"policy", "create", "--name", "reader", "--document",
          R"({"Statement":{"Effect":"Allow","Action":"cairn:ReadAuditLog","Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "app", "--policy", "reader"});
  // The independent subscriber (tests/independent/follow_stream.py) reads the
  // log through the API (cairn:ReadAuditLog) and waits for a heartbeat on the
  // events socket naming the same head: refused there, none ever comes.
  const char* build = std::getenv("CAIRN_BUILD_DIR");
  const std::string generated = std::string(build ? build : ".") + "/generated/python";
  auto follow = [&] {
    return Run({"/usr/bin/python3", std::string(CAIRN_SOURCE_DIR) + "/tests/independent/follow_stream.py",
                "--profile", app, "--generated", generated, "--timeout", "4"});
  };
  RunResult refused = follow();
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("no heartbeat") != std::string::npos);
  bool counted = false;
  for (int wait = 0; wait < 50 && !counted; ++wait) {
    for (const json& e : d.Export()) counted |= e["cairnEventType"] == "UnauthenticatedAttempts";
    if (!counted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(counted);  // the refused handshake is counted like any other

  d.Call({"policy", "create", "--name", "subscriber", "--document",
          R"({"Statement":{"Effect":"Allow","Action":"cairn:SubscribeEvents","Resource":"*"}})"});
  d.Call({"principal", "attach-policy", "--name", "app", "--policy", "subscriber"});
  RunResult followed = follow();
  INFO(followed.err);
  CHECK(followed.exit_code == 0);
}

}  // namespace
}  // namespace cairn::testing
