#include "projections/labels.h"

#include <algorithm>

namespace cairn::projections {
namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

Version* FindMutable(Secret& secret, const std::string& version_id) {
  auto it = secret.versions.find(version_id);
  return it == secret.versions.end() ? nullptr : &it->second;
}

Version* Holder(Secret& secret, const std::string& stage) {
  for (auto& [id, version] : secret.versions) {
    if (version.stages.count(stage) != 0) return &version;
  }
  return nullptr;
}

// Puts `stage` on `version_id` and takes it off every other version (a label is
// on at most one version). No-op if the version does not exist.
void PutStage(Secret& secret, const std::string& stage, const std::string& version_id) {
  Version* target = FindMutable(secret, version_id);
  if (target == nullptr) return;
  for (auto& [id, version] : secret.versions) {
    if (&version != target) version.stages.erase(stage);
  }
  target->stages.insert(stage);
}

}  // namespace

void AttachStagesToNewVersion(Secret& secret, const std::string& version_id,
                              const std::vector<std::string>& stages) {
  Version* target = FindMutable(secret, version_id);
  if (target == nullptr) return;
  const Version* old_current = Holder(secret, kAwsCurrent);
  const bool current_moves =
      old_current != target && std::find(stages.begin(), stages.end(), kAwsCurrent) != stages.end();
  const std::string left = current_moves && old_current != nullptr ? old_current->version_id : "";

  for (const std::string& stage : stages) PutStage(secret, stage, version_id);
  if (!current_moves) return;
  if (!left.empty()) PutStage(secret, kAwsPrevious, left);
  // RotationAbandoned: a new current version ends the rotation in progress.
  Version* pending = Holder(secret, kAwsPending);
  if (pending != nullptr && pending != target) pending->stages.erase(kAwsPending);
}

void MoveStage(Secret& secret, const std::string& stage, const std::string& remove_from,
               const std::string& move_to) {
  const Version* before = Holder(secret, stage);
  const std::string left = before != nullptr ? before->version_id : "";
  if (!remove_from.empty()) {
    if (Version* version = FindMutable(secret, remove_from)) version->stages.erase(stage);
  }
  if (move_to.empty()) return;
  PutStage(secret, stage, move_to);
  // Unlike a new version, moving AWSCURRENT keeps AWSPENDING where it is (§2.6).
  if (stage == kAwsCurrent && !left.empty() && left != move_to) {
    PutStage(secret, kAwsPrevious, left);
  }
}

size_t CountLabels(const Secret& secret) {
  size_t count = 0;
  for (const auto& [id, version] : secret.versions) count += version.stages.size();
  return count;
}

std::vector<std::string> VersionsToPrune(const Secret& secret, int64_t now_ms,
                                         size_t max_versions) {
  if (secret.versions.size() <= max_versions) return {};
  std::vector<const Version*> candidates;
  for (const auto& [id, version] : secret.versions) {
    if (version.stages.empty() && now_ms - version.created_ms >= kDayMs) {
      candidates.push_back(&version);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Version* a, const Version* b) { return a->created_order < b->created_order; });
  const size_t excess = secret.versions.size() - max_versions;
  std::vector<std::string> pruned;
  for (size_t i = 0; i < candidates.size() && i < excess; ++i) {
    pruned.push_back(candidates[i]->version_id);
  }
  return pruned;
}

}  // namespace cairn::projections
