// Rotation in SecretsView: the run's state machine (projections/secrets.h,
// RotationRun) as evolve applies the rotation events, the labels a success
// moves, RotationAbandoned, the DataLoss of events that contradict the run, the
// `rotation` member of the persisted secret, and replay from a real log.
#include <flatbuffers/flatbuffers.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/replay.h"
#include "projections/views.h"
#include "tests/projections/harness.h"
#include "tests/projections/live_ledger.h"

namespace cairn::projections::testing {
namespace {

using nlohmann::json;

const Events kOk;
constexpr char kHandlerArn[] = "arn:aws:lambda:us-east-1:123456789012:function:postgres";
constexpr char kToken[] = "tok-0000-rotation-1";

struct Rules {
  int64_t days = 0;
  std::string schedule;
  std::string duration;
};

struct StartSpec {
  std::string token = kToken;
  std::optional<Rules> rules = Rules{0, "rate(4 hours)", "1h"};
  int64_t next_rotation_ms = 0;
  bool placeholder = true;  // the AWSPENDING version `token`, without a value
  bool test_only = false;
  ValueKind placeholder_kind = ValueKind::kNone;
};

// Builds the rotation events as the service does. With a non-empty
// error_code every event is a failed call.
class RotationEvents {
 public:
  explicit RotationEvents(std::string error_code = "") : error_code_(std::move(error_code)) {}

  EventBytes Started(const StartSpec& spec, const std::string& arn = kArn) const {
    flatbuffers::FlatBufferBuilder fbb;
    flatbuffers::Offset<schema::RotationRules> rules = 0;
    if (spec.rules) {
      rules = schema::CreateRotationRulesDirect(fbb, spec.rules->days, spec.rules->schedule.c_str(),
                                                spec.rules->duration.c_str());
    }
    flatbuffers::Offset<schema::VersionWritten> version = 0;
    if (spec.placeholder) {
      auto id = fbb.CreateString(spec.token);
      auto stages = fbb.CreateVector(
          std::vector<flatbuffers::Offset<flatbuffers::String>>{fbb.CreateString(kAwsPending)});
      schema::VersionWrittenBuilder b(fbb);
      b.add_version_id(id);
      b.add_stages(stages);
      b.add_value_kind(static_cast<uint8_t>(spec.placeholder_kind));
      version = b.Finish();
    }
    auto body = schema::CreateRotationStartedDirect(
        fbb, arn.c_str(), spec.token.c_str(), kHandlerArn, "postgres", rules, spec.next_rotation_ms,
        version, spec.test_only, false, !spec.placeholder);
    return Finish(fbb, schema::Body::RotationStarted, body);
  }

  EventBytes Requested(const std::string& step, int64_t deadline_ms, uint32_t attempt = 1,
                       const std::string& token = kToken) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRotationStepRequestedDirect(fbb, kArn, token.c_str(), "postgres",
                                                          step.c_str(), attempt, deadline_ms);
    return Finish(fbb, schema::Body::RotationStepRequested, body);
  }

  EventBytes StepSucceeded(const std::string& step, const std::string& token = kToken) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRotationStepSucceededDirect(fbb, kArn, token.c_str(), step.c_str());
    return Finish(fbb, schema::Body::RotationStepSucceeded, body);
  }

  EventBytes StepFailed(const std::string& step, const std::string& reason, uint32_t attempt = 1,
                        bool timed_out = false, const std::string& token = kToken) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRotationStepFailedDirect(fbb, kArn, token.c_str(), step.c_str(),
                                                       attempt, reason.c_str(), timed_out);
    return Finish(fbb, schema::Body::RotationStepFailed, body);
  }

  EventBytes Succeeded(const std::string& previous, int64_t next_rotation_ms,
                       bool test_only = false, const std::string& token = kToken) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRotationSucceededDirect(fbb, kArn, token.c_str(), previous.c_str(),
                                                      next_rotation_ms, test_only);
    return Finish(fbb, schema::Body::RotationSucceeded, body);
  }

  EventBytes Failed(const std::string& step, uint32_t attempts, const std::string& reason,
                    const std::string& token = kToken) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRotationFailedDirect(fbb, kArn, token.c_str(), step.c_str(), attempts,
                                                   reason.c_str());
    return Finish(fbb, schema::Body::RotationFailed, body);
  }

  EventBytes Cancelled(const std::string& token) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRotationCancelledDirect(fbb, kArn, token.c_str());
    return Finish(fbb, schema::Body::RotationCancelled, body);
  }

  EventBytes StatusRead() const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::RotationStatusRead,
                  schema::CreateRotationStatusReadDirect(fbb, kArn));
  }

  EventBytes Listed(uint32_t count) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::RotationsListed,
                  schema::CreateRotationsListedDirect(fbb, "postgres", count));
  }

 private:
  template <typename T>
  EventBytes Finish(flatbuffers::FlatBufferBuilder& fbb, schema::Body type,
                    flatbuffers::Offset<T> body) const {
    const std::string action = schema::EnumNameBody(type);
    auto audit = schema::CreateAuditDirect(fbb, action.c_str(), kArn, false, "AwsServiceEvent",
                                           error_code_.c_str(), "", "{}");
    auto event = schema::CreateEvent(fbb, audit, type, body.Union());
    schema::FinishEventBuffer(fbb, event);
    return EventBytes(fbb.Release());
  }

  std::string error_code_;
};

const RotationEvents kRotation;

// A secret "prod/db" with AWSCURRENT on v1.
Harness WithSecret() {
  Harness h;
  REQUIRE(h.Apply(kOk.Created(kArn, kName, VersionSpec{"v1"})).ok());
  h.Advance(kHourMs);
  return h;
}

// Runs `step` of the run: requested, then reported as succeeded.
void PassStep(Harness& h, const std::string& step) {
  REQUIRE(h.Apply(kRotation.Requested(step, h.now_ms + 5 * 60 * 1000)).ok());
  h.Advance(1000);
  REQUIRE(h.Apply(kRotation.StepSucceeded(step)).ok());
}

// A started run whose createSecret filled the placeholder and whose steps all
// succeeded: what RotationSucceeded ends.
Harness AllStepsDone() {
  Harness h = WithSecret();
  REQUIRE(h.Apply(kRotation.Started({})).ok());
  PassStep(h, kStepCreateSecret);
  REQUIRE(h.Apply(kOk.Put(kArn, {kToken, {kAwsPending}})).ok());  // the handler's createSecret
  for (const char* step : {kStepSetSecret, kStepTestSecret, kStepFinishSecret}) PassStep(h, step);
  return h;
}

std::unique_ptr<ledger::Store> Persist(const SecretsView& view) {
  std::unique_ptr<ledger::Store> store = ledger::NewMemStore();
  std::vector<std::string> arns;
  for (const auto& [arn, secret] : view.secrets()) arns.push_back(arn);
  ledger::WriteSet ws;
  view.WriteTouched(arns, ws);
  REQUIRE(store->Write(ws, false).ok());
  return store;
}

std::string SecretEntry(const ledger::Store& store, const std::string& arn = kArn) {
  auto value = store.Get(ledger::Family::kState, "secret/" + arn);
  REQUIRE(value.ok());
  REQUIRE(value->has_value());
  return **value;
}

Status LoadStatus(const ledger::Store& store) {
  Result<SecretsView> view = SecretsView::Load(store);
  return view.ok() ? Status::Ok() : view.status();
}

// The secret entry as the format had it before rotation, built member by
// member with nlohmann (the oracle: its to_cbor writes the same canonical bytes).
std::string PreRotationEntry(const Secret& s) {
  json j = json::object();
  j["arn"] = s.arn;
  j["created_ms"] = s.created_ms;
  if (s.deletion_date_ms) j["deletion_date_ms"] = *s.deletion_date_ms;
  j["deletion_forced"] = s.deletion_forced;
  if (s.description) j["description"] = *s.description;
  j["ever_tagged"] = s.ever_tagged;
  j["format"] = 1;
  j["kms_key_id"] = s.kms_key_id;
  j["last_accessed_ms"] = s.last_accessed_ms;
  j["last_changed_ms"] = s.last_changed_ms;
  j["name"] = s.name;
  j["next_version_order"] = s.next_version_order;
  j["tags"] = json::array();
  for (const auto& [k, v] : s.tags) j["tags"].push_back({k, v});
  j["versions"] = json::object();
  for (const auto& [id, v] : s.versions) {
    j["versions"][id] = {{"created_ms", v.created_ms},
                         {"created_order", v.created_order},
                         {"kek_version", v.kek_version},
                         {"kind", static_cast<uint8_t>(v.kind)},
                         {"last_accessed_ms", v.last_accessed_ms},
                         {"stages", v.stages},
                         {"value_digest", json::binary(std::vector<uint8_t>(v.value_digest.begin(),
                                                                            v.value_digest.end()))},
                         {"value_seq", v.value_seq}};
  }
  const std::vector<uint8_t> cbor = json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

std::string Reencoded(const std::string& entry, void (*edit)(json&)) {
  json j = json::from_cbor(entry);
  edit(j);
  const std::vector<uint8_t> cbor = json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

}  // namespace

TEST_CASE("RotationStarted enables rotation, stores the configuration and adds the placeholder",
          "[projections][rotation]") {
  Harness h = WithSecret();
  StartSpec spec;
  spec.next_rotation_ms = kT0 + 4 * kHourMs;
  REQUIRE(h.Apply(kRotation.Started(spec)).ok());

  const Secret& s = h.secret();
  CHECK(h.touched == std::vector<std::string>{kArn});
  CHECK(s.rotation_enabled);
  CHECK(s.rotation_lambda_arn == kHandlerArn);
  CHECK(s.rotation_rules.schedule_expression == "rate(4 hours)");
  CHECK(s.rotation_rules.duration == "1h");
  CHECK_FALSE(s.rotation_rules.automatically_after_days.has_value());
  CHECK(s.next_rotation_ms == kT0 + 4 * kHourMs);
  CHECK(s.last_changed_ms == h.now_ms);
  CHECK(s.last_rotated_ms == 0);
  CHECK(DescribeLabels(s) == std::string("v1 [AWSCURRENT], ") + kToken + " [AWSPENDING]");
  CHECK(s.FindVersion(kToken)->kind == ValueKind::kNone);
  CHECK(s.FindVersion(kToken)->created_ms == h.now_ms);
  REQUIRE(s.rotation.has_value());
  RotationRun expected;
  expected.token = kToken;
  expected.handler = "postgres";
  expected.step = kStepCreateSecret;
  expected.started_ms = h.now_ms;
  CHECK(*s.rotation == expected);

  SECTION("a start without rules keeps the stored ones, and next_rotation 0 clears the date") {
    REQUIRE(h.Apply(kRotation.Cancelled(kToken)).ok());
    REQUIRE(h.Apply(kOk.StageUpdated(kArn, kAwsPending, kToken, "")).ok());
    StartSpec again;
    again.token = "tok-2";
    again.rules.reset();
    REQUIRE(h.Apply(kRotation.Started(again)).ok());
    CHECK(h.secret().rotation_rules.schedule_expression == "rate(4 hours)");
    CHECK_FALSE(h.secret().next_rotation_ms.has_value());
    CHECK(h.secret().rotation->token == "tok-2");
  }
  SECTION("rules replace the stored ones member by member, 0 and empty meaning not given") {
    REQUIRE(h.Apply(kRotation.Cancelled(kToken)).ok());
    StartSpec again;
    again.token = "tok-2";
    again.rules = Rules{30, "", ""};
    REQUIRE(h.Apply(kRotation.Started(again)).ok());
    CHECK(h.secret().rotation_rules.automatically_after_days == 30);
    CHECK_FALSE(h.secret().rotation_rules.schedule_expression.has_value());
    CHECK_FALSE(h.secret().rotation_rules.duration.has_value());
  }
}

TEST_CASE("a test-only RotationStarted runs testSecret alone on the AWSCURRENT version",
          "[projections][rotation]") {
  Harness h = WithSecret();
  StartSpec spec;
  spec.token = "v1";
  spec.placeholder = false;
  spec.test_only = true;
  REQUIRE(h.Apply(kRotation.Started(spec)).ok());
  CHECK(DescribeLabels(h.secret()) == "v1 [AWSCURRENT]");
  REQUIRE(h.secret().rotation.has_value());
  CHECK(h.secret().rotation->test_only);
  CHECK(h.secret().rotation->step == kStepTestSecret);

  REQUIRE(h.Apply(kRotation.Requested(kStepTestSecret, h.now_ms + 1000, 1, "v1")).ok());
  REQUIRE(h.Apply(kRotation.StepSucceeded(kStepTestSecret, "v1")).ok());
  CHECK(h.secret().rotation->step.empty());

  const int64_t changed = h.secret().last_changed_ms;
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kRotation.Succeeded("", kT0 + kDayMs, /*test_only=*/true, "v1")).ok());
  CHECK(h.touched == std::vector<std::string>{kArn});
  CHECK_FALSE(h.secret().rotation.has_value());
  CHECK(DescribeLabels(h.secret()) == "v1 [AWSCURRENT]");
  CHECK(h.secret().last_rotated_ms == 0);
  CHECK(h.secret().last_changed_ms == changed);
  CHECK(h.secret().rotation_enabled);
}

TEST_CASE("step events move the run through the four steps", "[projections][rotation]") {
  Harness h = WithSecret();
  REQUIRE(h.Apply(kRotation.Started({})).ok());
  const int64_t started = h.now_ms;
  const int64_t changed = h.secret().last_changed_ms;

  h.Advance(1000);
  REQUIRE(h.Apply(kRotation.Requested(kStepCreateSecret, h.now_ms + 60000)).ok());
  CHECK(h.touched == std::vector<std::string>{kArn});
  const RotationRun& run = *h.secret().rotation;
  CHECK(run.step == kStepCreateSecret);
  CHECK(run.step_requested);
  CHECK(run.step_requested_ms == h.now_ms);
  CHECK(run.step_deadline_ms == h.now_ms + 60000);
  CHECK(run.started_ms == started);

  h.Advance(60001);
  REQUIRE(h.Apply(kRotation.StepFailed(kStepCreateSecret, "step timed out", 1, true)).ok());
  CHECK(h.secret().rotation->attempts == 1);
  CHECK_FALSE(h.secret().rotation->step_requested);
  CHECK(h.secret().rotation->step_requested_ms == 0);
  CHECK(h.secret().rotation->step_deadline_ms == 0);
  CHECK(h.secret().rotation->last_error == "step timed out");
  CHECK(h.secret().rotation->last_failure_ms == h.now_ms);
  CHECK(h.secret().rotation->step == kStepCreateSecret);

  h.Advance(2000);
  REQUIRE(h.Apply(kRotation.Requested(kStepCreateSecret, h.now_ms + 60000, 2)).ok());
  REQUIRE(h.Apply(kRotation.StepSucceeded(kStepCreateSecret)).ok());
  CHECK(h.secret().rotation->step == kStepSetSecret);
  CHECK(h.secret().rotation->attempts == 0);
  CHECK(h.secret().rotation->last_error.empty());
  CHECK_FALSE(h.secret().rotation->step_requested);
  CHECK(h.secret().rotation->last_failure_ms != 0);  // kept: when the last failure was

  PassStep(h, kStepSetSecret);
  CHECK(h.secret().rotation->step == kStepTestSecret);
  PassStep(h, kStepTestSecret);
  CHECK(h.secret().rotation->step == kStepFinishSecret);
  PassStep(h, kStepFinishSecret);
  CHECK(h.secret().rotation->step.empty());
  CHECK(h.secret().last_changed_ms == changed);  // steps are not changes of the secret
}

TEST_CASE("RotationSucceeded moves AWSCURRENT to the token and AWSPENDING off it",
          "[projections][rotation]") {
  Harness h = AllStepsDone();
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kRotation.Succeeded("v1", kT0 + 2 * kDayMs)).ok());
  const Secret& s = h.secret();
  CHECK(h.touched == std::vector<std::string>{kArn});
  CHECK(DescribeLabels(s) == std::string("v1 [AWSPREVIOUS], ") + kToken + " [AWSCURRENT]");
  CHECK_FALSE(s.rotation.has_value());
  CHECK(s.last_rotated_ms == h.now_ms);
  CHECK(s.last_changed_ms == h.now_ms);
  CHECK(s.next_rotation_ms == kT0 + 2 * kDayMs);
  CHECK(s.rotation_enabled);

  SECTION("the next rotation demotes the previous current and deprecates the one before") {
    StartSpec next;
    next.token = "tok-2";
    REQUIRE(h.Apply(kRotation.Started(next)).ok());
    for (const char* step :
         {kStepCreateSecret, kStepSetSecret, kStepTestSecret, kStepFinishSecret}) {
      REQUIRE(h.Apply(kRotation.Requested(step, h.now_ms, 1, "tok-2")).ok());
      REQUIRE(h.Apply(kRotation.StepSucceeded(step, "tok-2")).ok());
    }
    REQUIRE(h.Apply(kRotation.Succeeded(kToken, 0, false, "tok-2")).ok());
    CHECK(DescribeLabels(h.secret()) ==
          std::string("v1 [], ") + kToken + " [AWSPREVIOUS], tok-2 [AWSCURRENT]");
    CHECK_FALSE(h.secret().next_rotation_ms.has_value());
  }
}

TEST_CASE("RotationSucceeded after the handler moved AWSCURRENT itself only removes AWSPENDING",
          "[projections][rotation]") {
  Harness h = AllStepsDone();
  // finishSecret as AWS's template does it: UpdateSecretVersionStage.
  REQUIRE(h.Apply(kOk.StageUpdated(kArn, kAwsCurrent, "v1", kToken)).ok());
  CHECK(DescribeLabels(h.secret()) ==
        std::string("v1 [AWSPREVIOUS], ") + kToken + " [AWSCURRENT, AWSPENDING]");
  REQUIRE(h.secret().rotation.has_value());  // a stage move does not abandon the run

  SECTION("previous_version_id is empty") {
    REQUIRE(h.Apply(kRotation.Succeeded("", 0)).ok());
    CHECK(DescribeLabels(h.secret()) ==
          std::string("v1 [AWSPREVIOUS], ") + kToken + " [AWSCURRENT]");
    CHECK_FALSE(h.secret().rotation.has_value());
    CHECK(h.secret().last_rotated_ms == h.now_ms);
  }
  SECTION("the handler removed AWSPENDING too") {
    REQUIRE(h.Apply(kOk.StageUpdated(kArn, kAwsPending, kToken, "")).ok());
    REQUIRE(h.Apply(kRotation.Succeeded("", 0)).ok());
    CHECK(DescribeLabels(h.secret()) ==
          std::string("v1 [AWSPREVIOUS], ") + kToken + " [AWSCURRENT]");
  }
  SECTION("naming the old current as previous contradicts the labels") {
    const Secret before = h.secret();
    CHECK(h.Apply(kRotation.Succeeded("v1", 0)) ==
          DataLossError(std::string("seq ") + std::to_string(h.seq) +
                        ": RotationSucceeded names v1 as the previous version of " + kArn +
                        ", whose AWSCURRENT is on ''"));
    CHECK(h.secret() == before);
  }
}

TEST_CASE("RotationFailed keeps the run for status, labels as they are, and a start resumes it",
          "[projections][rotation]") {
  Harness h = WithSecret();
  REQUIRE(h.Apply(kRotation.Started({})).ok());
  PassStep(h, kStepCreateSecret);
  REQUIRE(h.Apply(kOk.Put(kArn, {kToken, {kAwsPending}})).ok());
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    REQUIRE(h.Apply(kRotation.Requested(kStepSetSecret, h.now_ms + 1000, attempt)).ok());
    REQUIRE(h.Apply(kRotation.StepFailed(kStepSetSecret, "connection refused", attempt)).ok());
  }
  const int64_t changed = h.secret().last_changed_ms;
  REQUIRE(h.Apply(kRotation.Failed(kStepSetSecret, 3, "connection refused")).ok());
  CHECK(h.touched == std::vector<std::string>{kArn});
  REQUIRE(h.secret().rotation.has_value());
  CHECK(h.secret().rotation->failed);
  CHECK(h.secret().rotation->attempts == 3);
  CHECK(h.secret().rotation->last_error == "connection refused");
  CHECK(h.secret().last_changed_ms == changed);
  CHECK(DescribeLabels(h.secret()) == std::string("v1 [AWSCURRENT], ") + kToken + " [AWSPENDING]");

  SECTION("a failed run takes no more step events") {
    CHECK(h.Apply(kRotation.Requested(kStepSetSecret, h.now_ms)).code() == StatusCode::kDataLoss);
    CHECK(h.secret().rotation->failed);
  }
  SECTION("a resumed start begins again at createSecret with the value kept") {
    StartSpec resumed;
    resumed.placeholder = false;
    h.Advance(kHourMs);
    REQUIRE(h.Apply(kRotation.Started(resumed)).ok());
    CHECK_FALSE(h.secret().rotation->failed);
    CHECK(h.secret().rotation->attempts == 0);
    CHECK(h.secret().rotation->step == kStepCreateSecret);
    CHECK(h.secret().rotation->started_ms == h.now_ms);
    CHECK(h.secret().FindVersion(kToken)->kind == ValueKind::kString);
  }
  SECTION("a cancellation without a token drops the failed run") {
    REQUIRE(h.Apply(kRotation.Cancelled("")).ok());
    CHECK_FALSE(h.secret().rotation.has_value());
    CHECK_FALSE(h.secret().rotation_enabled);
    CHECK(DescribeLabels(h.secret()) == std::string("v1 [AWSCURRENT], ") + kToken + " []");
  }
}

TEST_CASE("RotationCancelled disables rotation, drops the run and clears AWSPENDING, rules stay",
          "[projections][rotation]") {
  Harness h = WithSecret();
  StartSpec spec;
  spec.next_rotation_ms = kT0 + kDayMs;
  REQUIRE(h.Apply(kRotation.Started(spec)).ok());
  PassStep(h, kStepCreateSecret);
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kRotation.Cancelled(kToken)).ok());
  const Secret& s = h.secret();
  CHECK(h.touched == std::vector<std::string>{kArn});
  CHECK_FALSE(s.rotation_enabled);
  CHECK_FALSE(s.rotation.has_value());
  CHECK_FALSE(s.next_rotation_ms.has_value());
  CHECK(s.rotation_lambda_arn == kHandlerArn);
  CHECK(s.rotation_rules.schedule_expression == "rate(4 hours)");
  CHECK(s.last_changed_ms == h.now_ms);
  CHECK(DescribeLabels(s) == std::string("v1 [AWSCURRENT], ") + kToken + " []");

  SECTION("a second cancellation, with no run, names no token") {
    REQUIRE(h.Apply(kRotation.Cancelled("")).ok());
    CHECK(h.Apply(kRotation.Cancelled(kToken)).code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a new AWSCURRENT version during a rotation abandons the run",
          "[projections][rotation]") {
  Harness h = WithSecret();
  REQUIRE(h.Apply(kRotation.Started({})).ok());
  PassStep(h, kStepCreateSecret);

  SECTION("filling the placeholder keeps the run") {
    REQUIRE(h.Apply(kOk.Put(kArn, {kToken, {kAwsPending}})).ok());
    CHECK(h.secret().rotation.has_value());
  }
  SECTION("a version with another label keeps the run") {
    REQUIRE(h.Apply(kOk.Put(kArn, {"v2", {"blue"}})).ok());
    CHECK(h.secret().rotation.has_value());
  }
  SECTION("PutSecretValue of a new current version") {
    REQUIRE(h.Apply(kOk.Put(kArn, {"v2"})).ok());
    CHECK(DescribeLabels(h.secret()) ==
          std::string("v1 [AWSPREVIOUS], ") + kToken + " [], v2 [AWSCURRENT]");
    CHECK_FALSE(h.secret().rotation.has_value());
    CHECK(h.secret().rotation_enabled);  // the configuration stays; the next run starts anew
    CHECK(h.Apply(kRotation.StepSucceeded(kStepSetSecret)).code() == StatusCode::kDataLoss);
  }
  SECTION("UpdateSecret with a new value") {
    REQUIRE(h.Apply(kOk.MetadataUpdated(kArn, "d", std::nullopt, VersionSpec{"v2"})).ok());
    CHECK_FALSE(h.secret().rotation.has_value());
  }
  SECTION("a failed run is abandoned the same way") {
    REQUIRE(h.Apply(kRotation.Requested(kStepSetSecret, h.now_ms)).ok());
    REQUIRE(h.Apply(kRotation.StepFailed(kStepSetSecret, "down")).ok());
    REQUIRE(h.Apply(kRotation.Failed(kStepSetSecret, 1, "down")).ok());
    REQUIRE(h.Apply(kOk.Put(kArn, {"v2"})).ok());
    CHECK_FALSE(h.secret().rotation.has_value());
  }
}

TEST_CASE("rotation events that contradict the run are DataLoss and change nothing",
          "[projections][rotation]") {
  Harness h = WithSecret();
  const std::string seq_prefix = "seq ";
  auto expect_data_loss = [&](const EventBytes& e, const std::string& message) {
    const SecretsView before = h.view;
    const uint64_t seq = h.seq;
    CHECK(h.Apply(e) == DataLossError(seq_prefix + std::to_string(seq) + ": " + message));
    CHECK(h.view.secrets() == before.secrets());
  };

  SECTION("no run") {
    expect_data_loss(kRotation.Requested(kStepCreateSecret, 0),
                     std::string("RotationStepRequested for ") + kArn + ", which has no rotation");
    expect_data_loss(kRotation.Cancelled(kToken), std::string("RotationCancelled for token '") +
                                                      kToken + "', not the run of " + kArn +
                                                      " ('')");
  }
  SECTION("an unknown secret") {
    expect_data_loss(kRotation.Started({}, std::string(kArn) + "x"),
                     std::string("RotationStarted for unknown secret ") + kArn + "x");
  }
  SECTION("a placeholder that is not the token or carries a value") {
    StartSpec with_value;
    with_value.placeholder_kind = ValueKind::kString;
    expect_data_loss(
        kRotation.Started(with_value),
        std::string("RotationStarted creates version ") + kToken + " of " + kArn + " with a value");
  }
  SECTION("a resumed run whose version has no AWSPENDING") {
    StartSpec resumed;
    resumed.placeholder = false;
    expect_data_loss(kRotation.Started(resumed), std::string("RotationStarted runs on version ") +
                                                     kToken + " of " + kArn +
                                                     ", which is not AWSPENDING");
  }
  SECTION("with a run in flight") {
    REQUIRE(h.Apply(kRotation.Started({})).ok());
    expect_data_loss(kRotation.Requested(kStepCreateSecret, 0, 1, "other"),
                     std::string("RotationStepRequested for token other, not the token ") + kToken +
                         " of the run of " + kArn);
    expect_data_loss(kRotation.Requested(kStepSetSecret, 0),
                     std::string("RotationStepRequested requests step setSecret of run ") + kToken +
                         " of " + kArn + ", which is at step 'createSecret'");
    expect_data_loss(kRotation.StepSucceeded(kStepCreateSecret),
                     std::string("RotationStepSucceeded for step createSecret of run ") + kToken +
                         " of " + kArn + ", which awaits no report of it");
    REQUIRE(h.Apply(kRotation.Requested(kStepCreateSecret, 0)).ok());
    expect_data_loss(kRotation.StepFailed(kStepSetSecret, "x"),
                     std::string("RotationStepFailed for step setSecret of run ") + kToken +
                         " of " + kArn + ", which awaits no report of it");
    expect_data_loss(kRotation.Succeeded("v1", 0), std::string("RotationSucceeded ends run ") +
                                                       kToken + " of " + kArn +
                                                       " at step 'createSecret' (test-only false)");
    expect_data_loss(kRotation.Cancelled(""),
                     std::string("RotationCancelled for token '', not the run of ") + kArn + " ('" +
                         kToken + "')");
  }
}

TEST_CASE("failed rotation calls and rotation reads change nothing", "[projections][rotation]") {
  Harness h = WithSecret();
  const RotationEvents refused("InvalidRequestException");
  const Secret before = h.secret();
  const EventBytes events[] = {refused.Started({}), refused.Cancelled("nothing"),
                               refused.Requested(kStepSetSecret, 0), kRotation.StatusRead(),
                               kRotation.Listed(3)};
  for (const EventBytes& e : events) {
    INFO(schema::EnumNameBody(e.event().body_type()));
    REQUIRE(h.Apply(e).ok());
    CHECK(h.touched.empty());
  }
  CHECK(h.secret() == before);
  CHECK(h.view.applied_seq() == h.seq);
}

TEST_CASE("a secret with rotation state round-trips through WriteTouched and Load",
          "[projections][rotation][persistence]") {
  Harness h = WithSecret();
  StartSpec spec;
  spec.rules = Rules{0, "cron(0 8 ? * MON-FRI *)", "3h"};
  spec.next_rotation_ms = kT0 + kDayMs;
  REQUIRE(h.Apply(kRotation.Started(spec)).ok());
  PassStep(h, kStepCreateSecret);
  REQUIRE(h.Apply(kRotation.Requested(kStepSetSecret, h.now_ms + 1234)).ok());
  REQUIRE(h.Apply(kRotation.StepFailed(kStepSetSecret, "bad \xff reason")).ok());
  REQUIRE(h.Apply(kRotation.Requested(kStepSetSecret, h.now_ms + 999, 2)).ok());

  auto store = Persist(h.view);
  const std::string entry = SecretEntry(*store);
  Result<SecretsView> loaded = SecretsView::Load(*store);
  REQUIRE(loaded.ok());
  CHECK(loaded->secrets() == h.view.secrets());
  const std::vector<uint8_t> oracle = json::to_cbor(json::from_cbor(entry));
  CHECK(std::string(oracle.begin(), oracle.end()) == entry);

  const json j = json::from_cbor(entry);
  REQUIRE(j.contains("rotation"));
  CHECK(j["rotation"]["rules"] ==
        json({{"duration", "3h"}, {"schedule_expression", "cron(0 8 ? * MON-FRI *)"}}));
  CHECK(j["rotation"]["run"]["step"] == kStepSetSecret);
  CHECK(j["rotation"]["run"]["attempts"] == 1);

  SECTION("after success and cancellation the member stays, without a run") {
    Harness done = AllStepsDone();
    REQUIRE(done.Apply(kRotation.Succeeded("v1", 0)).ok());
    REQUIRE(done.Apply(kRotation.Cancelled("")).ok());
    auto after = Persist(done.view);
    const json k = json::from_cbor(SecretEntry(*after));
    CHECK(k["rotation"] ==
          json({{"enabled", false},
                {"lambda_arn", kHandlerArn},
                {"last_rotated_ms", done.secret().last_rotated_ms},
                {"rules", {{"duration", "1h"}, {"schedule_expression", "rate(4 hours)"}}}}));
    Result<SecretsView> reloaded = SecretsView::Load(*after);
    REQUIRE(reloaded.ok());
    CHECK(reloaded->secrets() == done.view.secrets());
  }
  SECTION("a rotation member holding only defaults is not canonical") {
    Harness plain = WithSecret();
    auto plain_store = Persist(plain.view);
    ledger::WriteSet ws;
    ws.Put(ledger::Family::kState, std::string("secret/") + kArn,
           Reencoded(SecretEntry(*plain_store), [](json& k) {
             k["rotation"] = {{"enabled", false},
                              {"lambda_arn", ""},
                              {"last_rotated_ms", 0},
                              {"rules", json::object()}};
           }));
    REQUIRE(plain_store->Write(ws, false).ok());
    CHECK(LoadStatus(*plain_store) ==
          DataLossError(std::string("state entry secret/") + kArn + " is not in canonical form"));
  }
  SECTION("a run member of the wrong type is DataLoss") {
    ledger::WriteSet ws;
    ws.Put(ledger::Family::kState, std::string("secret/") + kArn,
           Reencoded(entry, [](json& k) { k["rotation"]["run"]["attempts"] = "many"; }));
    REQUIRE(store->Write(ws, false).ok());
    Status s = LoadStatus(*store);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Matchers::StartsWith(std::string("state entry secret/") + kArn));
  }
}

TEST_CASE("a secret that never rotated encodes to the bytes of the format before rotation",
          "[projections][rotation][persistence]") {
  Harness h = WithSecret();
  REQUIRE(h.Apply(kOk.Put(kArn, {"v2"})).ok());
  REQUIRE(h.Apply(kOk.Placeholder(kArn, "v3")).ok());
  REQUIRE(h.Apply(kOk.Tagged(kArn, {{"env", "prod"}})).ok());
  REQUIRE(h.Apply(kOk.ValueRead(kArn, "v2")).ok());
  REQUIRE(h.Apply(kRotation.StatusRead()).ok());
  auto store = Persist(h.view);
  CHECK(SecretEntry(*store) == PreRotationEntry(h.secret()));
  CHECK(json::from_cbor(SecretEntry(*store)).count("rotation") == 0);

  // And one that rotated does not (the oracle leaves the member out).
  Harness rotated = AllStepsDone();
  CHECK(SecretEntry(*Persist(rotated.view)) != PreRotationEntry(rotated.secret()));
}

namespace {

// A rotation history: a success, a failed run resumed and succeeding with the
// handler moving AWSCURRENT itself, an abandoned run, a test-only run, a
// cancellation with a run in flight, and reads and refusals between them.
std::vector<EventBytes> RotationHistory() {
  std::vector<EventBytes> e;
  const RotationEvents refused("InvalidRequestException");
  auto steps = [&](const std::string& token, std::vector<std::string> names) {
    for (const std::string& step : names) {
      e.push_back(kRotation.Requested(step, kT0 + kDayMs, 1, token));
      e.push_back(kRotation.StepSucceeded(step, token));
    }
  };
  e.push_back(kOk.LedgerInitialized("ledger-rot", "us-east-1", "123456789012", "mk"));
  e.push_back(kOk.Created(kArn, kName, VersionSpec{"v1"}));
  e.push_back(kOk.Created(std::string(kArn) + "-plain", "plain", VersionSpec{"p1"}));
  StartSpec first;
  first.next_rotation_ms = kT0 + kDayMs;
  e.push_back(kRotation.Started(first));
  e.push_back(refused.Started({}));
  steps(kToken, {kStepCreateSecret});
  e.push_back(kOk.Put(kArn, {kToken, {kAwsPending}}));
  steps(kToken, {kStepSetSecret, kStepTestSecret, kStepFinishSecret});
  e.push_back(kRotation.StatusRead());
  e.push_back(kRotation.Succeeded("v1", kT0 + 2 * kDayMs));

  StartSpec second;
  second.token = "tok-2";
  second.rules.reset();
  e.push_back(kRotation.Started(second));
  e.push_back(kRotation.Requested(kStepCreateSecret, kT0, 1, "tok-2"));
  e.push_back(kRotation.StepSucceeded(kStepCreateSecret, "tok-2"));
  e.push_back(kOk.Put(kArn, {"tok-2", {kAwsPending}}));
  e.push_back(kRotation.Requested(kStepSetSecret, kT0, 1, "tok-2"));
  e.push_back(kRotation.Listed(1));
  return e;
}

}  // namespace

TEST_CASE("replaying a rotation history from the log gives byte-identical state",
          "[projections][rotation][replay]") {
  std::vector<EventBytes> script = RotationHistory();
  LiveLedger live({"system:cairn", "Service", "cairn", "req", "cairn"});
  int64_t t = kT0;
  for (const EventBytes& e : script) live.Append(e, t += kHourMs);
  const size_t first_part = script.size();

  // The second run fails its setSecret, is resumed, and the handler finishes
  // with UpdateSecretVersionStage; then a new current version abandons a
  // third run; a test-only run passes; a fourth run is cancelled mid-way.
  std::vector<EventBytes> more;
  more.push_back(kRotation.StepFailed(kStepSetSecret, "connection refused", 1, false, "tok-2"));
  more.push_back(kRotation.Failed(kStepSetSecret, 1, "connection refused", "tok-2"));
  StartSpec resumed;
  resumed.token = "tok-2";
  resumed.placeholder = false;
  more.push_back(kRotation.Started(resumed));
  for (const char* step : {kStepCreateSecret, kStepSetSecret, kStepTestSecret, kStepFinishSecret}) {
    more.push_back(kRotation.Requested(step, kT0, 1, "tok-2"));
    if (std::string(step) == kStepFinishSecret) {
      more.push_back(kOk.StageUpdated(kArn, kAwsCurrent, kToken, "tok-2"));
    }
    more.push_back(kRotation.StepSucceeded(step, "tok-2"));
  }
  more.push_back(kRotation.Succeeded("", kT0 + 3 * kDayMs, false, "tok-2"));
  StartSpec third;
  third.token = "tok-3";
  more.push_back(kRotation.Started(third));
  more.push_back(kOk.Put(kArn, {"v9"}));  // abandons tok-3
  StartSpec test_only;
  test_only.token = "v9";
  test_only.placeholder = false;
  test_only.test_only = true;
  more.push_back(kRotation.Started(test_only));
  more.push_back(kRotation.Requested(kStepTestSecret, kT0, 1, "v9"));
  more.push_back(kRotation.StepSucceeded(kStepTestSecret, "v9"));
  more.push_back(kRotation.Succeeded("", 0, true, "v9"));
  StartSpec fourth;
  fourth.token = "tok-4";
  more.push_back(kRotation.Started(fourth));
  more.push_back(kRotation.Requested(kStepCreateSecret, kT0, 1, "tok-4"));
  more.push_back(kRotation.Cancelled("tok-4"));
  for (const EventBytes& e : more) live.Append(e, t += kHourMs);

  const auto entries = StateEntries(live.store());
  Result<ReplayResult> replayed = Replay(live.store());
  REQUIRE(replayed.ok());
  CHECK(replayed->records == first_part + more.size());
  CHECK(replayed->state_entries == entries);
  CHECK(replayed->views.secrets.secrets() == live.views.secrets.secrets());

  // The history must have exercised what it is meant to test.
  const Secret& s = *live.views.secrets.FindByArn(kArn);
  CHECK(DescribeLabels(s) == std::string("v1 [], ") + kToken +
                                 " [], tok-2 [AWSPREVIOUS], tok-3 [], v9 [AWSCURRENT], "
                                 "tok-4 []");  // the cancellation took AWSPENDING off
  CHECK_FALSE(s.rotation_enabled);
  CHECK(s.last_rotated_ms != 0);
  const std::string plain_key = std::string("secret/") + kArn + "-plain";
  REQUIRE(entries.count(plain_key) == 1);
  CHECK(json::from_cbor(entries.at(plain_key)).count("rotation") == 0);

  SECTION("a replay that stops mid-rotation sees the run in flight") {
    ReplayLimit limit;
    limit.until_seq = first_part;
    Result<ReplayResult> early = Replay(live.store(), limit);
    REQUIRE(early.ok());
    const Secret* mid = early->views.secrets.FindByArn(kArn);
    REQUIRE(mid != nullptr);
    REQUIRE(mid->rotation.has_value());
    CHECK(mid->rotation->token == "tok-2");
    CHECK(mid->rotation->step == kStepSetSecret);
    CHECK(mid->rotation->step_requested);
  }
}

}  // namespace cairn::projections::testing
