// requestParameters for the Audit (API reference §5.1-5.2): the members an
// operation models, keys in lowerCamelCase at every depth, sensitive members
// (SecretString, SecretBinary, RotationToken) left out, unknown members
// dropped. Returned as compact JSON text.
#ifndef CAIRN_SERVICE_INTERNAL_REDACT_H_
#define CAIRN_SERVICE_INTERNAL_REDACT_H_

#include <string>
#include <string_view>
#include <vector>

#include "service/api.h"

namespace cairn::service::internal {

// "SecretId" -> "secretId", "KMSKey" -> "kMSKey" (CloudTrail lower-cases only
// the first character).
std::string LowerCamel(std::string_view name);

std::string RedactedParameters(const Json& params, const std::vector<std::string_view>& members);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_REDACT_H_
