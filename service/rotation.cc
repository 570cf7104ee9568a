#include "service/rotation.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "crypto/hash.h"
#include "service/internal/outcome.h"
#include "service/internal/rotation_start.h"
#include "service/schedule.h"

namespace cairn::service {
namespace {

using internal::Outcome;

constexpr std::string_view kArnPrefix = "arn:";

bool IsHandlerName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::vector<std::string_view> SplitColons(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(
        text.substr(start, colon == std::string_view::npos ? text.npos : colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

// The wait after the n-th failed attempt (n >= 1): base * 2^(n-1), at most max.
int64_t Backoff(const RotationPolicy& policy, uint32_t failures) {
  int64_t wait = policy.backoff_base_ms;
  for (uint32_t i = 1; i < failures && wait < policy.backoff_max_ms; ++i) wait *= 2;
  return std::min(wait, policy.backoff_max_ms);
}

Decision StepRequested(const projections::Secret& secret, const projections::RotationRun& run,
                       const DecideEnv& env, const RotationPolicy& policy) {
  Outcome out;
  auto arn = out.fbb.CreateString(secret.arn);
  auto token = out.fbb.CreateString(run.token);
  auto handler = out.fbb.CreateString(run.handler);
  auto step = out.fbb.CreateString(run.step);
  out.SetBody(schema::CreateRotationStepRequested(
      out.fbb, arn, token, handler, step, run.attempts + 1, env.now_ms + policy.step_timeout_ms));
  return internal::ServiceEventDecision(std::move(out), secret.arn);
}

Decision StepTimedOut(const projections::Secret& secret, const projections::RotationRun& run,
                      const RotationPolicy& policy) {
  Outcome out;
  const std::string reason = "The handler " + run.handler + " did not report step " + run.step +
                             " within " + std::to_string(policy.step_timeout_ms / 1000) +
                             " seconds.";
  auto arn = out.fbb.CreateString(secret.arn);
  auto token = out.fbb.CreateString(run.token);
  auto step = out.fbb.CreateString(run.step);
  auto why = out.fbb.CreateString(reason);
  out.SetBody(schema::CreateRotationStepFailed(out.fbb, arn, token, step, run.attempts + 1, why,
                                               /*timed_out=*/true));
  return internal::ServiceEventDecision(std::move(out), secret.arn);
}

Decision RunFailed(const projections::Secret& secret, const projections::RotationRun& run,
                   const std::string& step, const std::string& reason) {
  Outcome out;
  auto arn = out.fbb.CreateString(secret.arn);
  auto token = out.fbb.CreateString(run.token);
  auto s = out.fbb.CreateString(step);
  auto why = out.fbb.CreateString(reason);
  out.SetBody(schema::CreateRotationFailed(out.fbb, arn, token, s, run.attempts, why));
  return internal::ServiceEventDecision(std::move(out), secret.arn);
}

// Every step succeeded: AWSCURRENT moves to the token's version (unless
// test-only), which must hold a value; NextRotationDate counts from now.
Decision RunSucceeded(const projections::Secret& secret, const projections::RotationRun& run,
                      const DecideEnv& env) {
  std::string previous;
  int64_t next_ms = secret.next_rotation_ms.value_or(0);
  if (!run.test_only) {
    const projections::Version* pending = secret.FindVersion(run.token);
    if (pending == nullptr || pending->kind == projections::ValueKind::kNone) {
      return RunFailed(secret, run, projections::kStepFinishSecret,
                       "Version " + run.token + " has no value; AWSCURRENT stays where it is.");
    }
    const projections::Version* current = secret.VersionWithStage(projections::kAwsCurrent);
    if (current != nullptr && current->version_id != run.token) previous = current->version_id;
    Result<std::optional<int64_t>> next =
        internal::NextRotationMs(secret.rotation_rules, env.now_ms);
    next_ms = next.ok() ? next->value_or(0) : 0;
  }
  Outcome out;
  auto arn = out.fbb.CreateString(secret.arn);
  auto token = out.fbb.CreateString(run.token);
  auto prev = out.fbb.CreateString(previous);
  out.SetBody(schema::CreateRotationSucceeded(out.fbb, arn, token, prev, next_ms, run.test_only));
  return internal::ServiceEventDecision(std::move(out), secret.arn);
}

// The orchestrator's decision for a run in progress, if one is due.
std::optional<Decision> DecideRunStep(const projections::Secret& secret,
                                      const projections::RotationRun& run, const DecideEnv& env,
                                      const RotationPolicy& policy) {
  if (run.step.empty()) return RunSucceeded(secret, run, env);
  if (run.step_requested) {
    if (env.now_ms > run.step_deadline_ms) return StepTimedOut(secret, run, policy);
    return std::nullopt;
  }
  if (run.attempts >= policy.max_attempts) {
    return RunFailed(secret, run, run.step,
                     "Step " + run.step + " failed " + std::to_string(run.attempts) +
                         " times: " + run.last_error);
  }
  if (run.attempts == 0 || env.now_ms >= run.last_failure_ms + Backoff(policy, run.attempts)) {
    return StepRequested(secret, run, env, policy);
  }
  return std::nullopt;
}

// A secret's offset into its window: a hash of the ARN, within the first
// quarter of the window, so secrets sharing a schedule do not start together.
int64_t Jitter(const std::string& arn, int64_t window_ms) {
  const crypto::Digest d = crypto::Sha256(crypto::AsBytes(arn));
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | d[i];
  const uint64_t span = static_cast<uint64_t>(std::max<int64_t>(1, window_ms / 4));
  return static_cast<int64_t>(h % span);
}

// A scheduled start that is due, before its token is drawn.
struct DueStart {
  int64_t due_ms = 0;
  const projections::Secret* secret = nullptr;
  internal::RotationStart start;
};

// The scheduled start of `secret` due at or before now, if it can start: a
// handler, a value to rotate from, and AWSPENDING either where a rotation may
// begin or on a failed run's version (resumed).
std::optional<DueStart> ScheduledStart(const projections::Secret& secret, const DecideEnv& env) {
  if (!secret.rotation_enabled || !secret.next_rotation_ms.has_value()) return std::nullopt;
  if (secret.rotation_rules.empty() || !internal::HasCurrentValue(secret)) return std::nullopt;
  Result<RotationSchedule> schedule = RotationSchedule::Parse(secret.rotation_rules);
  Result<std::string> handler = RotationHandlerName(secret.rotation_lambda_arn);
  if (!schedule.ok() || !handler.ok()) return std::nullopt;
  DueStart due;
  due.due_ms = *secret.next_rotation_ms + Jitter(secret.arn, schedule->duration_ms());
  if (due.due_ms > env.now_ms) return std::nullopt;
  due.secret = &secret;
  due.start.rotation_lambda_arn = secret.rotation_lambda_arn;
  due.start.handler = std::move(handler).value();
  due.start.next_rotation_ms = schedule->NextWindow(env.now_ms).start_ms;
  due.start.scheduled = true;
  if (internal::PendingElsewhere(secret) != nullptr) {
    const projections::RotationRun* failed = internal::ResumableRun(secret);
    if (failed == nullptr)
      return std::nullopt;  // AWSPENDING placed by hand: a person must clear it
    due.start.resumed = true;
    due.start.token = failed->token;
  }
  return due;
}

// The starts due, earliest first, at most max_starts_per_call, by ARN.
std::vector<std::pair<std::string, Decision>> DecideStarts(std::vector<DueStart> due,
                                                           DecideEnv& env,
                                                           const RotationPolicy& policy) {
  std::sort(due.begin(), due.end(), [](const DueStart& a, const DueStart& b) {
    return a.due_ms != b.due_ms ? a.due_ms < b.due_ms : a.secret->arn < b.secret->arn;
  });
  if (due.size() > policy.max_starts_per_call) due.resize(policy.max_starts_per_call);
  std::sort(due.begin(), due.end(),
            [](const DueStart& a, const DueStart& b) { return a.secret->arn < b.secret->arn; });
  std::vector<std::pair<std::string, Decision>> decisions;
  for (DueStart& d : due) {
    if (!d.start.resumed) d.start.token = crypto::NewUuidV4(*env.rng);
    Outcome out;
    if (!internal::SetRotationStarted(*d.secret, d.start, env, out).ok())
      continue;  // quota: left for a person
    decisions.emplace_back(d.secret->arn, internal::ServiceEventDecision(std::move(out), d.secret->arn));
  }
  return decisions;
}

}  // namespace

Result<std::string> RotationHandlerName(std::string_view rotation_lambda_arn) {
  std::string_view name = rotation_lambda_arn;
  if (rotation_lambda_arn.starts_with(kArnPrefix)) {
    std::vector<std::string_view> parts = SplitColons(rotation_lambda_arn);
    if (parts.size() != 7 || parts[1].empty() || parts[2] != "lambda" || parts[5] != "function") {
      return InvalidArgumentError(
          "Invalid RotationLambdaARN: an ARN must be "
          "arn:<partition>:lambda:<region>:<account>:function:<name>");
    }
    name = parts[6];
  }
  if (!IsHandlerName(name)) {
    return InvalidArgumentError(
        "Invalid RotationLambdaARN: the handler name must be 1-64 characters of A-Z, a-z, 0-9, _, "
        ". and -");
  }
  return std::string(name);
}

std::string NextRotationStep(const projections::RotationRun& run) {
  if (run.test_only) return "";
  static constexpr const char* kSteps[] = {
      projections::kStepCreateSecret, projections::kStepSetSecret, projections::kStepTestSecret,
      projections::kStepFinishSecret};
  for (size_t i = 0; i + 1 < std::size(kSteps); ++i) {
    if (run.step == kSteps[i]) return kSteps[i + 1];
  }
  return "";
}

std::vector<Decision> DecideRotations(const projections::SecretsView& state, DecideEnv& env,
                                      const RotationPolicy& policy) {
  std::vector<std::pair<std::string, Decision>> by_arn;
  std::vector<DueStart> due;
  for (const auto& [arn, secret] : state.secrets()) {
    if (secret.scheduled_for_deletion()) continue;
    if (secret.rotation.has_value() && !secret.rotation->failed) {
      std::optional<Decision> d = DecideRunStep(secret, *secret.rotation, env, policy);
      if (d.has_value()) by_arn.emplace_back(arn, std::move(*d));
      continue;
    }
    if (env.rng == nullptr) continue;  // no token source: no starts
    std::optional<DueStart> start = ScheduledStart(secret, env);
    if (start.has_value()) due.push_back(std::move(*start));
  }
  for (auto& start : DecideStarts(std::move(due), env, policy)) by_arn.push_back(std::move(start));
  std::stable_sort(by_arn.begin(), by_arn.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Decision> decisions;
  decisions.reserve(by_arn.size());
  for (auto& [arn, d] : by_arn) decisions.push_back(std::move(d));
  return decisions;
}

}  // namespace cairn::service
