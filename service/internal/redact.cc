#include "service/internal/redact.h"

#include <algorithm>
#include <cctype>

namespace cairn::service::internal {
namespace {

bool IsSensitive(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "secretstring" || lower == "secretbinary" || lower == "rotationtoken" ||
         lower == "secretaccesskey";
}

Json LowerCamelKeys(const Json& value) {
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (IsSensitive(it.key())) continue;
      out[LowerCamel(it.key())] = LowerCamelKeys(it.value());
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(LowerCamelKeys(item));
    return out;
  }
  return value;
}

}  // namespace

std::string LowerCamel(std::string_view name) {
  std::string out(name);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

std::string RedactedParameters(const Json& params, const std::vector<std::string_view>& members) {
  Json out = Json::object();
  if (params.is_object()) {
    for (auto it = params.begin(); it != params.end(); ++it) {
      bool modelled = std::find(members.begin(), members.end(), it.key()) != members.end();
      if (!modelled || IsSensitive(it.key()) || it.value().is_null()) continue;
      out[LowerCamel(it.key())] = LowerCamelKeys(it.value());
    }
  }
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cairn::service::internal
