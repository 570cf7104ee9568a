// Secret expiry (Cairn's own; schema SecretExpirySet): an optional deadline on
// a secret's AWSCURRENT value, shared by PutSecretExpiry (op_expiry.cc), the
// reads that refuse an expired AWSCURRENT value (GetSecretValue,
// BatchGetSecretValue) and the maintenance pass that records the warning and
// the expiry as service events (DecideMaintenance, decide.cc).
//
//   PutSecretExpiry {SecretId, ExpiresAfterDays (1-3650) | ExpirationDate
//     (epoch seconds or "2026-12-31T00:00:00Z", in the future) | Clear (true),
//     WarningDays (0-365, default 7)} (cairn:PutSecretExpiry on the secret):
//     exactly one of the three. ExpiresAfterDays is a schedule: every
//     AWSCURRENT version expires that many days after it was created, so a
//     rotation (or any new current value) starts the clock again.
//     ExpirationDate fixes the date of the version AWSCURRENT is on now; once
//     another version is current it no longer applies. Response: {ARN, Name,
//     Expiry (as DescribeSecret shows it; absent after Clear)}.
//     Refusals: none or several of the three, a date not in the future, a
//     date on a secret without an AWSCURRENT value (InvalidParameterException
//     / InvalidRequestException), a secret scheduled for deletion.
//
// From the expiry on, reads of the AWSCURRENT version (by label or by its
// VersionId) fail with InvalidRequestException naming the secret, the version
// and the time; older versions (AWSPREVIOUS) stay readable, and a new current
// version (rotation, PutSecretValue) ends the refusal. The refusal is decided
// by the clock, not by the SecretExpired event, so it never waits for the
// maintenance pass.
#ifndef CAIRN_SERVICE_INTERNAL_EXPIRY_H_
#define CAIRN_SERVICE_INTERNAL_EXPIRY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"
#include "service/api.h"
#include "service/decide.h"

namespace cairn::service::internal {

inline constexpr int32_t kDefaultExpiryWarningDays = 7;

// The AWSCURRENT version of `secret` and when it expires; nullopt if it has no
// expiry, no AWSCURRENT value, or the expiry does not apply to it. The
// two-argument form judges `expiry` instead of secret.expiry (an expiry about
// to be set); `version` borrows from `secret`.
struct CurrentExpiry {
  const projections::Version* version = nullptr;
  int64_t expires_ms = 0;
};
std::optional<CurrentExpiry> ExpiryOfCurrent(const projections::Secret& secret);
std::optional<CurrentExpiry> ExpiryOfCurrent(const projections::Secret& secret,
                                             const projections::SecretExpiry& expiry);

// Ok, or the InvalidRequestException a read of `version` gets at `now_ms`
// because it is the AWSCURRENT version and has expired.
Status CheckNotExpired(const projections::Secret& secret, const projections::Version& version,
                       int64_t now_ms);

// DescribeSecret's "Expiry" of `secret` under `expiry` (its own, or the one
// PutSecretExpiry is about to set): {ExpiresAfterDays | (fixed date),
// ExpirationDate (of the AWSCURRENT version, if the expiry applies to it),
// WarningDays, VersionId (a fixed date's version), WarningSent, Expired (the
// service events recorded for the current version)}.
Json ExpiryJson(const projections::Secret& secret, const projections::SecretExpiry& expiry);

// The maintenance pass's expiry events at env.now_ms, once per version: a
// SecretExpiryWarning within the warning window, a SecretExpired at or after
// the expiry (alone, if both are due).
std::vector<Decision> DecideExpiry(const projections::SecretsView& state, const DecideEnv& env);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_EXPIRY_H_
