// DeleteSecret and RestoreSecret (API reference §2.10-2.11, deletion §3.5).
// A forced delete schedules the purge for now; DecideMaintenance carries it
// out on the engine's next maintenance pass.
#include <optional>

#include "service/internal/errors.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr int64_t kDefaultRecoveryWindowDays = 30;

// ForceDeleteWithoutRecovery of a secret that does not exist: success (§3.5).
Outcome ForceDeleteAbsent(const OpContext& ctx, const std::string& secret_id) {
  Outcome out;
  SetUnchanged(out, secret_id, "", "absent");
  if (secret_id.starts_with("arn:")) out.response["ARN"] = secret_id;
  out.response["Name"] = NameFromSecretId(secret_id);
  out.response["DeletionDate"] = EpochSeconds(ctx.env.now_ms);
  return out;
}

}  // namespace

Result<Outcome> DeleteSecret(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  ASSIGN_OR_RETURN(std::optional<int64_t> window,
                   p.Int("RecoveryWindowInDays", INT64_MIN, INT64_MAX));
  ASSIGN_OR_RETURN(std::optional<bool> force, p.Bool("ForceDeleteWithoutRecovery"));
  if (window.has_value() && force.value_or(false)) {
    return InvalidArgumentError(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  if (window.has_value() && (*window < 7 || *window > 30)) {
    return InvalidArgumentError(
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  }
  Result<const projections::Secret*> found = ResolveSecret(ctx.state, secret_id);
  if (!found.ok() && force.value_or(false) && found.status().code() == StatusCode::kNotFound) {
    return ForceDeleteAbsent(ctx, secret_id);
  }
  if (!found.ok()) return found.status();
  const projections::Secret* secret = *found;
  ctx.resource = secret->arn;
  if (secret->scheduled_for_deletion() && !force.value_or(false)) {
    return FailedPreconditionError(kMarkedForDeletionMessage);
  }
  int32_t days =
      force.value_or(false) ? 0 : static_cast<int32_t>(window.value_or(kDefaultRecoveryWindowDays));
  int64_t deletion_date = ctx.env.now_ms + days * kDayMs;

  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  out.SetBody(schema::CreateSecretDeletionScheduled(out.fbb, arn, deletion_date, days));
  out.response = {
      {"ARN", secret->arn}, {"Name", secret->name}, {"DeletionDate", EpochSeconds(deletion_date)}};
  return out;
}

Result<Outcome> RestoreSecret(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  if (secret->scheduled_for_deletion() && secret->deletion_forced) {
    // No recovery window, no recovery: the purge only waits for the next maintenance pass.
    return FailedPreconditionError(
        "You can't restore the secret because it was deleted with ForceDeleteWithoutRecovery.");
  }
  Outcome out;
  if (secret->scheduled_for_deletion()) {
    out.SetBody(schema::CreateSecretRestored(out.fbb, out.fbb.CreateString(secret->arn)));
  } else {
    SetUnchanged(out, secret->arn, "", "not-scheduled");
  }
  out.response = {{"ARN", secret->arn}, {"Name", secret->name}};
  return out;
}

}  // namespace cairn::service::internal
