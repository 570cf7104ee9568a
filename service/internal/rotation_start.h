// Starting a rotation run (service/rotation.h), shared by RotateSecret (an API
// call, op_rotation.cc) and the scheduler (DecideRotations, rotation.cc): the
// checks that decide whether a secret can start or resume a run, the
// NextRotationDate a schedule gives, and the RotationStarted body with its
// placeholder version (AWSPENDING, no value).
#ifndef CAIRN_SERVICE_INTERNAL_ROTATION_START_H_
#define CAIRN_SERVICE_INTERNAL_ROTATION_START_H_

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/status.h"
#include "projections/secrets.h"
#include "service/decide.h"
#include "service/internal/outcome.h"

namespace cairn::service::internal {

inline constexpr char kPreviousRotationIncompleteMessage[] =
    "A previous rotation isn't complete. That rotation will be reattempted.";

// NextRotationDate for `rules` after a rotation (or configuration) at
// `last_ms`: the start of the next window, or nullopt for empty rules.
// InvalidArgument (InvalidParameterException) for rules that do not parse.
Result<std::optional<int64_t>> NextRotationMs(const projections::RotationRules& rules,
                                              int64_t last_ms);

// The version carrying AWSPENDING when it is not the AWSCURRENT one, or nullptr
// ("a rotation is in progress" by AWS's labels, §3.6.2).
const projections::Version* PendingElsewhere(const projections::Secret& secret);

// The failed run of `secret` that a new start takes up again with its own
// token: AWSPENDING is still on the run's version (and nowhere else); nullptr
// if there is none.
const projections::RotationRun* ResumableRun(const projections::Secret& secret);

// Whether the AWSCURRENT version holds a value (a rotation needs one to rotate from).
bool HasCurrentValue(const projections::Secret& secret);

struct RotationStart {
  std::string token;                                // the run's token
  std::string rotation_lambda_arn;                  // as stored from now on
  std::string handler;                              // RotationHandlerName of it
  std::optional<projections::RotationRules> rules;  // nullopt: the stored rules stay
  std::optional<int64_t> next_rotation_ms;          // NextRotationDate from now on
  bool test_only = false;  // no placeholder: the token is the AWSCURRENT version's id
  bool resumed = false;    // no placeholder: AWSPENDING is on the token's version already
  bool scheduled = false;
};

// Sets a RotationStarted body on `out` for `secret`. Unless test-only or
// resumed, the placeholder version `start.token` (value_kind 0, stages
// [AWSPENDING]) is part of it: LimitExceededException if it would bring the
// labels over 20 or the versions over 100 (deprecated versions older than a
// day are pruned, their keys deleted in out.key_writes).
Status SetRotationStarted(const projections::Secret& secret, const RotationStart& start,
                          const DecideEnv& env, Outcome& out);

// A RotationRules event table (absent members as 0 / "").
flatbuffers::Offset<schema::RotationRules> BuildRotationRules(
    flatbuffers::FlatBufferBuilder& fbb, const projections::RotationRules& rules);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_ROTATION_START_H_
