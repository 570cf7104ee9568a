#include "service/internal/rotation_start.h"

#include "projections/labels.h"
#include "service/internal/validate.h"
#include "service/schedule.h"

namespace cairn::service::internal {
namespace {

// The placeholder's labels and pruning, previewed on a copy of the secret.
Status PreviewPlaceholder(const projections::Secret& secret, const std::string& token,
                          int64_t now_ms, std::vector<std::string>& pruned) {
  projections::Secret copy = secret;
  projections::Version v;
  v.version_id = token;
  v.created_ms = now_ms;
  v.created_order = copy.next_version_order;
  copy.versions[token] = v;
  projections::AttachStagesToNewVersion(copy, token, {projections::kAwsPending});
  if (projections::CountLabels(copy) > kMaxLabelsPerSecret) {
    return ResourceExhaustedError(
        "You can't attach more than 20 staging labels to the versions of a secret.");
  }
  pruned = projections::VersionsToPrune(copy, now_ms, kMaxVersionsPerSecret);
  if (copy.versions.size() - pruned.size() > kMaxVersionsPerSecret) {
    return ResourceExhaustedError(
        "You can't create more than 100 versions of a secret; deprecated versions younger than "
        "24 hours are not removed.");
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<int64_t>> NextRotationMs(const projections::RotationRules& rules,
                                              int64_t last_ms) {
  if (rules.empty()) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(RotationSchedule schedule, RotationSchedule::Parse(rules));
  return std::optional<int64_t>(schedule.NextWindow(last_ms).start_ms);
}

const projections::Version* PendingElsewhere(const projections::Secret& secret) {
  const projections::Version* pending = secret.VersionWithStage(projections::kAwsPending);
  if (pending == nullptr || pending->stages.count(projections::kAwsCurrent) != 0) return nullptr;
  return pending;
}

const projections::RotationRun* ResumableRun(const projections::Secret& secret) {
  if (!secret.rotation.has_value() || !secret.rotation->failed || secret.rotation->test_only)
    return nullptr;
  const projections::Version* pending = PendingElsewhere(secret);
  if (pending == nullptr || pending->version_id != secret.rotation->token) return nullptr;
  return &*secret.rotation;
}

bool HasCurrentValue(const projections::Secret& secret) {
  const projections::Version* current = secret.VersionWithStage(projections::kAwsCurrent);
  return current != nullptr && current->kind != projections::ValueKind::kNone;
}

flatbuffers::Offset<schema::RotationRules> BuildRotationRules(
    flatbuffers::FlatBufferBuilder& fbb, const projections::RotationRules& rules) {
  auto expression = fbb.CreateString(rules.schedule_expression.value_or(""));
  auto duration = fbb.CreateString(rules.duration.value_or(""));
  return schema::CreateRotationRules(fbb, rules.automatically_after_days.value_or(0), expression,
                                     duration);
}

Status SetRotationStarted(const projections::Secret& secret, const RotationStart& start,
                          const DecideEnv& env, Outcome& out) {
  std::vector<std::string> pruned;
  const bool placeholder = !start.test_only && !start.resumed;
  if (placeholder) RETURN_IF_ERROR(PreviewPlaceholder(secret, start.token, env.now_ms, pruned));
  flatbuffers::FlatBufferBuilder& fbb = out.fbb;
  flatbuffers::Offset<schema::VersionWritten> version;
  if (placeholder) {
    auto id = fbb.CreateString(start.token);
    auto stages = StringVector(fbb, {projections::kAwsPending});
    auto pruned_ids = StringVector(fbb, pruned);
    schema::VersionWrittenBuilder b(fbb);
    b.add_version_id(id);
    b.add_stages(stages);
    b.add_value_kind(static_cast<uint8_t>(projections::ValueKind::kNone));
    b.add_pruned_version_ids(pruned_ids);
    version = b.Finish();
    for (const std::string& gone : pruned)
      out.key_writes.Delete(ledger::Family::kKeys, KeyEntryKey(secret.arn, gone));
  }
  flatbuffers::Offset<schema::RotationRules> rules;
  if (start.rules.has_value()) rules = BuildRotationRules(fbb, *start.rules);
  auto arn = fbb.CreateString(secret.arn);
  auto token = fbb.CreateString(start.token);
  auto lambda_arn = fbb.CreateString(start.rotation_lambda_arn);
  auto handler = fbb.CreateString(start.handler);
  out.SetBody(schema::CreateRotationStarted(fbb, arn, token, lambda_arn, handler, rules,
                                            start.next_rotation_ms.value_or(0), version,
                                            start.test_only, start.scheduled, start.resumed));
  return Status::Ok();
}

}  // namespace cairn::service::internal
