// Rotation end to end: a real cairnd (--dev), a real cairn-rotate-postgres
// process serving the handler "postgres", a real PostgreSQL server; the test
// calls RotateSecret / CancelRotateSecret as a client and checks who can log in.
// One run has the handler hold only the rights it needs (kRotatorPolicy).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/daemon/daemon_fixture.h"
#include "tests/testing/tool_process.h"
#include "tests/postgres/pg_server.h"

namespace cairn::testing {
namespace {

using service::Json;

constexpr char kApp[] = "prod/pg/app";
constexpr char kMaster[] = "prod/pg/master";
constexpr char kOldPassword[] = "old-Pw-3f9a0c2b7d15";

// All cairn-rotate-postgres calls, on the secrets it rotates (and their
// master secret) only: the rotation bookkeeping, GetSecretValue of
// AWSCURRENT/AWSPENDING/AWSPREVIOUS and the master, GetRandomPassword
// (resource "*") and PutSecretValue of the AWSPENDING version. Without
// cairn:SubscribeEvents and cairn:ReadAuditLog it hears requests by polling.
constexpr char kRotatorPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Requests", "Effect": "Allow",
     "Action": ["cairn:ListRotations", "secretsmanager:GetRandomPassword"],
     "Resource": "*"},
    {"Sid": "Steps", "Effect": "Allow",
     "Action": ["cairn:ReportRotationStep", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
     "Resource": "arn:aws:secretsmanager:*:*:secret:prod/pg/*"}
  ]
})";

std::string Field(const std::string& json, const std::string& name) {
  return nlohmann::json::parse(json).at(name).get<std::string>();
}

struct E2E {
  PgServer pg;
  RunningDaemon d{{"--rotation-step-timeout", "5000", "--rotation-backoff-ms", "200", "--rotation-max-attempts", "3"}};
  std::unique_ptr<tools::Remote> remote = d.Connect();
  HandlerProcess handler;

  explicit E2E(std::vector<std::string> handler_args = {})
      : handler(d.tmp.sub("handler.log"), WithProfile(d.daemon.profile(), std::move(handler_args))) {
    INFO(pg.error());
    REQUIRE(pg.Start());
    REQUIRE(pg.ExecAsMaster(std::string("CREATE ROLE app WITH LOGIN PASSWORD '") + kOldPassword + "'") == "");
  }

  static std::vector<std::string> WithProfile(const std::string& profile, std::vector<std::string> args) {
    args.insert(args.begin(), {"--profile", profile, "--log-level", "debug"});
    return args;
  }

  service::Response Call(const std::string& operation, Json params) {
    auto response = remote->Execute(MakeRequest(operation, std::move(params)));
    REQUIRE(response.ok());
    return std::move(response).value();
  }
  Json Ok(const std::string& operation, Json params) {
    service::Response response = Call(operation, std::move(params));
    INFO(operation << ": " << (response.error ? response.error->code + ": " + response.error->message : ""));
    REQUIRE(response.ok());
    return response.body;
  }
  void CreateSecret(const std::string& name, const std::string& value) {
    auto response = remote->Execute(WithString(MakeRequest("CreateSecret", {{"Name", name}}), value));
    REQUIRE(response.ok());
    REQUIRE(response->ok());
  }
  std::string Value(const std::string& id, const std::string& stage, const std::string& version_id = "") {
    Json params = {{"SecretId", id}, {"VersionStage", stage}};
    if (!version_id.empty()) params["VersionId"] = version_id;
    service::Response response = Call("GetSecretValue", params);
    if (!response.ok() || response.values.empty()) return "";
    return std::string(response.values[0].value.bytes.as_string_view());
  }
  std::string Rotate() {
    Json body = Ok("RotateSecret", {{"SecretId", kApp},
                                    {"RotationLambdaARN", "postgres"},
                                    {"RotationRules", {{"AutomaticallyAfterDays", 30}}}});
    return body["VersionId"].get<std::string>();
  }
  // GetRotationStatus until `done` holds (or 60 s pass); the last status.
  Json WaitStatus(const std::function<bool(const Json&)>& done) {
    Json status;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      status = Ok("GetRotationStatus", {{"SecretId", kApp}});
      if (done(status)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  }
  Json WaitRotated() {
    return WaitStatus([](const Json& s) { return !s.contains("Rotation") && s.contains("LastRotatedDate"); });
  }
  // A Service principal with `policy` as its only policy; its profile's path.
  std::string CreatePrincipal(const std::string& name, const std::string& policy) {
    const std::string document = d.tmp.sub(name + ".json");
    const std::string profile = d.tmp.sub(name + ".profile");
    std::ofstream(document) << policy;
    d.Call({"principal", "create", "--name", name, "--type", "Service", "--profile-out", profile});
    d.Call({"policy", "create", "--name", name, "--document", "file://" + document});
    d.Call({"principal", "attach-policy", "--name", name, "--policy", name});
    return profile;
  }
  std::string Diagnostics(const Json& status) {
    return status.dump() + "\nhandler log:\n" + handler.log() + "\ncairnd log:\n" + d.daemon.log();
  }
};

bool Rotated(const Json& status) { return !status.contains("Rotation") && status.contains("LastRotatedDate"); }

}  // namespace

TEST_CASE("end to end single-user rotation: the rotated password works and the old one no longer does",
          "[postgres][e2e]") {
  E2E f;
  f.CreateSecret(kApp, f.pg.SecretJson("app", kOldPassword));
  f.handler.Start();
  f.Rotate();
  const Json status = f.WaitRotated();
  INFO(f.Diagnostics(status));
  REQUIRE(Rotated(status));
  const std::string current = f.Value(kApp, "AWSCURRENT");
  REQUIRE(Field(current, "username") == "app");
  CHECK(f.pg.CanLogIn("app", Field(current, "password")));
  CHECK_FALSE(f.pg.CanLogIn("app", kOldPassword));
  CHECK(Field(f.Value(kApp, "AWSPREVIOUS"), "password") == kOldPassword);
  CHECK(f.handler.Terminate() == 0);  // SIGTERM: a clean stop
}

TEST_CASE("end to end alternating rotation with the handler SIGKILLed mid-rotation: it completes and "
          "applications never see a failing credential",
          "[postgres][e2e]") {
  E2E f({"--master-secret", kMaster});
  f.CreateSecret(kMaster, f.pg.SecretJson(PgServer::kMasterUser, PgServer::kMasterPassword,
                                          R"(,"rotation_strategy":"single")"));
  f.CreateSecret(kApp, f.pg.SecretJson("app", kOldPassword));

  // An application: reads AWSCURRENT and logs in with it, over and over.
  std::atomic<bool> stop{false};
  std::atomic<int> logins{0};
  std::atomic<int> failures{0};
  std::thread app([&] {
    auto remote = f.d.Connect();
    while (!stop) {
      auto got = remote->Execute(MakeRequest("GetSecretValue", {{"SecretId", kApp}}));
      if (!got.ok() || !got->ok() || got->values.empty()) {
        ++failures;
        continue;
      }
      const std::string value(got->values[0].value.bytes.as_string_view());
      (f.pg.CanLogIn(Field(value, "username"), Field(value, "password")) ? logins : failures)++;
    }
  });

  // Hold the clone's name in an open transaction: the handler's CREATE ROLE
  // waits on it, so it is killed in the middle of setSecret, deterministically.
  PGconn* blocker = f.pg.Connect(PgServer::kMasterUser, PgServer::kMasterPassword);
  REQUIRE(PQstatus(blocker) == CONNECTION_OK);
  PQclear(PQexec(blocker, "BEGIN"));
  PQclear(PQexec(blocker, "CREATE ROLE app_clone"));

  f.handler.Start();
  const std::string token = f.Rotate();
  std::string waiting;
  for (int i = 0; i < 600 && waiting != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    waiting = f.pg.QueryAsMaster(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cairn-rotate-postgres' "
        "AND wait_event_type = 'Lock'");
  }
  INFO(f.handler.log());
  REQUIRE(waiting == "1");
  const Json during = f.Ok("GetRotationStatus", {{"SecretId", kApp}});
  CHECK(during["Rotation"]["Step"] == "setSecret");
  f.handler.Kill();
  PQclear(PQexec(blocker, "ROLLBACK"));
  PQfinish(blocker);

  f.handler.Start();  // picks up the step it never reported
  const Json status = f.WaitRotated();
  stop = true;
  app.join();
  INFO(f.Diagnostics(status));
  REQUIRE(Rotated(status));
  CHECK(failures == 0);
  CHECK(logins > 0);

  const std::string current = f.Value(kApp, "AWSCURRENT");
  REQUIRE(Field(current, "username") == "app_clone");
  CHECK(f.pg.CanLogIn("app_clone", Field(current, "password")));
  CHECK(f.pg.CanLogIn("app", kOldPassword));  // both users keep working
  CHECK(f.pg.QueryAsMaster("SELECT pg_has_role('app_clone', 'app', 'MEMBER')") == "t");
}

TEST_CASE("end to end PostgreSQL stopped during setSecret: the rotation fails visibly, AWSCURRENT still works "
          "and the next attempt succeeds",
          "[postgres][e2e]") {
  E2E f;
  f.CreateSecret(kApp, f.pg.SecretJson("app", kOldPassword));
  f.handler.Start();
  REQUIRE(f.pg.Stop());
  const std::string token = f.Rotate();
  const Json failed = f.WaitStatus(
      [](const Json& s) { return s.contains("Rotation") && s["Rotation"]["State"] == "Failed"; });
  INFO(f.Diagnostics(failed));
  REQUIRE(failed["Rotation"]["State"] == "Failed");
  CHECK(failed["Rotation"]["Step"] == "setSecret");
  const std::string last_error = failed["Rotation"].value("LastError", "");
  CHECK(last_error.find("could not connect to 127.0.0.1:" + std::to_string(f.pg.port()) + " as app") !=
        std::string::npos);
  const std::string pending = f.Value(kApp, "AWSPENDING", token);
  REQUIRE(!pending.empty());
  CHECK(last_error.find(Field(pending, "password")) == std::string::npos);
  CHECK(last_error.find(kOldPassword) == std::string::npos);

  REQUIRE(f.pg.Start());
  CHECK(f.Value(kApp, "AWSCURRENT") == f.pg.SecretJson("app", kOldPassword));
  CHECK(f.pg.CanLogIn("app", kOldPassword));

  const std::string resumed = f.Rotate();
  CHECK(resumed == token);  // the failed run resumes with its token
  const Json status = f.WaitRotated();
  INFO(f.Diagnostics(status));
  REQUIRE(Rotated(status));
  CHECK(f.pg.CanLogIn("app", Field(f.Value(kApp, "AWSCURRENT"), "password")));
  CHECK_FALSE(f.pg.CanLogIn("app", kOldPassword));
}

TEST_CASE("end to end CancelRotateSecret leaves AWSCURRENT intact and AWSPENDING cleared", "[postgres][e2e]") {
  E2E f;
  const std::string original = f.pg.SecretJson("app", kOldPassword);
  f.CreateSecret(kApp, original);
  const std::string token = f.Rotate();  // no handler yet: the run waits at createSecret
  const Json cancelled = f.Ok("CancelRotateSecret", {{"SecretId", kApp}});
  CHECK(cancelled["VersionId"] == token);
  f.handler.Start();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a handler that starts now finds nothing to do

  const Json described = f.Ok("DescribeSecret", {{"SecretId", kApp}});
  INFO(described.dump());
  CHECK_FALSE(described.value("RotationEnabled", false));
  for (const auto& [version, stages] : described["VersionIdsToStages"].items()) {
    for (const auto& stage : stages) CHECK(stage != "AWSPENDING");
  }
  CHECK(f.Value(kApp, "AWSCURRENT") == original);
  CHECK(f.pg.CanLogIn("app", kOldPassword));
  const Json status = f.Ok("GetRotationStatus", {{"SecretId", kApp}});
  CHECK_FALSE(status.contains("Rotation"));
}

TEST_CASE("end to end least privilege: a rotator allowed only its calls on prod/pg/* rotates, and may not "
          "read a secret outside them",
          "[postgres][e2e]") {
  E2E f;  // its handler (the administrator's profile) is not started
  f.CreateSecret(kMaster, f.pg.SecretJson(PgServer::kMasterUser, PgServer::kMasterPassword,
                                          R"(,"rotation_strategy":"single")"));
  f.CreateSecret(kApp, f.pg.SecretJson("app", kOldPassword));
  f.CreateSecret("prod/web/api-key", "not-for-the-rotator");
  const std::string profile = f.CreatePrincipal("rotator", kRotatorPolicy);
  HandlerProcess rotator(f.d.tmp.sub("rotator.log"),
                         {"--profile", profile, "--log-level", "debug", "--master-secret", kMaster});
  rotator.Start();

  const std::string token = f.Rotate();
  const Json status = f.WaitRotated();
  INFO(status.dump() << "\nrotator log:\n" << rotator.log() << "\ncairnd log:\n" << f.d.daemon.log());
  REQUIRE(Rotated(status));
  const std::string current = f.Value(kApp, "AWSCURRENT");
  REQUIRE(Field(current, "username") == "app_clone");  // alternating: it read the master secret
  CHECK(f.pg.CanLogIn("app_clone", Field(current, "password")));
  CHECK(f.Value(kApp, "AWSCURRENT", token) == current);

  auto as_rotator = f.d.Connect(10000, profile);
  auto outside = as_rotator->Execute(MakeRequest("GetSecretValue", {{"SecretId", "prod/web/api-key"}}));
  REQUIRE(outside.ok());
  REQUIRE_FALSE(outside->ok());
  CHECK(outside->error->code == service::kAccessDenied);
  CHECK(outside->values.empty());
  CHECK(rotator.Terminate() == 0);

  // The rotation used every right granted and was refused nothing but the
  // events' gap reads, which it does without (and the read just refused).
  std::map<std::string, int> allowed;
  std::multiset<std::string> denied;
  for (const nlohmann::json& e : f.d.Export()) {
    if (e["userIdentity"].value("userName", "") != "rotator") continue;
    if (e.contains("errorCode") && e["errorCode"] == service::kAccessDenied) {
      denied.insert(e.value("eventName", ""));
    } else {
      ++allowed[e.value("eventName", "")];
    }
  }
  std::set<std::string> used;
  for (const auto& [name, count] : allowed) used.insert(name);
  CHECK(used == std::set<std::string>{"GetRandomPassword", "GetSecretValue", "ListRotations", "PutSecretValue",
                                      "ReportRotationStep"});
  CHECK(allowed["ReportRotationStep"] == 4);  // each step succeeded on its first attempt
  CHECK(denied == std::multiset<std::string>{"GetSecretValue", "ReadRecords"});
}

}  // namespace cairn::testing
