// Rotation operations (service/rotation.h; API reference §2.12, §2.13, §3.6):
// RotateSecret and CancelRotateSecret as AWS has them, and Cairn's own
// ReportRotationStep (the handler's report), GetRotationStatus and
// ListRotations. The orchestrator that requests the steps is DecideRotations.
#include <optional>

#include "service/internal/authorize.h"
#include "service/internal/errors.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/rotation_start.h"
#include "service/internal/validate.h"
#include "service/rotation.h"
#include "service/schedule.h"

namespace cairn::service::internal {
namespace {

constexpr char kNoHandlerMessage[] =
    "No Lambda rotation function ARN is associated with this secret.";
constexpr char kSucceeded[] = "Succeeded";
constexpr char kFailed[] = "Failed";

// RotationRules: a RotationRulesType checked by the schedule's rules; an empty
// object counts as not given (the stored rules stay).
Result<std::optional<projections::RotationRules>> ReadRotationRules(const Params& p) {
  const Json* j = p.Find("RotationRules");
  if (j == nullptr) return std::optional<projections::RotationRules>();
  if (!j->is_object()) return InvalidArgumentError("Invalid RotationRules: must be an object");
  const Params members(*j);
  projections::RotationRules rules;
  ASSIGN_OR_RETURN(rules.automatically_after_days, members.Int("AutomaticallyAfterDays", 1, 1000));
  ASSIGN_OR_RETURN(rules.schedule_expression, members.String("ScheduleExpression", 1, 256));
  ASSIGN_OR_RETURN(rules.duration, members.String("Duration", 2, 3));
  if (rules.empty()) return std::optional<projections::RotationRules>();
  RETURN_IF_ERROR(RotationSchedule::Parse(rules).status());
  return std::optional<projections::RotationRules>(std::move(rules));
}

// Cairn rotates through handlers only; AWS's managed external rotation has no counterpart.
Status RejectExternalRotation(const Params& p) {
  for (const char* member : {"ExternalSecretRotationMetadata", "ExternalSecretRotationRoleArn"}) {
    if (p.Has(member)) {
      return FailedPreconditionError(
          std::string(member) +
          " is not supported: Cairn has no managed external secret rotation.");
    }
  }
  return Status::Ok();
}

struct RotateRequest {
  std::string token;
  std::optional<std::string> lambda_arn;  // a non-empty RotationLambdaARN
  std::optional<projections::RotationRules> rules;
  bool immediately = true;
};

// The call that started the run in progress, again: its token, or (a
// test-only run, whose token is the AWSCURRENT version's) another test-only call.
bool IsReplay(const projections::Secret& secret, const RotateRequest& r) {
  if (!secret.rotation.has_value() || secret.rotation->failed) return false;
  return secret.rotation->test_only ? !r.immediately : secret.rotation->token == r.token;
}

// Whether `secret` may start a run now; sets `start.token`/`resumed` for the
// run it starts (a fresh placeholder, the AWSCURRENT version when test-only,
// or a failed run taken up again).
Status CheckStart(const projections::Secret& secret, const RotateRequest& r, RotationStart& start) {
  if (!HasCurrentValue(secret)) {
    return FailedPreconditionError("You can't rotate secret " + secret.name +
                                   " because it has no AWSCURRENT value to rotate from.");
  }
  if (secret.rotation.has_value() && !secret.rotation->failed) {
    return FailedPreconditionError(kPreviousRotationIncompleteMessage);
  }
  if (PendingElsewhere(secret) != nullptr) {
    const projections::RotationRun* failed = ResumableRun(secret);
    if (failed == nullptr || !r.immediately)
      return FailedPreconditionError(kPreviousRotationIncompleteMessage);
    start.token = failed->token;
    start.resumed = true;
    return Status::Ok();
  }
  if (!r.immediately) {
    start.token = secret.VersionWithStage(projections::kAwsCurrent)->version_id;
    start.test_only = true;
    return Status::Ok();
  }
  if (secret.FindVersion(r.token) != nullptr) {
    return FailedPreconditionError(
        "You can't use ClientRequestToken " + r.token +
        " because that value is already in use for a version of secret " + secret.arn + ".");
  }
  start.token = r.token;
  return Status::Ok();
}

Json RotationResponse(const projections::Secret& secret, const std::string& version_id) {
  Json j = SecretRef(secret);
  if (!version_id.empty()) j["VersionId"] = version_id;
  return j;
}

// The run of `secret` as GetRotationStatus shows it.
Json RunJson(const projections::RotationRun& run) {
  Json j = Json::object();
  j["ClientRequestToken"] = run.token;
  j["Handler"] = run.handler;
  j["State"] = run.failed ? "Failed" : "InProgress";
  j["Step"] = run.step;
  j["StepRequested"] = run.step_requested;
  j["Attempts"] = run.attempts;
  if (!run.last_error.empty()) j["LastError"] = run.last_error;
  j["StartedDate"] = EpochSeconds(run.started_ms);
  if (run.step_requested_ms != 0) j["StepRequestedDate"] = EpochSeconds(run.step_requested_ms);
  if (run.step_deadline_ms != 0) j["StepDeadline"] = EpochSeconds(run.step_deadline_ms);
  j["TestOnly"] = run.test_only;
  return j;
}

// The check a report must pass: the run in progress, its token, the step
// requested and not yet reported, before its deadline.
Status CheckReport(const projections::Secret& secret, const std::string& token,
                   const std::string& step, int64_t now_ms) {
  const std::optional<projections::RotationRun>& run = secret.rotation;
  if (!run.has_value() || run->failed) {
    return FailedPreconditionError("Secret " + secret.name + " has no rotation in progress.");
  }
  if (run->token != token) {
    return FailedPreconditionError("ClientRequestToken " + token +
                                   " is not the token of the rotation in progress of secret " +
                                   secret.name + ".");
  }
  if (run->step != step || !run->step_requested) {
    return FailedPreconditionError("Step " + step + " of rotation " + token +
                                   " is not awaiting a report (the rotation is at step " +
                                   (run->step.empty() ? "<done>" : run->step) +
                                   (run->step_requested ? ", requested)." : ", not requested)."));
  }
  if (now_ms > run->step_deadline_ms) {
    return FailedPreconditionError("Step " + step + " of rotation " + token +
                                   " timed out before this report; it will be requested again.");
  }
  return Status::Ok();
}

// What the service can see of a reported success: createSecret must leave a
// value in the pending version. Empty if the success stands, else the reason.
std::string RefuteSuccess(const projections::Secret& secret, const projections::RotationRun& run,
                          const std::string& step) {
  if (run.test_only || step != projections::kStepCreateSecret) return "";
  const projections::Version* pending = secret.FindVersion(run.token);
  if (pending != nullptr && pending->kind != projections::ValueKind::kNone) return "";
  return "createSecret reported success, but version " + run.token + " holds no value.";
}

}  // namespace

Result<Outcome> RotateSecret(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<std::string> token, ReadClientRequestToken(p));
  ASSIGN_OR_RETURN(std::optional<std::string> lambda_arn, p.String("RotationLambdaARN", 0, 2048));
  ASSIGN_OR_RETURN(std::optional<bool> immediately, p.Bool("RotateImmediately"));
  RotateRequest r;
  ASSIGN_OR_RETURN(r.rules, ReadRotationRules(p));
  RETURN_IF_ERROR(RejectExternalRotation(p));
  RotationStart start;
  if (lambda_arn.has_value() && !lambda_arn->empty()) {
    ASSIGN_OR_RETURN(start.handler, RotationHandlerName(*lambda_arn));
    r.lambda_arn = std::move(lambda_arn);
  }
  if (!token.has_value()) return FailedPreconditionError(kMissingTokenMessage);
  r.token = *token;
  r.immediately = immediately.value_or(true);
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;

  if (IsReplay(*secret, r)) {
    Outcome out;
    SetUnchanged(out, secret->arn, secret->rotation->token, "replay");
    out.response = RotationResponse(*secret, secret->rotation->token);
    return out;
  }
  start.rotation_lambda_arn = r.lambda_arn.value_or(secret->rotation_lambda_arn);
  if (start.rotation_lambda_arn.empty()) return FailedPreconditionError(kNoHandlerMessage);
  if (!r.lambda_arn.has_value()) {
    ASSIGN_OR_RETURN(start.handler, RotationHandlerName(start.rotation_lambda_arn));
  }
  RETURN_IF_ERROR(CheckStart(*secret, r, start));
  start.rules = r.rules;
  const int64_t last_ms = secret->last_rotated_ms != 0 ? secret->last_rotated_ms : ctx.env.now_ms;
  ASSIGN_OR_RETURN(start.next_rotation_ms,
                   NextRotationMs(r.rules.value_or(secret->rotation_rules), last_ms));

  Outcome out;
  RETURN_IF_ERROR(SetRotationStarted(*secret, start, ctx.env, out));
  out.response = RotationResponse(*secret, start.token);
  return out;
}

Result<Outcome> CancelRotateSecret(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  const std::string token = secret->rotation.has_value() ? secret->rotation->token : "";
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  out.SetBody(schema::CreateRotationCancelled(out.fbb, arn, out.fbb.CreateString(token)));
  // A test-only run's token is the AWSCURRENT version: nothing to clean up.
  const bool placeholder = secret->rotation.has_value() && !secret->rotation->test_only;
  out.response = RotationResponse(*secret, placeholder ? token : "");
  return out;
}

Result<Outcome> ReportRotationStep(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::string token, p.RequiredString("ClientRequestToken", 32, 64));
  ASSIGN_OR_RETURN(std::string step, p.RequiredString("Step", 1, 64));
  ASSIGN_OR_RETURN(std::string status, p.RequiredString("Status", 1, 16));
  ASSIGN_OR_RETURN(std::optional<std::string> message, p.String("Message", 0, 1024));
  if (step != projections::kStepCreateSecret && step != projections::kStepSetSecret &&
      step != projections::kStepTestSecret && step != projections::kStepFinishSecret) {
    return InvalidArgumentError(
        "Invalid Step: must be createSecret, setSecret, testSecret or finishSecret");
  }
  if (status != kSucceeded && status != kFailed) {
    return InvalidArgumentError("Invalid Status: must be Succeeded or Failed");
  }
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  RETURN_IF_ERROR(CheckReport(*secret, token, step, ctx.env.now_ms));

  const projections::RotationRun& run = *secret->rotation;
  std::string reason;
  if (status == kFailed) {
    reason = message.has_value() && !message->empty() ? *message
                                                      : "The handler reported the step failed.";
  } else {
    reason = RefuteSuccess(*secret, run, step);
  }
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto t = out.fbb.CreateString(token);
  auto s = out.fbb.CreateString(step);
  if (reason.empty()) {
    out.SetBody(schema::CreateRotationStepSucceeded(out.fbb, arn, t, s));
  } else {
    out.SetBody(schema::CreateRotationStepFailed(
        out.fbb, arn, t, s, run.attempts + 1, out.fbb.CreateString(reason), /*timed_out=*/false));
  }
  out.response = SecretRef(*secret);
  out.response["ClientRequestToken"] = token;
  out.response["Step"] = step;
  out.response["Status"] = reason.empty() ? kSucceeded : kFailed;
  if (status == kSucceeded && !reason.empty()) out.response["Message"] = reason;
  return out;
}

Result<Outcome> GetRotationStatus(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  Outcome out;
  out.SetBody(schema::CreateRotationStatusRead(out.fbb, out.fbb.CreateString(secret->arn)));
  out.response = SecretRef(*secret);
  Json& j = out.response;
  j["RotationEnabled"] = secret->rotation_enabled;
  if (!secret->rotation_lambda_arn.empty()) j["RotationLambdaARN"] = secret->rotation_lambda_arn;
  if (!secret->rotation_rules.empty())
    j["RotationRules"] = RotationRulesJson(secret->rotation_rules);
  if (secret->last_rotated_ms != 0) j["LastRotatedDate"] = EpochSeconds(secret->last_rotated_ms);
  if (secret->rotation_enabled && secret->next_rotation_ms.has_value())
    j["NextRotationDate"] = EpochSeconds(*secret->next_rotation_ms);
  if (secret->rotation.has_value()) j["Rotation"] = RunJson(*secret->rotation);
  return out;
}

Result<Outcome> ListRotations(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<std::string> handler, ctx.params.String("Handler", 1, 64));
  Json list = Json::array();
  for (const auto& [arn, secret] : ctx.state.secrets()) {
    if (!secret.rotation.has_value() || secret.scheduled_for_deletion()) continue;
    const projections::RotationRun& run = *secret.rotation;
    if (handler.has_value() && run.handler != *handler) continue;
    // Only the runs the caller may report on or read (service/access.h).
    if (!MayAccessSecret(ctx, "cairn:ReportRotationStep", secret) &&
        !MayAccessSecret(ctx, "cairn:GetRotationStatus", secret)) {
      continue;
    }
    Json entry = {{"ARN", arn},
                  {"Name", secret.name},
                  {"Handler", run.handler},
                  {"ClientRequestToken", run.token},
                  {"State", run.failed ? "Failed" : "InProgress"},
                  {"Step", run.step},
                  {"StepRequested", run.step_requested},
                  {"Attempt", run.step_requested ? run.attempts + 1 : run.attempts}};
    if (!run.last_error.empty()) entry["LastError"] = run.last_error;
    entry["StartedDate"] = EpochSeconds(run.started_ms);
    if (run.step_requested) entry["StepDeadline"] = EpochSeconds(run.step_deadline_ms);
    list.push_back(std::move(entry));
  }
  Outcome out;
  out.SetBody(schema::CreateRotationsListed(out.fbb, out.fbb.CreateString(handler.value_or("")),
                                            static_cast<uint32_t>(list.size())));
  out.response["Rotations"] = std::move(list);
  return out;
}

}  // namespace cairn::service::internal
