// Secret expiry (service/internal/expiry.h): PutSecretExpiry, the check the
// reads make, DescribeSecret's Expiry and the maintenance pass's events.
#include "service/internal/expiry.h"

#include <optional>

#include "service/cloudtrail.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr char kExpiryMembers[] = "ExpiresAfterDays, ExpirationDate or Clear";

struct ExpiryRequest {
  std::optional<int64_t> after_days;
  std::optional<int64_t> date_ms;
  bool clear = false;
  int32_t warning_days = kDefaultExpiryWarningDays;
};

Result<ExpiryRequest> ReadExpiryRequest(const Params& p) {
  ExpiryRequest r;
  ASSIGN_OR_RETURN(r.after_days, p.Int("ExpiresAfterDays", 1, 3650));
  ASSIGN_OR_RETURN(r.date_ms, p.Time("ExpirationDate"));
  ASSIGN_OR_RETURN(std::optional<bool> clear, p.Bool("Clear"));
  ASSIGN_OR_RETURN(std::optional<int64_t> warning, p.Int("WarningDays", 0, 365));
  r.clear = clear.value_or(false);
  if (clear.has_value() && !*clear) {
    return InvalidArgumentError("Invalid Clear: only true is meaningful (omit it to set an expiry)");
  }
  const int given = (r.after_days ? 1 : 0) + (r.date_ms ? 1 : 0) + (r.clear ? 1 : 0);
  if (given != 1) {
    return InvalidArgumentError(std::string("You must provide exactly one of ") + kExpiryMembers + ".");
  }
  if (r.clear && warning.has_value()) {
    return InvalidArgumentError("WarningDays can't be combined with Clear.");
  }
  if (warning.has_value()) r.warning_days = static_cast<int32_t>(*warning);
  return r;
}

}  // namespace

std::optional<CurrentExpiry> ExpiryOfCurrent(const projections::Secret& secret,
                                             const projections::SecretExpiry& expiry) {
  const projections::Version* current = secret.VersionWithStage(projections::kAwsCurrent);
  if (current == nullptr || current->kind == projections::ValueKind::kNone) return std::nullopt;
  std::optional<int64_t> at = expiry.ExpiresAt(*current);
  if (!at) return std::nullopt;
  return CurrentExpiry{current, *at};
}

std::optional<CurrentExpiry> ExpiryOfCurrent(const projections::Secret& secret) {
  if (!secret.expiry) return std::nullopt;
  return ExpiryOfCurrent(secret, *secret.expiry);
}

Status CheckNotExpired(const projections::Secret& secret, const projections::Version& version,
                       int64_t now_ms) {
  std::optional<CurrentExpiry> expiry = ExpiryOfCurrent(secret);
  if (!expiry || expiry->version != &version || now_ms < expiry->expires_ms) return Status::Ok();
  return FailedPreconditionError("The AWSCURRENT value of secret " + secret.name + " (version " +
                                 version.version_id + ") expired at " + IsoTime(expiry->expires_ms) +
                                 ". Rotate the secret or put a new value; AWSPREVIOUS stays readable.");
}

Json ExpiryJson(const projections::Secret& secret, const projections::SecretExpiry& e) {
  Json j = Json::object();
  if (e.expires_after_days > 0) {
    j["ExpiresAfterDays"] = e.expires_after_days;
  } else {
    j["VersionId"] = e.version_id;
  }
  std::optional<CurrentExpiry> current = ExpiryOfCurrent(secret, e);
  if (current) {
    j["ExpirationDate"] = EpochSeconds(current->expires_ms);
  } else if (e.expires_after_days == 0) {
    j["ExpirationDate"] = EpochSeconds(e.expiration_ms);  // a version no longer current
  }
  j["WarningDays"] = e.warning_days;
  if (current) {
    j["WarningSent"] = e.warned_version_id == current->version->version_id;
    j["Expired"] = e.expired_version_id == current->version->version_id;
  }
  return j;
}

std::vector<Decision> DecideExpiry(const projections::SecretsView& state, const DecideEnv& env) {
  std::vector<Decision> decisions;
  for (const auto& [arn, secret] : state.secrets()) {
    if (secret.scheduled_for_deletion()) continue;
    std::optional<CurrentExpiry> expiry = ExpiryOfCurrent(secret);
    if (!expiry) continue;
    const std::string& id = expiry->version->version_id;
    const bool expired = env.now_ms >= expiry->expires_ms;
    const bool warn = env.now_ms >= expiry->expires_ms - secret.expiry->warning_days * kDayMs;
    Outcome out;
    auto a = out.fbb.CreateString(arn);
    auto v = out.fbb.CreateString(id);
    if (expired && secret.expiry->expired_version_id != id) {
      out.SetBody(schema::CreateSecretExpired(out.fbb, a, v, expiry->expires_ms));
    } else if (!expired && warn && secret.expiry->warned_version_id != id) {
      out.SetBody(schema::CreateSecretExpiryWarning(out.fbb, a, v, expiry->expires_ms));
    } else {
      continue;
    }
    decisions.push_back(ServiceEventDecision(std::move(out), arn));
  }
  return decisions;
}

Result<Outcome> PutSecretExpiry(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(ExpiryRequest r, ReadExpiryRequest(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;

  std::string version_id;
  if (r.date_ms) {
    if (*r.date_ms <= ctx.env.now_ms) {
      return InvalidArgumentError("Invalid ExpirationDate: it must be in the future (it is " +
                                  IsoTime(*r.date_ms) + ").");
    }
    const projections::Version* current = secret->VersionWithStage(projections::kAwsCurrent);
    if (current == nullptr || current->kind == projections::ValueKind::kNone) {
      return FailedPreconditionError("Secret " + secret->name +
                                     " has no AWSCURRENT value for an ExpirationDate to apply to.");
    }
    version_id = current->version_id;
  }
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto version = out.fbb.CreateString(version_id);
  out.SetBody(schema::CreateSecretExpirySet(out.fbb, arn, static_cast<int32_t>(r.after_days.value_or(0)),
                                            r.date_ms.value_or(0), version, r.clear ? 0 : r.warning_days,
                                            r.clear));
  // The response shows the expiry as it will be (the event is applied after Decide).
  out.response = SecretRef(*secret);
  if (!r.clear) {
    const projections::SecretExpiry after{static_cast<int32_t>(r.after_days.value_or(0)),
                                          r.date_ms.value_or(0), version_id, r.warning_days, "", ""};
    out.response["Expiry"] = ExpiryJson(*secret, after);
  }
  return out;
}

}  // namespace cairn::service::internal
