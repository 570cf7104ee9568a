// The rotation handler SDK: what a program links to carry out rotation steps
// for Cairn (service/rotation.h), the way a Lambda rotation function does for
// AWS. A handler is a principal with only the rights it needs (its policy:
// cairn:ListRotations, cairn:ReportRotationStep, the secretsmanager actions
// its steps call on the secrets it rotates, and cairn:SubscribeEvents with
// cairn:ReadAuditLog to hear requests at once).
//
// ServeRotationHandler follows the daemon's events from the head (a
// bus::Follower, whose gap reads are ReadRecords: cairn:ReadAuditLog) and
// takes the RotationStepRequested records whose handler is `handler_name`;
// refused ReadRecords, it does without the events. The bus is a notification,
// not the record: at start and every `poll_ms` it also asks
// ListRotations(Handler) for steps requested and not yet reported, so a
// handler that was down, restarted, missed a message or may not follow the
// events picks them up. Each (token, step, attempt) is run once, one step at a time
// in the order requested; the outcome is reported with ReportRotationStep
// (Status "Succeeded", or "Failed" with the step's Status message). A step
// must be idempotent (AWS's rule): after a crash it may run again.
//
// The step function talks to Cairn through the Remote it is given (the
// handler's own connection): GetSecretValue of the AWSPENDING version,
// GetRandomPassword, PutSecretValue with ClientRequestToken = the token and
// VersionStages [AWSPENDING], ... Its error messages are recorded in the
// ledger: they must never carry a secret.
#ifndef CAIRN_TOOLS_COMMON_ROTATION_HANDLER_H_
#define CAIRN_TOOLS_COMMON_ROTATION_HANDLER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "crypto/status.h"
#include "tools/common/log.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"

namespace cairn::tools {

struct RotationStep {
  std::string secret_arn;   // SecretId to use in calls
  std::string secret_name;
  std::string token;        // ClientRequestToken: the AWSPENDING version's id
  std::string step;         // createSecret, setSecret, testSecret, finishSecret
  uint32_t attempt = 1;
  int64_t deadline_ms = 0;  // Unix ms; a report after it is refused
};

// Runs one step. Ok: the step succeeded; otherwise the Status message is the
// reason reported (never a secret value).
using RotationStepFn = std::function<Status(const RotationStep& step, Remote& remote)>;

struct RotationHandlerOptions {
  std::string handler_name;
  Profile profile;
  const std::atomic<bool>* stop = nullptr;   // ServeRotationHandler returns once it is set
  int poll_ms = 2000;                        // ListRotations for missed requests
  Logger* log = nullptr;                     // metadata only (ids, steps, outcomes)
  // Tests only: called after a poll, just before the follower starts (where
  // a request could once fall between the two and wait for its timeout).
  std::function<void()> before_follow;
};

// Serves until *options.stop. PermissionDenied if the daemon refuses the
// profile's key; InvalidArgument for an empty handler name. Transient
// failures (daemon restarting) are retried, not returned.
Status ServeRotationHandler(const RotationHandlerOptions& options, const RotationStepFn& fn);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_ROTATION_HANDLER_H_
