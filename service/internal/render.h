// AWS response shapes built from the projection (API reference §2.7, §2.24):
// members in the model's order, absent members omitted, dates as epoch seconds.
// The rotation members (§3.6.1): RotationEnabled once rotation was ever
// configured, RotationLambdaARN and RotationRules as stored (kept after
// CancelRotateSecret), LastRotatedDate after a success, NextRotationDate while
// rotation is enabled.
#ifndef CAIRN_SERVICE_INTERNAL_RENDER_H_
#define CAIRN_SERVICE_INTERNAL_RENDER_H_

#include <cstdint>
#include <string>

#include "projections/secrets.h"
#include "service/api.h"

namespace cairn::service::internal {

// Epoch seconds as a JSON number with millisecond precision (1523477145.713);
// whole seconds are written as integers.
Json EpochSeconds(int64_t ms);

// {ARN, Name}: the secret a response is about.
Json SecretRef(const projections::Secret& secret);

// A version's labels, sorted.
Json StagesJson(const projections::Version& version);

// {version id: [labels]} for the labelled versions; null if there are none.
Json VersionsToStages(const projections::Secret& secret);

// RotationRulesType: {AutomaticallyAfterDays, Duration, ScheduleExpression},
// the members given.
Json RotationRulesJson(const projections::RotationRules& rules);

// DescribeSecret's response, or a ListSecrets SecretListEntry (which names the
// version map SecretVersionsToStages).
enum class SecretShape { kDescribe, kListEntry };
Json SecretJson(const projections::Secret& secret, SecretShape shape);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_RENDER_H_
