#include "service/internal/render.h"

namespace cairn::service::internal {

Json EpochSeconds(int64_t ms) {
  if (ms % 1000 == 0) return Json(ms / 1000);
  return Json(static_cast<double>(ms) / 1000.0);
}

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

Json SecretJson(const projections::Secret& secret, SecretShape shape) {
  Json j = Json::object();
  j["ARN"] = secret.arn;
  j["Name"] = secret.name;
  if (secret.description.has_value()) j["Description"] = *secret.description;
  if (!secret.kms_key_id.empty()) j["KmsKeyId"] = secret.kms_key_id;
  j["LastChangedDate"] = EpochSeconds(secret.last_changed_ms);
  if (secret.last_accessed_ms != 0) j["LastAccessedDate"] = EpochSeconds(secret.last_accessed_ms);
  if (secret.deletion_date_ms.has_value())
    j["DeletedDate"] = EpochSeconds(*secret.deletion_date_ms);
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
