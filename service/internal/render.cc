#include "service/internal/render.h"

namespace cairn::service::internal {

Json EpochSeconds(int64_t ms) {
  if (ms % 1000 == 0) return Json(ms / 1000);
  return Json(static_cast<double>(ms) / 1000.0);
}

Json SecretRef(const projections::Secret& secret) { return {{"ARN", secret.arn}, {"Name", secret.name}}; }

Json StagesJson(const projections::Version& version) {
  Json stages = Json::array();
  for (const std::string& s : version.stages) stages.push_back(s);
  return stages;
}

Json VersionsToStages(const projections::Secret& secret) {
  Json map = Json::object();
  for (const auto& [id, version] : secret.versions) {
    if (!version.stages.empty()) map[id] = StagesJson(version);
  }
  return map.empty() ? Json() : map;
}

Json RotationRulesJson(const projections::RotationRules& rules) {
  Json j = Json::object();
  if (rules.automatically_after_days.has_value())
    j["AutomaticallyAfterDays"] = *rules.automatically_after_days;
  if (rules.duration.has_value()) j["Duration"] = *rules.duration;
  if (rules.schedule_expression.has_value()) j["ScheduleExpression"] = *rules.schedule_expression;
  return j;
}

namespace {

// Rotation was configured at some time (RotateSecret ran): AWS then shows
// RotationEnabled, true or false.
bool RotationConfigured(const projections::Secret& secret) {
  return secret.rotation_enabled || !secret.rotation_lambda_arn.empty() ||
         !secret.rotation_rules.empty();
}

}  // namespace

Json SecretJson(const projections::Secret& secret, SecretShape shape) {
  Json j = Json::object();
  j["ARN"] = secret.arn;
  j["Name"] = secret.name;
  if (secret.description.has_value()) j["Description"] = *secret.description;
  if (!secret.kms_key_id.empty()) j["KmsKeyId"] = secret.kms_key_id;
  if (RotationConfigured(secret)) j["RotationEnabled"] = secret.rotation_enabled;
  if (!secret.rotation_lambda_arn.empty()) j["RotationLambdaARN"] = secret.rotation_lambda_arn;
  if (!secret.rotation_rules.empty()) j["RotationRules"] = RotationRulesJson(secret.rotation_rules);
  if (secret.last_rotated_ms != 0) j["LastRotatedDate"] = EpochSeconds(secret.last_rotated_ms);
  j["LastChangedDate"] = EpochSeconds(secret.last_changed_ms);
  if (secret.last_accessed_ms != 0) j["LastAccessedDate"] = EpochSeconds(secret.last_accessed_ms);
  if (secret.deletion_date_ms.has_value())
    j["DeletedDate"] = EpochSeconds(*secret.deletion_date_ms);
  if (secret.rotation_enabled && secret.next_rotation_ms.has_value())
    j["NextRotationDate"] = EpochSeconds(*secret.next_rotation_ms);
  if (secret.ever_tagged || !secret.tags.empty()) {
    Json tags = Json::array();
    for (const auto& [key, value] : secret.tags) tags.push_back({{"Key", key}, {"Value", value}});
    j["Tags"] = std::move(tags);
  }
  Json map = VersionsToStages(secret);
  if (!map.is_null()) {
    j[shape == SecretShape::kDescribe ? "VersionIdsToStages" : "SecretVersionsToStages"] =
        std::move(map);
  }
  j["CreatedDate"] = EpochSeconds(secret.created_ms);
  return j;
}

}  // namespace cairn::service::internal
