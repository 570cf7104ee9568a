// Rotation (service/rotation.h; API reference §2.12, §2.13, §3.6) through the
// public paths: the operations through Decide, the orchestrator and scheduler
// through DecideRotations under a simulated clock, and the engine's
// RunRotations across a restart.
#include "service/rotation.h"

#include <catch2/catch.hpp>
#include <set>

#include "tests/service/engine_fixture.h"
#include "tests/service/harness.h"
#include "tests/service/principal_fixture.h"

namespace cairn::service::testing {
namespace {

constexpr char kHandler[] = "postgres";
constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kDay0 = kT0 - kT0 % kDayMs;  // 00:00 UTC of kT0's day
constexpr char kIncomplete[] =
    "A previous rotation isn't complete. That rotation will be reattempted.";

// Dates as the responses write them: epoch seconds, integral when whole.
Json Seconds(int64_t ms) {
  return ms % 1000 == 0 ? Json(ms / 1000) : Json(static_cast<double>(ms) / 1000.0);
}

Json DefaultRotation() {
  return {{"RotationLambdaARN", kHandler},
          {"RotationRules", {{"ScheduleExpression", "rate(4 hours)"}}}};
}

Decision Rotate(Harness& h, int token, Json extra = DefaultRotation(),
                const std::string& id = "s") {
  extra["SecretId"] = id;
  extra["ClientRequestToken"] = Token(token);
  return h.Call("RotateSecret", std::move(extra));
}

Decision Report(Harness& h, const std::string& token, const std::string& step,
                const std::string& status = "Succeeded", const std::string& id = "s") {
  return h.Call(
      "ReportRotationStep",
      {{"SecretId", id}, {"ClientRequestToken", token}, {"Step", step}, {"Status", status}});
}

Json Describe(Harness& h, const std::string& id = "s") {
  Decision d = h.Call("DescribeSecret", {{"SecretId", id}});
  REQUIRE(ErrorCode(d) == "");
  return d.body;
}

Json RotationStatus(Harness& h, const std::string& id = "s") {
  Decision d = h.Call("GetRotationStatus", {{"SecretId", id}});
  REQUIRE(ErrorCode(d) == "");
  return d.body;
}

// One orchestrator pass at h.now_ms; its events are applied.
std::vector<Decision> Orchestrate(Harness& h, const RotationPolicy& policy = {}) {
  DecideEnv env = h.Env();
  std::vector<Decision> decisions = DecideRotations(h.view, env, policy);
  for (const Decision& d : decisions) h.Apply(d);
  return decisions;
}

std::string Types(const std::vector<Decision>& decisions) {
  std::string out;
  for (const Decision& d : decisions) out += (out.empty() ? "" : ",") + d.event_type;
  return out;
}

const schema::RotationStepRequested* RequestOf(const Decision& d) {
  return EventOf(d)->body_as_RotationStepRequested();
}

// A handler that does each step right and reports it: createSecret stores
// `value` in the pending version; with `moves_current`, finishSecret moves
// AWSCURRENT itself as AWS's template does. Like AWS's template, createSecret
// leaves a value already stored alone. `fail_step` is reported Failed.
struct FakeHandler {
  std::string value = "rotated";
  bool moves_current = false;
  std::string fail_step;
  std::vector<std::string> steps;  // "<step>#<attempt>" as requested

  void Serve(Harness& h, const std::vector<Decision>& decisions) {
    for (const Decision& d : decisions) {
      const schema::RotationStepRequested* request = RequestOf(d);
      if (request == nullptr) continue;
      const std::string arn = Str(request->arn());
      const std::string token = Str(request->token());
      const std::string step = Str(request->step());
      steps.push_back(step + "#" + std::to_string(request->attempt()));
      if (step == fail_step) {
        REQUIRE(ErrorCode(Report(h, token, step, "Failed", arn)) == "");
        continue;
      }
      const projections::Version* pending = h.view.FindByArn(arn)->FindVersion(token);
      if (step == "createSecret" && pending->kind == projections::ValueKind::kNone) {  // idempotent
        Decision put = h.Call(
            "PutSecretValue",
            {{"SecretId", arn}, {"ClientRequestToken", token}, {"VersionStages", {"AWSPENDING"}}},
            StringValue(value));
        INFO(ErrorMessage(put));
        REQUIRE(ErrorCode(put) == "");
      }
      if (step == "finishSecret" && moves_current) {
        const projections::Version* current = h.view.FindByArn(arn)->VersionWithStage("AWSCURRENT");
        Decision moved =
            h.Call("UpdateSecretVersionStage", {{"SecretId", arn},
                                                {"VersionStage", "AWSCURRENT"},
                                                {"MoveToVersionId", token},
                                                {"RemoveFromVersionId", current->version_id}});
        REQUIRE(ErrorCode(moved) == "");
      }
      Decision reported = Report(h, token, step, "Succeeded", arn);
      INFO(ErrorMessage(reported));
      REQUIRE(ErrorCode(reported) == "");
    }
  }
};

// Orchestrates with `handler` serving until nothing more happens now; the
// orchestrator's event types in order.
std::vector<std::string> RunToEnd(Harness& h, FakeHandler& handler,
                                  const RotationPolicy& policy = {}) {
  std::vector<std::string> types;
  for (int pass = 0; pass < 100; ++pass) {
    std::vector<Decision> decisions = Orchestrate(h, policy);
    if (decisions.empty()) break;
    for (const Decision& d : decisions) types.push_back(d.event_type);
    handler.Serve(h, decisions);
  }
  return types;
}

// The secret "s" with value "old" as version Token(1).
void CreateS(Harness& h) { REQUIRE(ErrorCode(h.Create("s", "old", 1)) == ""); }

TEST_CASE("RotateSecret stores the configuration and creates the empty AWSPENDING version",
          "[rotation]") {
  Harness h;
  CreateS(h);
  Decision d = Rotate(h, 9);
  INFO(ErrorMessage(d));
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "RotationStarted");
  const projections::Secret& s = h.SecretNamed("s");
  CHECK(d.body == Json({{"ARN", s.arn}, {"Name", "s"}, {"VersionId", Token(9)}}));
  CHECK(Str(EventOf(d)->audit()->resource()) == s.arn);
  CHECK(Labels(s, Token(9)) == "AWSPENDING");
  CHECK(Labels(s, Token(1)) == "AWSCURRENT");
  REQUIRE(s.FindVersion(Token(9)) != nullptr);
  CHECK(s.FindVersion(Token(9))->kind == projections::ValueKind::kNone);
  CHECK(d.key_writes.ops().empty());  // a placeholder has no data key

  Json described = Describe(h);
  CHECK(described["RotationEnabled"] == true);
  CHECK(described["RotationLambdaARN"] == kHandler);
  CHECK(described["RotationRules"] == Json({{"ScheduleExpression", "rate(4 hours)"}}));
  // 17:03 falls in the 16:00 slot: the next rate(4 hours) window opens at 20:00.
  CHECK(described["NextRotationDate"] == Seconds(kDay0 + 20 * kHourMs));
  CHECK_FALSE(described.contains("LastRotatedDate"));
  CHECK(described["VersionIdsToStages"][Token(9)] == Json({"AWSPENDING"}));

  Json status = RotationStatus(h);
  CHECK(status["Rotation"]["ClientRequestToken"] == Token(9));
  CHECK(status["Rotation"]["Handler"] == kHandler);
  CHECK(status["Rotation"]["State"] == "InProgress");
  CHECK(status["Rotation"]["Step"] == "createSecret");
  CHECK(status["Rotation"]["StepRequested"] == false);
}

TEST_CASE("a secret never rotated shows no rotation members", "[rotation]") {
  Harness h;
  CreateS(h);
  Json described = Describe(h);
  CHECK_FALSE(described.contains("RotationEnabled"));
  CHECK_FALSE(described.contains("RotationRules"));
  CHECK_FALSE(described.contains("NextRotationDate"));
  CHECK(RotationStatus(h)["RotationEnabled"] == false);
  CHECK_FALSE(RotationStatus(h).contains("Rotation"));
}

TEST_CASE("a Lambda ARN names its function as the handler", "[rotation]") {
  CHECK(RotationHandlerName("postgres").value() == "postgres");
  CHECK(RotationHandlerName("arn:aws:lambda:eu-west-1:123456789012:function:pg-rotator").value() ==
        "pg-rotator");
  CHECK(RotationHandlerName("arn:aws:lambda:eu-west-1:123456789012:layer:x").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(RotationHandlerName("arn:aws:lambda:eu-west-1:123456789012:function:a:1").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(RotationHandlerName("").status().code() == StatusCode::kInvalidArgument);
  CHECK(RotationHandlerName("has space").status().code() == StatusCode::kInvalidArgument);
  CHECK(RotationHandlerName(std::string(65, 'a')).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("the steps follow AWS's order and a test-only run has one", "[rotation]") {
  projections::RotationRun run;
  std::vector<std::string> order;
  for (run.step = "createSecret"; !run.step.empty(); run.step = NextRotationStep(run))
    order.push_back(run.step);
  CHECK(order ==
        std::vector<std::string>{"createSecret", "setSecret", "testSecret", "finishSecret"});
  run.test_only = true;
  run.step = "testSecret";
  CHECK(NextRotationStep(run) == "");
}

TEST_CASE("RotateSecret refuses what rotation.h lists and changes nothing", "[rotation]") {
  Harness h;
  CreateS(h);
  std::string code;
  std::string message;
  bool started = false;  // a run was started on purpose (Token(9))
  auto expect = [&](const Decision& d) {
    INFO(ErrorMessage(d));
    CHECK(d.event_type == "OperationFailed");
    CHECK(ErrorCode(d) == code);
    if (!message.empty()) CHECK(ErrorMessage(d) == message);
  };
  SECTION("no handler stored or given") {
    code = "InvalidRequestException";
    message = "No Lambda rotation function ARN is associated with this secret.";
    expect(Rotate(h, 9, Json::object()));
    expect(Rotate(h, 9, {{"RotationLambdaARN", ""}}));
  }
  SECTION("a secret scheduled for deletion") {
    REQUIRE(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "s"}})) == "");
    code = "InvalidRequestException";
    expect(Rotate(h, 9));
  }
  SECTION("a secret without a current value") {
    REQUIRE(ErrorCode(h.Call("CreateSecret",
                             {{"Name", "empty"}, {"ClientRequestToken", Token(50)}})) == "");
    code = "InvalidRequestException";
    expect(Rotate(h, 9, DefaultRotation(), "empty"));
  }
  SECTION("AWSPENDING placed by hand on another version") {
    REQUIRE(ErrorCode(h.Put("s", "manual", 2, {{"VersionStages", {"AWSPENDING"}}})) == "");
    code = "InvalidRequestException";
    message = kIncomplete;
    expect(Rotate(h, 9));
  }
  SECTION("another token while a run is in progress") {
    REQUIRE(ErrorCode(Rotate(h, 9)) == "");
    started = true;
    code = "InvalidRequestException";
    message = kIncomplete;
    expect(Rotate(h, 10));
    expect(Rotate(h, 10, {{"RotateImmediately", false}}));
  }
  SECTION("a token that names an existing version") {
    code = "InvalidRequestException";
    expect(Rotate(h, 1));
  }
  SECTION("bad rules") {
    code = "InvalidParameterException";
    expect(Rotate(h, 9,
                  {{"RotationLambdaARN", kHandler},
                   {"RotationRules",
                    {{"AutomaticallyAfterDays", 3}, {"ScheduleExpression", "rate(4 hours)"}}}}));
    expect(Rotate(h, 9,
                  {{"RotationLambdaARN", kHandler},
                   {"RotationRules", {{"ScheduleExpression", "rate(2 hours)"}}}}));
    expect(Rotate(
        h, 9,
        {{"RotationLambdaARN", kHandler}, {"RotationRules", {{"AutomaticallyAfterDays", 0}}}}));
    expect(Rotate(h, 9, {{"RotationLambdaARN", kHandler}, {"RotationRules", "rate(4 hours)"}}));
  }
  SECTION("bad handler names") {
    code = "InvalidParameterException";
    expect(Rotate(h, 9, {{"RotationLambdaARN", "arn:aws:lambda:eu-west-1:1:role:x"}}));
    expect(Rotate(h, 9, {{"RotationLambdaARN", "no/slashes"}}));
  }
  SECTION("no ClientRequestToken") {
    code = "InvalidRequestException";
    message = "You must provide a ClientRequestToken value. We recommend a UUID-type value.";
    expect(h.Call("RotateSecret", {{"SecretId", "s"}, {"RotationLambdaARN", kHandler}}));
  }
  SECTION("managed external rotation") {
    code = "InvalidRequestException";
    expect(Rotate(h, 9,
                  {{"RotationLambdaARN", kHandler},
                   {"ExternalSecretRotationRoleArn", "arn:aws:iam::1:role/r"}}));
    expect(Rotate(h, 9,
                  {{"RotationLambdaARN", kHandler},
                   {"ExternalSecretRotationMetadata", {{{"Key", "k"}, {"Value", "v"}}}}}));
  }
  SECTION("an unknown secret") {
    code = "ResourceNotFoundException";
    expect(Rotate(h, 9, DefaultRotation(), "nope"));
  }
  const projections::Secret& s = h.SecretNamed("s");
  CHECK((s.FindVersion(Token(9)) != nullptr) == started);
  CHECK(s.FindVersion(Token(10)) == nullptr);
  CHECK(s.rotation.has_value() == started);
}

TEST_CASE("RotateSecret with the token of the run in progress is a replay", "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  const size_t versions = h.SecretNamed("s").versions.size();
  Decision again = Rotate(h, 9);
  REQUIRE(ErrorCode(again) == "");
  CHECK(again.event_type == "SecretUnchanged");
  CHECK(again.body["VersionId"] == Token(9));
  CHECK(h.SecretNamed("s").versions.size() == versions);
}

TEST_CASE("RotateImmediately=false tests the current version only", "[rotation]") {
  Harness h;
  CreateS(h);
  Decision d = Rotate(h, 9,
                      {{"RotationLambdaARN", kHandler},
                       {"RotationRules", {{"AutomaticallyAfterDays", 7}}},
                       {"RotateImmediately", false}});
  INFO(ErrorMessage(d));
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.body["VersionId"] == Token(1));
  CHECK(EventOf(d)->body_as_RotationStarted()->test_only());
  CHECK(h.SecretNamed("s").FindVersion(Token(9)) == nullptr);
  Decision again = Rotate(h, 10, {{"RotateImmediately", false}});  // a retried test: a replay
  REQUIRE(ErrorCode(again) == "");
  CHECK(again.event_type == "SecretUnchanged");
  CHECK(again.body["VersionId"] == Token(1));

  FakeHandler handler;
  std::vector<std::string> types = RunToEnd(h, handler);
  CHECK(types == std::vector<std::string>{"RotationStepRequested", "RotationSucceeded"});
  CHECK(handler.steps == std::vector<std::string>{"testSecret#1"});
  const projections::Secret& s = h.SecretNamed("s");
  CHECK(s.versions.size() == 1);
  CHECK(Labels(s, Token(1)) == "AWSCURRENT");
  CHECK_FALSE(s.rotation.has_value());
  Json described = Describe(h);
  CHECK(described["RotationEnabled"] == true);
  CHECK_FALSE(described.contains("LastRotatedDate"));
  CHECK(described["NextRotationDate"] == Seconds(kDay0 + 7 * kDayMs));
  CHECK(h.GetValue("s") == "old");
}

TEST_CASE("CancelRotateSecret stops the run, clears AWSPENDING and keeps AWSCURRENT",
          "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  SECTION("a run in flight") { REQUIRE(Types(Orchestrate(h)) == "RotationStepRequested"); }
  SECTION("a run that failed") {
    RotationPolicy policy;
    policy.max_attempts = 1;
    REQUIRE(Types(Orchestrate(h, policy)) == "RotationStepRequested");
    h.Advance(policy.step_timeout_ms + 1);
    REQUIRE(Types(Orchestrate(h, policy)) == "RotationStepFailed");
    REQUIRE(Types(Orchestrate(h, policy)) == "RotationFailed");
  }
  Decision d = h.Call("CancelRotateSecret", {{"SecretId", "s"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "RotationCancelled");
  CHECK(d.body["VersionId"] == Token(9));
  CHECK(Str(EventOf(d)->body_as_RotationCancelled()->token()) == Token(9));
  const projections::Secret& s = h.SecretNamed("s");
  CHECK(Labels(s, Token(1)) == "AWSCURRENT");
  CHECK(Labels(s, Token(9)) == "");
  CHECK_FALSE(s.rotation.has_value());
  Json described = Describe(h);
  CHECK(described["RotationEnabled"] == false);
  CHECK(described["RotationLambdaARN"] == kHandler);
  CHECK(described.contains("RotationRules"));
  CHECK_FALSE(described.contains("NextRotationDate"));
  CHECK(h.GetValue("s") == "old");
  // Nothing more happens, even long after, and the step's report is refused.
  h.Advance(30 * kDayMs);
  CHECK(Orchestrate(h).empty());
  CHECK(ErrorCode(Report(h, Token(9), "createSecret")) == "InvalidRequestException");
  // The next RotateSecret starts afresh.
  Decision again = Rotate(h, 10);
  REQUIRE(ErrorCode(again) == "");
  CHECK(again.body["VersionId"] == Token(10));
  CHECK(Labels(h.SecretNamed("s"), Token(10)) == "AWSPENDING");
}

TEST_CASE("CancelRotateSecret without a run answers without a VersionId", "[rotation]") {
  Harness h;
  CreateS(h);
  Decision d = h.Call("CancelRotateSecret", {{"SecretId", "s"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.body == Json({{"ARN", h.SecretNamed("s").arn}, {"Name", "s"}}));
  CHECK(ErrorCode(h.Call("CancelRotateSecret", {{"SecretId", "nope"}})) ==
        "ResourceNotFoundException");
}

TEST_CASE("ReportRotationStep accepts only the step requested of the run in progress",
          "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  SECTION("a step not requested yet") {
    CHECK(ErrorCode(Report(h, Token(9), "createSecret")) == "InvalidRequestException");
  }
  SECTION("once requested") {
    REQUIRE(Types(Orchestrate(h)) == "RotationStepRequested");
    SECTION("another token") {
      Decision d = Report(h, Token(10), "createSecret");
      CHECK(ErrorCode(d) == "InvalidRequestException");
      CHECK(d.event_type == "OperationFailed");
    }
    SECTION("another step") {
      CHECK(ErrorCode(Report(h, Token(9), "setSecret")) == "InvalidRequestException");
    }
    SECTION("a step or status that does not exist") {
      CHECK(ErrorCode(Report(h, Token(9), "create_secret")) == "InvalidParameterException");
      CHECK(ErrorCode(Report(h, Token(9), "createSecret", "Done")) == "InvalidParameterException");
    }
    SECTION("after the deadline") {
      h.Advance(5 * kMinuteMs + 1);
      CHECK(ErrorCode(Report(h, Token(9), "createSecret")) == "InvalidRequestException");
    }
    SECTION("a success the service can see is false") {
      Decision d = Report(h, Token(9), "createSecret");
      REQUIRE(ErrorCode(d) == "");
      CHECK(d.event_type == "RotationStepFailed");
      CHECK(d.body["Status"] == "Failed");
      const schema::RotationStepFailed* failed = EventOf(d)->body_as_RotationStepFailed();
      CHECK(Str(failed->reason()) ==
            "createSecret reported success, but version " + Token(9) + " holds no value.");
      CHECK(failed->attempt() == 1);
      CHECK_FALSE(failed->timed_out());
      CHECK(h.SecretNamed("s").rotation->attempts == 1);
    }
    SECTION("a failure with the handler's message, which the audit parameters leave out") {
      Decision d =
          h.Call("ReportRotationStep", {{"SecretId", "s"},
                                        {"ClientRequestToken", Token(9)},
                                        {"Step", "createSecret"},
                                        {"Status", "Failed"},
                                        {"Message", "the database refused the connection"}});
      REQUIRE(ErrorCode(d) == "");
      CHECK(d.event_type == "RotationStepFailed");
      CHECK(Str(EventOf(d)->body_as_RotationStepFailed()->reason()) ==
            "the database refused the connection");
      Json params = Json::parse(Str(EventOf(d)->audit()->request_parameters()));
      CHECK(params == Json({{"secretId", "s"},
                            {"clientRequestToken", Token(9)},
                            {"step", "createSecret"},
                            {"status", "Failed"}}));
      CHECK(h.SecretNamed("s").rotation->last_error == "the database refused the connection");
      // Reported once: a second report of the same step is refused.
      CHECK(ErrorCode(Report(h, Token(9), "createSecret")) == "InvalidRequestException");
    }
    SECTION("a success after the value was stored") {
      REQUIRE(ErrorCode(h.Call("PutSecretValue",
                               {{"SecretId", "s"},
                                {"ClientRequestToken", Token(9)},
                                {"VersionStages", {"AWSPENDING"}}},
                               StringValue("new"))) == "");
      Decision d = Report(h, Token(9), "createSecret");
      REQUIRE(ErrorCode(d) == "");
      CHECK(d.event_type == "RotationStepSucceeded");
      CHECK(h.SecretNamed("s").rotation->step == "setSecret");
      CHECK_FALSE(h.SecretNamed("s").rotation->step_requested);
    }
  }
}

TEST_CASE("a full rotation moves AWSCURRENT to the new version", "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  FakeHandler handler;
  SECTION("the service moves the labels") {}
  SECTION("the handler moves AWSCURRENT at finishSecret, as AWS's template does") {
    handler.moves_current = true;
  }
  h.Advance(1000);
  std::vector<std::string> types = RunToEnd(h, handler);
  CHECK(types == std::vector<std::string>{"RotationStepRequested", "RotationStepRequested",
                                          "RotationStepRequested", "RotationStepRequested",
                                          "RotationSucceeded"});
  CHECK(handler.steps == std::vector<std::string>{"createSecret#1", "setSecret#1", "testSecret#1",
                                                  "finishSecret#1"});
  const projections::Secret& s = h.SecretNamed("s");
  CHECK(Labels(s, Token(9)) == "AWSCURRENT");
  CHECK(Labels(s, Token(1)) == "AWSPREVIOUS");
  CHECK(s.VersionWithStage("AWSPENDING") == nullptr);
  CHECK_FALSE(s.rotation.has_value());
  CHECK(h.GetValue("s") == "rotated");
  CHECK(h.GetValue("s", {{"VersionStage", "AWSPREVIOUS"}}) == "old");
  Json described = Describe(h);
  CHECK(described["LastRotatedDate"] == Seconds(kT0 + 1000));
  CHECK(described["NextRotationDate"] == Seconds(kDay0 + 20 * kHourMs));
  CHECK(Orchestrate(h).empty());
}

TEST_CASE("a step that keeps timing out fails the rotation and AWSCURRENT stays", "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  RotationPolicy policy;  // 5 minutes per step, 3 attempts, backoff 2 s then 4 s
  std::vector<Decision> first = Orchestrate(h, policy);
  REQUIRE(Types(first) == "RotationStepRequested");
  CHECK(RequestOf(first[0])->attempt() == 1);
  CHECK(RequestOf(first[0])->deadline_unix_ms() == kT0 + policy.step_timeout_ms);
  CHECK(Str(RequestOf(first[0])->handler()) == kHandler);
  CHECK(Str(EventOf(first[0])->audit()->event_category()) == "AwsServiceEvent");
  CHECK(Str(EventOf(first[0])->audit()->resource()) == h.SecretNamed("s").arn);

  h.Advance(policy.step_timeout_ms);
  CHECK(Orchestrate(h, policy).empty());  // at the deadline, not past it
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    INFO("attempt " << attempt);
    if (attempt > 1) {
      const int64_t backoff = policy.backoff_base_ms << (attempt - 2);
      h.Advance(backoff - 1);
      CHECK(Orchestrate(h, policy).empty());  // backing off
      h.Advance(1);
      std::vector<Decision> again = Orchestrate(h, policy);
      REQUIRE(Types(again) == "RotationStepRequested");
      CHECK(RequestOf(again[0])->attempt() == attempt);
      h.Advance(policy.step_timeout_ms);
    }
    h.Advance(1);
    std::vector<Decision> timed_out = Orchestrate(h, policy);
    REQUIRE(Types(timed_out) == "RotationStepFailed");
    const schema::RotationStepFailed* failed = EventOf(timed_out[0])->body_as_RotationStepFailed();
    CHECK(failed->timed_out());
    CHECK(failed->attempt() == attempt);
    CHECK(Str(failed->step()) == "createSecret");
  }
  std::vector<Decision> end = Orchestrate(h, policy);
  REQUIRE(Types(end) == "RotationFailed");
  CHECK(EventOf(end[0])->body_as_RotationFailed()->attempts() == 3);
  CHECK(Orchestrate(h, policy).empty());

  const projections::Secret& s = h.SecretNamed("s");
  CHECK(Labels(s, Token(1)) == "AWSCURRENT");
  CHECK(Labels(s, Token(9)) == "AWSPENDING");
  CHECK(h.GetValue("s") == "old");
  Json run = RotationStatus(h)["Rotation"];
  CHECK(run["State"] == "Failed");
  CHECK(run["Attempts"] == 3);
  CHECK(run["LastError"].get<std::string>().find("did not report step createSecret") !=
        std::string::npos);
  // The late report is refused.
  CHECK(ErrorCode(Report(h, Token(9), "createSecret")) == "InvalidRequestException");
}

TEST_CASE("a failed rotation resumes with its token and the value createSecret stored",
          "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  FakeHandler handler;
  handler.value = "first";
  handler.fail_step = "setSecret";
  RotationPolicy policy;
  for (int i = 0; i < 10 && !(h.SecretNamed("s").rotation && h.SecretNamed("s").rotation->failed);
       ++i) {
    handler.Serve(h, Orchestrate(h, policy));
    h.Advance(policy.backoff_max_ms);
  }
  REQUIRE(h.SecretNamed("s").rotation.has_value());
  REQUIRE(h.SecretNamed("s").rotation->failed);
  CHECK(handler.steps ==
        std::vector<std::string>{"createSecret#1", "setSecret#1", "setSecret#2", "setSecret#3"});
  CHECK(h.SecretNamed("s").rotation->last_error == "The handler reported the step failed.");

  int token = 9;
  SECTION("by RotateSecret with the same token") {}
  SECTION("by RotateSecret with a new token, which takes the failed run's") { token = 10; }
  Decision resumed = Rotate(h, token);
  INFO(ErrorMessage(resumed));
  REQUIRE(ErrorCode(resumed) == "");
  CHECK(resumed.body["VersionId"] == Token(9));
  const schema::RotationStarted* started = EventOf(resumed)->body_as_RotationStarted();
  CHECK(started->resumed());
  CHECK(started->version() == nullptr);
  CHECK(h.SecretNamed("s").FindVersion(Token(10)) == nullptr);

  handler.fail_step.clear();
  handler.value = "second";  // createSecret must keep the stored value: the Put replays
  handler.steps.clear();
  RunToEnd(h, handler, policy);
  CHECK(handler.steps.front() == "createSecret#1");
  CHECK(Labels(h.SecretNamed("s"), Token(9)) == "AWSCURRENT");
  CHECK(h.GetValue("s") == "first");
}

TEST_CASE("ListRotations shows the runs, filtered by handler", "[rotation]") {
  Harness h;
  CreateS(h);
  REQUIRE(ErrorCode(h.Create("t", "old", 2)) == "");
  REQUIRE(ErrorCode(Rotate(h, 9)) == "");
  REQUIRE(ErrorCode(Rotate(h, 10, {{"RotationLambdaARN", "other"}}, "t")) == "");
  REQUIRE(Types(Orchestrate(h)) == "RotationStepRequested,RotationStepRequested");
  Decision all = h.Call("ListRotations", Json::object());
  REQUIRE(ErrorCode(all) == "");
  CHECK(all.body["Rotations"].size() == 2);
  Decision mine = h.Call("ListRotations", {{"Handler", kHandler}});
  REQUIRE(ErrorCode(mine) == "");
  REQUIRE(mine.body["Rotations"].size() == 1);
  const Json& entry = mine.body["Rotations"][0];
  CHECK(entry["Name"] == "s");
  CHECK(entry["ClientRequestToken"] == Token(9));
  CHECK(entry["Step"] == "createSecret");
  CHECK(entry["StepRequested"] == true);
  CHECK(entry["Attempt"] == 1);
  CHECK(entry["State"] == "InProgress");
  CHECK(entry["StepDeadline"] == Seconds(kT0 + RotationPolicy{}.step_timeout_ms));
  CHECK(EventOf(mine)->body_as_RotationsListed()->result_count() == 1);
}

// Creates `name` and rotates it fully now with a rate(4 hours) schedule.
void RotatedOnSchedule(Harness& h, const std::string& name, int token) {
  REQUIRE(ErrorCode(h.Create(name, "old", token)) == "");
  REQUIRE(ErrorCode(Rotate(h, token + 1, DefaultRotation(), name)) == "");
  FakeHandler handler;
  RunToEnd(h, handler);
  REQUIRE(Labels(h.SecretNamed(name), Token(token + 1)) == "AWSCURRENT");
}

TEST_CASE("the scheduler starts a rotation inside its window, after the secret's jitter",
          "[rotation]") {
  Harness h;
  RotatedOnSchedule(h, "s", 1);
  const int64_t next = *h.SecretNamed("s").next_rotation_ms;
  REQUIRE(next == kDay0 + 20 * kHourMs);
  h.now_ms = next - 1;
  CHECK(Orchestrate(h).empty());
  h.now_ms =
      next + 15 * kMinuteMs;  // the jitter lies within the first quarter of the 1-hour window
  std::vector<Decision> started = Orchestrate(h);
  REQUIRE(Types(started) == "RotationStarted");
  const schema::RotationStarted* body = EventOf(started[0])->body_as_RotationStarted();
  CHECK(body->scheduled());
  CHECK_FALSE(body->resumed());
  CHECK(Str(body->handler()) == kHandler);
  CHECK(Str(EventOf(started[0])->audit()->action()) == "RotationStarted");
  CHECK(Str(EventOf(started[0])->audit()->request_parameters()) == "null");
  const std::string token = Str(body->token());
  CHECK(Labels(h.SecretNamed("s"), token) == "AWSPENDING");

  FakeHandler handler;
  handler.value = "scheduled";
  RunToEnd(h, handler);
  CHECK(Labels(h.SecretNamed("s"), token) == "AWSCURRENT");
  CHECK(h.GetValue("s") == "scheduled");
  CHECK(*h.SecretNamed("s").next_rotation_ms == kDay0 + 24 * kHourMs);
}

TEST_CASE("after downtime each secret rotates once, a few per call", "[rotation]") {
  Harness h;
  for (int i = 0; i < 3; ++i) RotatedOnSchedule(h, "s" + std::to_string(i), 10 * (i + 1));
  h.Advance(10 * kDayMs);  // some 60 windows missed
  RotationPolicy policy;
  policy.max_starts_per_call = 2;
  std::map<std::string, int> starts;
  FakeHandler handler;
  for (int pass = 0; pass < 20; ++pass) {
    std::vector<Decision> decisions = Orchestrate(h, policy);
    if (decisions.empty()) break;
    size_t started = 0;
    for (const Decision& d : decisions) {
      if (const auto* s = EventOf(d)->body_as_RotationStarted()) {
        ++starts[Str(s->arn())];
        ++started;
      }
    }
    CHECK(started <= 2);
    if (pass == 0) CHECK(started == 2);
    handler.Serve(h, decisions);
  }
  CHECK(starts.size() == 3);
  for (const auto& [arn, n] : starts) CHECK(n == 1);
  for (int i = 0; i < 3; ++i) {
    const projections::Secret& s = h.SecretNamed("s" + std::to_string(i));
    CHECK_FALSE(s.rotation.has_value());
    CHECK(*s.next_rotation_ms > h.now_ms);
  }
}

}  // namespace
}  // namespace cairn::service::testing

namespace cairn {
namespace {

using service::Json;
using testing::MakeRequest;
using testing::TestActor;

constexpr char kToken[] = "6f1c7a52-93b0-4d5e-8a61-2b9d0c4e7f10";

service::Response Call(service::Engine& e, const std::string& op, Json params,
                       const std::string& value = "") {
  service::Response r = e.Execute(MakeRequest(op, std::move(params), value), TestActor());
  INFO(op << ": " << (r.error ? r.error->code + " " + r.error->message : "ok"));
  REQUIRE(r.ok());
  return r;
}

service::Response ReportStep(service::Engine& e, const std::string& step) {
  return Call(e, "ReportRotationStep",
              {{"SecretId", "db"},
               {"ClientRequestToken", kToken},
               {"Step", step},
               {"Status", "Succeeded"}});
}

TEST_CASE("a rotation interrupted by a restart continues from its events", "[rotation][engine]") {
  testing::EngineFixture f;
  service::RotationPolicy policy;
  {
    auto opened = f.Open();
    REQUIRE(opened.ok());
    service::Engine& e = **opened;
    Call(e, "CreateSecret", {{"Name", "db"}}, "v1");
    Call(e, "RotateSecret",
         {{"SecretId", "db"},
          {"ClientRequestToken", kToken},
          {"RotationLambdaARN", "postgres"},
          {"RotationRules", {{"ScheduleExpression", "rate(1 day)"}}}});
    CHECK(e.RunRotations(policy).value() == 1);  // createSecret requested
    CHECK(e.RunRotations(policy).value() == 0);
    Call(e, "PutSecretValue",
         {{"SecretId", "db"}, {"ClientRequestToken", kToken}, {"VersionStages", {"AWSPENDING"}}},
         "v2");
    ReportStep(e, "createSecret");
    CHECK(e.RunRotations(policy).value() == 1);  // setSecret requested
  }                                              // the daemon stops while setSecret is outstanding
  auto reopened = f.Open();
  REQUIRE(reopened.ok());
  service::Engine& e = **reopened;
  const projections::Secret* s = e.state_for_testing().FindByName("db");
  REQUIRE(s != nullptr);
  REQUIRE(s->rotation.has_value());
  CHECK(s->rotation->step == "setSecret");
  CHECK(s->rotation->step_requested);
  CHECK(e.RunRotations(policy).value() == 0);

  SECTION("the handler reports and the rotation completes") {
    ReportStep(e, "setSecret");
    CHECK(e.RunRotations(policy).value() == 1);
    ReportStep(e, "testSecret");
    CHECK(e.RunRotations(policy).value() == 1);
    ReportStep(e, "finishSecret");
    CHECK(e.RunRotations(policy).value() == 1);  // RotationSucceeded
    service::Response got = Call(e, "GetSecretValue", {{"SecretId", "db"}});
    REQUIRE(got.values.size() == 1);
    CHECK(got.values[0].value.bytes.as_string_view() == "v2");
    CHECK(got.body["VersionId"] == kToken);
    Json described = Call(e, "DescribeSecret", {{"SecretId", "db"}}).body;
    CHECK(described["LastRotatedDate"] == Json(f.clock.NowMs() / 1000));
  }
  SECTION("the step times out after the restart and is requested again") {
    f.clock.Advance(policy.step_timeout_ms + 1);
    CHECK(e.RunRotations(policy).value() == 1);  // RotationStepFailed (timed out)
    f.clock.Advance(policy.backoff_base_ms);
    CHECK(e.RunRotations(policy).value() == 1);  // setSecret, attempt 2
    CHECK(e.state_for_testing().FindByName("db")->rotation->step_requested);
    CHECK(e.state_for_testing().FindByName("db")->rotation->attempts == 1);
  }
}

// A handler principal with only the rights it needs: ListRotations on "*",
// ReportRotationStep on the secrets it rotates (tagged env=dev).
constexpr char kRotatorPolicy[] = R"({"Statement":[
  {"Effect":"Allow","Action":"cairn:ListRotations","Resource":"*"},
  {"Effect":"Allow","Action":"cairn:ReportRotationStep","Resource":"*",
   "Condition":{"StringEquals":{"secretsmanager:ResourceTag/env":"dev"}}}]})";

TEST_CASE("a handler reports and lists only the rotations its policy names", "[rotation][access]") {
  testing::PrincipalEngine p;
  REQUIRE(p.Enrol("rotator", 3).ok());
  REQUIRE(
      p.Call("CreatePolicy", {{"PolicyName", "rotator"}, {"PolicyDocument", kRotatorPolicy}}).ok());
  REQUIRE(p.Call("AttachPrincipalPolicy", {{"PrincipalName", "rotator"}, {"PolicyName", "rotator"}})
              .ok());
  for (const char* env : {"dev", "prod"}) {
    const std::string name = std::string(env) + "/db";
    Json tags = Json::array({{{"Key", "env"}, {"Value", env}}});
    REQUIRE(p.e()
                .Execute(MakeRequest("CreateSecret", {{"Name", name}, {"Tags", tags}}, "v1"),
                         TestActor())
                .ok());
    REQUIRE(
        p.Call("RotateSecret", {{"SecretId", name},
                                {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())},
                                {"RotationLambdaARN", "postgres"}})
            .ok());
  }
  REQUIRE(p.e().RunRotations({}).value() == 2);
  const ledger::Actor rotator = testing::AsPrincipal("rotator");

  service::Response listed = p.Call("ListRotations", {{"Handler", "postgres"}}, rotator);
  REQUIRE(listed.ok());
  REQUIRE(listed.body["Rotations"].size() == 1);
  const Json entry = listed.body["Rotations"][0];
  CHECK(entry["Name"] == "dev/db");

  auto report = [&](const std::string& id, const std::string& token) {
    return p.Call("ReportRotationStep",
                  {{"SecretId", id},
                   {"ClientRequestToken", token},
                   {"Step", "createSecret"},
                   {"Status", "Failed"},
                   {"Message", "cannot reach the database"}},
                  rotator);
  };
  const projections::Secret* prod = p.e().state_for_testing().FindByName("prod/db");
  REQUIRE(prod != nullptr);
  service::Response denied = report("prod/db", prod->rotation->token);
  REQUIRE(denied.error.has_value());
  CHECK(denied.error->code == "AccessDeniedException");
  CHECK(denied.error->message.find("cairn:ReportRotationStep on resource: prod/db") !=
        std::string::npos);
  service::Response accepted = report("dev/db", entry["ClientRequestToken"].get<std::string>());
  INFO((accepted.error ? accepted.error->message : ""));
  CHECK(accepted.ok());

  service::Response status = p.Call("GetRotationStatus", {{"SecretId", "dev/db"}}, rotator);
  REQUIRE(status.error.has_value());
  CHECK(status.error->code == "AccessDeniedException");
  service::Response other = p.Call("ListRotations", Json::object(), testing::AsPrincipal("nobody"));
  REQUIRE(other.error.has_value());
  CHECK(other.error->code == "AccessDeniedException");
}

}  // namespace
}  // namespace cairn
