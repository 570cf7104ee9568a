// AWS's staging-label rules as pure functions over one secret's versions
// (API reference §3.2). evolve calls them; the service calls them to preview.
#ifndef CAIRN_PROJECTIONS_LABELS_H_
#define CAIRN_PROJECTIONS_LABELS_H_

#include <string>
#include <vector>

#include "projections/secrets.h"

namespace cairn::projections {

// Attaches `stages` to the (already inserted) version `version_id`, moving each
// label off any other version. If AWSCURRENT moves, AWSPREVIOUS goes to the
// version AWSCURRENT left and, if a version carried AWSPENDING and the new
// version is not that one, AWSPENDING is dropped (RotationAbandoned).
void AttachStagesToNewVersion(Secret& secret, const std::string& version_id,
                              const std::vector<std::string>& stages);

// UpdateSecretVersionStage: removes `stage` from `remove_from` (if non-empty) and
// adds it to `move_to` (if non-empty); AWSCURRENT moving pushes AWSPREVIOUS onto
// the version it left. Preconditions are the service's to check.
void MoveStage(Secret& secret, const std::string& stage, const std::string& remove_from,
               const std::string& move_to);

// Total labels over all versions (quota: 20).
size_t CountLabels(const Secret& secret);

// Deprecated versions to prune when the secret holds more than `max_versions`
// (100): oldest first, never one younger than 24 h at `now_ms`.
std::vector<std::string> VersionsToPrune(const Secret& secret, int64_t now_ms,
                                         size_t max_versions = 100);

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_LABELS_H_
