// Model constraints shared by several operations (API reference §2, §3.1, §4.2).
// Each check returns OK or the AWS error the service answers with.
#ifndef CAIRN_SERVICE_INTERNAL_VALIDATE_H_
#define CAIRN_SERVICE_INTERNAL_VALIDATE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "service/api.h"
#include "service/internal/params.h"

namespace cairn::service::internal {

inline constexpr size_t kMaxValueBytes = 65536;
inline constexpr size_t kMaxTagsPerSecret = 50;
inline constexpr size_t kMaxLabelsPerSecret = 20;
inline constexpr size_t kMaxVersionsPerSecret = 100;

// Secret names: 1-512 characters from [A-Za-z0-9/_+=.@-]; ValidationException otherwise.
Status ValidateName(std::string_view name);

// SecretId: 1-2048 characters; unless it starts with "arn:", only name characters
// (ValidationException otherwise).
Status ValidateSecretId(std::string_view id);
Result<std::string> ReadSecretId(const Params& params, std::string_view member = "SecretId");

// ClientRequestToken: 32-64 characters when given.
Result<std::optional<std::string>> ReadClientRequestToken(const Params& params);

// The request's value for a write: 1-65536 bytes of SecretString or
// SecretBinary. InvalidParameterException if a value member also appears in
// `params` (both kinds given) or the value is empty or too large. Returns
// nullptr when the request has no value.
Result<const SecretValue*> ReadValue(const Request& request);

// Staging labels (VersionStages): 1-20 items of 1-256 characters, duplicates
// dropped (first occurrence kept).
Result<std::optional<std::vector<std::string>>> ReadVersionStages(const Params& params);

using TagList = std::vector<std::pair<std::string, std::string>>;

// A Tags member: a list of {Key 1-128, Value 0-256}; keys unique, not "aws:".
Result<std::optional<TagList>> ReadTags(const Params& params, std::string_view member = "Tags");
// A tag key (UntagResource): 1-128 characters, not "aws:".
Status ValidateTagKey(std::string_view key);

// InvalidRequestException when a replication member (AddReplicaRegions) is set.
Status RejectReplicaRegions(const Params& params);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_VALIDATE_H_
