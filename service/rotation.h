// Rotation: AWS's four-step protocol (API reference §3.6) as an audited state
// machine. Every transition is an event (schema/events.fbs, "Rotation"), so
// the run's state is a projection (projections::RotationRun) and a daemon
// restarted mid-rotation resumes where the events say it was.
//
// The operations (Decide):
//   RotateSecret {SecretId, ClientRequestToken, RotationLambdaARN,
//     RotationRules, RotateImmediately}: RotationLambdaARN names the handler
//     ("postgres", or a Lambda-style ARN "arn:aws:lambda:<region>:<account>:
//     function:<name>" whose last part is the name). Stores the configuration,
//     computes NextRotationDate (service/schedule.h), enables rotation and
//     starts a run: the placeholder version ClientRequestToken with
//     AWSPENDING and no value; the response's VersionId is it. With
//     RotateImmediately=false the run is test-only: testSecret alone, against
//     the AWSCURRENT version. Refusals: no handler stored or given
//     (InvalidRequestException), a secret scheduled for deletion
//     (InvalidRequestException), no AWSCURRENT value to rotate from
//     (InvalidRequestException), AWSPENDING on a version that is not
//     AWSCURRENT while a run is in progress or with no run (manually placed):
//     InvalidRequestException "A previous rotation isn't complete. That
//     rotation will be reattempted."; bad rules or handler names
//     (InvalidParameterException). A run that failed with AWSPENDING still on
//     its version is resumed with the same token (the response's VersionId,
//     whatever ClientRequestToken the call gives; not by a test-only call),
//     reusing the value createSecret stored. The same token as the run in
//     progress (for a test-only run: another test-only call) is an idempotent
//     replay (SecretUnchanged).
//   CancelRotateSecret {SecretId}: rotation disabled, the run in flight (if
//     any) stopped, its token returned as VersionId (not a test-only run's,
//     which created no version); AWSPENDING leaves the
//     run's version (unless it is AWSCURRENT), AWSCURRENT stays.
//   ReportRotationStep {SecretId, ClientRequestToken, Step, Status
//     ("Succeeded"|"Failed"), Message (<= 1024 characters; never a secret)}:
//     Cairn's own (cairn:ReportRotationStep on the secret), called by the
//     handler. Accepted only for the run in progress, its token and the step
//     requested and not yet reported; anything else is InvalidRequestException
//     (a handler reporting for another token, a late report after the step
//     timed out). A reported success the service can see is false
//     (createSecret leaving the pending version without a value) is recorded
//     as RotationStepFailed with the reason. Response: {ARN, Name,
//     ClientRequestToken, Step, Status (as recorded), Message (the reason, when
//     the service recorded a reported success as failed)}.
//   GetRotationStatus {SecretId} (cairn:GetRotationStatus): RotationEnabled,
//     RotationLambdaARN, RotationRules, LastRotatedDate, NextRotationDate and,
//     if a run is in progress or failed, Rotation {ClientRequestToken, Handler,
//     State ("InProgress"|"Failed"), Step, StepRequested, Attempts, LastError,
//     StartedDate, StepRequestedDate, StepDeadline, TestOnly}.
//   ListRotations {Handler} (cairn:ListRotations on "*"): Rotations, one entry
//     per secret with a run (Handler filters): {ARN, Name, Handler,
//     ClientRequestToken, State, Step, StepRequested, Attempt, LastError,
//     StartedDate, StepDeadline (while requested)}; Attempt is the requested
//     step's attempt (as in RotationStepRequested), else the failed attempts.
//     Only the runs the caller may cairn:ReportRotationStep or
//     cairn:GetRotationStatus on. A handler asks this at start for the steps
//     it missed.
//
// DecideRotations is the orchestrator and the scheduler, as service events
// (AwsServiceEvent, actor system:cairn). For each live secret, at most one
// decision per call, in ARN order:
//   a run whose step is "" (all done)        -> RotationSucceeded
//   a requested step past its deadline       -> RotationStepFailed (timed_out)
//   a step not requested, attempts >= max    -> RotationFailed
//   a step not requested, first attempt or
//     backoff after the last failure elapsed -> RotationStepRequested
//   rotation enabled, no run in progress (none
//     or failed), NextRotationDate + the
//     secret's jitter <= now                 -> RotationStarted (scheduled;
//                                               a failed run is resumed)
// Scheduled starts are capped per call (max_starts_per_call, earliest due
// first): after downtime every missed rotation happens once, spread over
// calls, never one per missed window. The jitter (a hash of the ARN, within
// the first quarter of the window) spreads secrets sharing a schedule.
// Deterministic: time and token ids come from DecideEnv.
#ifndef CAIRN_SERVICE_ROTATION_H_
#define CAIRN_SERVICE_ROTATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"
#include "service/decide.h"

namespace cairn::service {

struct RotationPolicy {
  int64_t step_timeout_ms = 5 * 60 * 1000;  // a step's report must come within this
  uint32_t max_attempts = 3;                // failed attempts of one step before RotationFailed
  int64_t backoff_base_ms = 2000;           // wait after failure n: base * 2^(n-1) ...
  int64_t backoff_max_ms = 60 * 1000;       // ... at most this
  size_t max_starts_per_call = 16;          // scheduled starts per DecideRotations call
};

// The handler a RotationLambdaARN names: the ARN's function name, or the value
// itself. InvalidArgument unless the name is 1-64 of [A-Za-z0-9_.-] (an ARN
// must be "arn:<partition>:lambda:<region>:<account>:function:<name>").
Result<std::string> RotationHandlerName(std::string_view rotation_lambda_arn);

// The step after `step` in a run ("" after the last). A test-only run has one.
std::string NextRotationStep(const projections::RotationRun& run);

std::vector<Decision> DecideRotations(const projections::SecretsView& state, DecideEnv& env,
                                      const RotationPolicy& policy);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_ROTATION_H_
