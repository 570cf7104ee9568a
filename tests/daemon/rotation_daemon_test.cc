// Rotation end to end: a real cairnd orchestrating, a real cairn-rotate-exec
// running a shell script that does the four steps with the `cairn` CLI
// (fixtures/rotate_with_cli.sh), as a handler principal with only the rights
// it needs. A rotation completes; a failing step fails the rotation visibly
// with AWSCURRENT untouched; a handler SIGKILLed mid-step and restarted picks
// the step up again (the ListRotations poll) and the rotation completes.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

using nlohmann::json;

constexpr char kHandlerName[] = "exec-test";
const std::string kScript = std::string(CAIRN_SOURCE_DIR) + "/tests/daemon/fixtures/rotate_with_cli.sh";

// Exactly what the script's handler needs: the rotation bookkeeping, the
// events (requests at once), and the secretsmanager calls its steps make,
// on the app/ secrets only.
constexpr char kHandlerPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Requests", "Effect": "Allow",
     "Action": ["cairn:ListRotations", "cairn:SubscribeEvents", "cairn:ReadAuditLog",
                "secretsmanager:GetRandomPassword"],
     "Resource": "*"},
    {"Sid": "Steps", "Effect": "Allow",
     "Action": ["cairn:ReportRotationStep", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
     "Resource": "arn:aws:secretsmanager:*:*:secret:app/*"}
  ]
})";

// cairn-rotate-exec in the background, its log in a file, stopped as an
// operator would (SIGTERM) or killed.
class HandlerProcess {
 public:
  // poll_ms: how often it asks ListRotations (it also asks once at start).
  HandlerProcess(const RunningDaemon& d, std::string profile, std::string log_path, int poll_ms = 300)
      : d_(d), profile_(std::move(profile)), log_path_(std::move(log_path)), poll_ms_(poll_ms) {}
  ~HandlerProcess() { Signal(SIGKILL); }

  void Start() {
    std::vector<std::string> argv = {ToolPath("cairn-rotate-exec"), "--profile", profile_, "--handler-name",
                                     kHandlerName, "--poll-ms", std::to_string(poll_ms_), "--log-level", "debug", "--", kScript};
    std::vector<std::string> env = ChildEnvironment(
        {{"CAIRN_BIN", ToolPath("cairn")}, {"ROTATE_DIR", d_.tmp.path()}, {"CAIRN_PROFILE", ""},
         {"CAIRN_DATA_DIR", ""}, {"CAIRN_PASSPHRASE", ""}});
    std::vector<char*> args = CStrings(argv);
    std::vector<char*> envp = CStrings(env);
    const std::string log = log_path_;
    pid_ = fork();
    if (pid_ == 0) {  // async-signal-safe calls only
      const int devnull = open("/dev/null", O_RDWR);
      const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(devnull, 0);
      dup2(out, 1);
      dup2(out, 2);
      setsid();
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
  }
  // The exit code (128+signal if killed); -1 if not running.
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string log() const { return ReadFile(log_path_); }

 private:
  const RunningDaemon& d_;
  std::string profile_;
  std::string log_path_;
  int poll_ms_;
  pid_t pid_ = -1;
};

bool WaitFor(const std::function<bool()>& done, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

json Ok(const RunResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// The version holding `stage`, or "".
std::string VersionWith(const json& described, const std::string& stage) {
  for (const auto& [id, stages] : described["VersionIdsToStages"].items()) {
    for (const auto& s : stages) {
      if (s == stage) return id;
    }
  }
  return "";
}

// A daemon with short rotation timings, the secret app/db with a first
// version, and the handler principal with its policy and profile.
struct RotationSetup {
  RunningDaemon d;
  std::string old_version;
  std::string handler_profile = d.tmp.sub("rotator.profile");

  explicit RotationSetup(std::vector<std::string> daemon_flags)
      : d(std::move(daemon_flags)) {
    old_version = Ok(d.Cairn({"create-secret", "--name", "app/db", "--secret-string", "first-value"}))["VersionId"];
    const std::string policy = d.tmp.sub("rotator.json");
    std::ofstream(policy) << kHandlerPolicy;
    d.Call({"principal", "create", "--name", "rotator", "--type", "Service", "--profile-out", handler_profile});
    d.Call({"policy", "create", "--name", "rotator", "--document", "file://" + policy});
    d.Call({"principal", "attach-policy", "--name", "rotator", "--policy", "rotator"});
  }
  json Describe() const { return Ok(d.Cairn({"describe-secret", "--secret-id", "app/db"})); }
  json Status() const { return Ok(d.Cairn({"rotation", "status", "--secret-id", "app/db"})); }
  // Whether the current value is still the first one (never printed).
  bool StillFirstValue() const {
    const json value = Ok(d.Cairn({"get-secret-value", "--secret-id", "app/db"}));
    return value["SecretString"] == "first-value";
  }
  std::string StepLines(const std::string& step) const { return ReadFile(d.tmp.sub(step)); }
};

TEST_CASE("a handler running a shell script rotates a secret to a new AWSCURRENT version", "[daemon][rotation]") {
  RotationSetup s({"--rotation-step-timeout", "10000", "--rotation-backoff-ms", "200"});
  // Polling only at start: the requests must come over the events socket.
  HandlerProcess handler(s.d, s.handler_profile, s.d.tmp.sub("handler.log"), 600000);
  handler.Start();

  const json started = Ok(s.d.Cairn({"rotate-secret", "--secret-id", "app/db", "--rotation-handler", kHandlerName,
                                     "--rotation-rules", "AutomaticallyAfterDays=30"}));
  const std::string token = started.value("VersionId", "");
  REQUIRE(token.size() == 36);  // the CLI made a UUID for ClientRequestToken
  CHECK(token != s.old_version);

  const bool rotated = WaitFor([&] { return VersionWith(s.Describe(), "AWSCURRENT") == token; }, 60);
  INFO(handler.log());
  INFO(s.d.daemon.log());
  REQUIRE(rotated);
  const json described = s.Describe();
  CHECK(VersionWith(described, "AWSPREVIOUS") == s.old_version);
  CHECK(VersionWith(described, "AWSPENDING").empty());
  CHECK(described["RotationEnabled"] == true);
  CHECK(described.contains("LastRotatedDate"));
  CHECK(described.contains("NextRotationDate"));
  CHECK_FALSE(s.StillFirstValue());

  // Each step ran once, in order, for this token.
  for (const char* step : {"createSecret", "setSecret", "testSecret", "finishSecret"}) {
    CHECK(s.StepLines(step) == token + " 1\n");
  }
  const json status = s.Status();
  CHECK(status["RotationEnabled"] == true);
  CHECK_FALSE(status.contains("Rotation"));  // nothing in progress or failed
  const json listed = Ok(s.d.Cairn({"rotation", "list", "--handler", kHandlerName}));
  CHECK(listed["Rotations"].empty());
  CHECK(s.d.daemon.log().find("\"msg\":\"rotation succeeded\"") != std::string::npos);
  CHECK(handler.log().find("\"step\":\"finishSecret\",\"attempt\":1,\"via\":\"events\"") != std::string::npos);

  CHECK(handler.Signal(SIGTERM) == 0);  // stops cleanly
  CHECK(handler.log().find("\"msg\":\"stopped\"") != std::string::npos);
}

TEST_CASE("a handler whose setSecret fails fails the rotation visibly and AWSCURRENT stays", "[daemon][rotation]") {
  RotationSetup s({"--rotation-step-timeout", "10000", "--rotation-backoff-ms", "100", "--rotation-max-attempts", "2"});
  std::ofstream(s.d.tmp.sub("fail-set")) << "";
  HandlerProcess handler(s.d, s.handler_profile, s.d.tmp.sub("handler.log"));
  handler.Start();

  const std::string token =
      Ok(s.d.Cairn({"rotate-secret", "--secret-id", "app/db", "--rotation-handler", kHandlerName}))["VersionId"];
  const bool failed = WaitFor(
      [&] {
        const json status = s.Status();
        return status.contains("Rotation") && status["Rotation"].value("State", "") == "Failed";
      },
      60);
  INFO(handler.log());
  INFO(s.d.daemon.log());
  REQUIRE(failed);
  const json rotation = s.Status()["Rotation"];
  CHECK(rotation["ClientRequestToken"] == token);
  CHECK(rotation["Step"] == "setSecret");
  CHECK(rotation["Attempts"] == 2);
  CHECK(rotation["LastError"] == "exit status 3");  // the reason, never the script's output
  CHECK(s.StepLines("setSecret") == token + " 1\n" + token + " 2\n");
  CHECK(s.StepLines("finishSecret").empty());
  const json described = s.Describe();
  CHECK(VersionWith(described, "AWSCURRENT") == s.old_version);
  CHECK(VersionWith(described, "AWSPENDING") == token);  // kept: a later run resumes with its value
  CHECK(s.StillFirstValue());
  CHECK(s.d.daemon.log().find("\"msg\":\"rotation failed\"") != std::string::npos);
}

TEST_CASE("a handler killed in the middle of a step and restarted completes the rotation", "[daemon][rotation]") {
  RotationSetup s({"--rotation-step-timeout", "20000", "--rotation-backoff-ms", "200"});
  std::ofstream(s.d.tmp.sub("hang-set")) << "";
  HandlerProcess first(s.d, s.handler_profile, s.d.tmp.sub("first.log"));
  first.Start();

  const std::string token =
      Ok(s.d.Cairn({"rotate-secret", "--secret-id", "app/db", "--rotation-handler", kHandlerName}))["VersionId"];
  const bool in_set = WaitFor([&] { return !s.StepLines("setSecret").empty(); }, 60);
  INFO(first.log());
  REQUIRE(in_set);
  CHECK(first.Signal(SIGKILL) == 128 + SIGKILL);
  std::filesystem::remove(s.d.tmp.sub("hang-set"));
  // Still requested, not reported: what a restarted handler finds by polling.
  const json listed = Ok(s.d.Cairn({"rotation", "list", "--handler", kHandlerName}));
  REQUIRE(listed["Rotations"].size() == 1);
  CHECK(listed["Rotations"][0]["Step"] == "setSecret");
  CHECK(listed["Rotations"][0]["StepRequested"] == true);

  HandlerProcess second(s.d, s.handler_profile, s.d.tmp.sub("second.log"));
  second.Start();
  const bool rotated = WaitFor([&] { return VersionWith(s.Describe(), "AWSCURRENT") == token; }, 60);
  INFO(second.log());
  INFO(s.d.daemon.log());
  REQUIRE(rotated);
  CHECK(VersionWith(s.Describe(), "AWSPREVIOUS") == s.old_version);
  // The restarted handler found the same attempt of setSecret by polling and
  // ran it again (steps are idempotent).
  CHECK(s.StepLines("setSecret") == token + " 1\n" + token + " 1\n");
  CHECK(second.log().find("\"step\":\"setSecret\",\"attempt\":1,\"via\":\"poll\"") != std::string::npos);
  CHECK(s.StepLines("finishSecret") == token + " 1\n");
  CHECK_FALSE(s.StillFirstValue());
}

}  // namespace
}  // namespace cairn::testing
