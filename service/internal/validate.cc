#include "service/internal/validate.h"

#include <set>

#include "service/internal/errors.h"

namespace cairn::service::internal {
namespace {

constexpr char kInvalidNameMessage[] =
    "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
    "following: -/_+=.@!";

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '_' || c == '+' || c == '=' || c == '.' || c == '@' || c == '-';
}

}  // namespace

Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 512) {
    return ValidationError("Invalid name. Must be between 1 and 512 characters long");
  }
  for (char c : name) {
    if (!IsNameChar(c)) return ValidationError(kInvalidNameMessage);
  }
  return Status::Ok();
}

Status ValidateSecretId(std::string_view id) {
  RETURN_IF_ERROR(CheckLength("SecretId", id, 1, 2048));
  if (!id.starts_with("arn:")) {
    for (char c : id) {
      if (!IsNameChar(c)) return ValidationError(kInvalidNameMessage);
    }
  }
  return Status::Ok();
}

Result<std::string> ReadSecretId(const Params& params, std::string_view member) {
  ASSIGN_OR_RETURN(std::string id, params.RequiredString(member, 1, 2048));
  RETURN_IF_ERROR(ValidateSecretId(id));
  return id;
}

Result<std::optional<std::string>> ReadClientRequestToken(const Params& params) {
  return params.String("ClientRequestToken", 32, 64);
}

Result<const SecretValue*> ReadValue(const Request& request) {
  Params params(request.params);
  bool member_in_params = params.Has("SecretString") || params.Has("SecretBinary");
  if (!request.value.has_value()) {
    if (member_in_params) {
      return InvalidArgumentError(
          "SecretString and SecretBinary must be passed as the request value");
    }
    return static_cast<const SecretValue*>(nullptr);
  }
  if (member_in_params) {
    return InvalidArgumentError(
        "You can't specify both a binary secret value and a string secret value in the same "
        "secret.");
  }
  const SecretValue& value = *request.value;
  if (value.kind != projections::ValueKind::kString &&
      value.kind != projections::ValueKind::kBinary) {
    return InvalidArgumentError("You must provide either SecretString or SecretBinary.");
  }
  const char* member =
      value.kind == projections::ValueKind::kString ? "SecretString" : "SecretBinary";
  if (value.bytes.empty()) {
    return InvalidArgumentError(std::string("Invalid ") + member + ": must not be empty");
  }
  if (value.bytes.size() > kMaxValueBytes) {
    return InvalidArgumentError(std::string("Invalid ") + member + ": must be at most 65536 bytes");
  }
  return &value;
}

Result<std::optional<std::vector<std::string>>> ReadVersionStages(const Params& params) {
  ASSIGN_OR_RETURN(auto stages, params.StringList("VersionStages", 1, 20, 1, 256));
  if (!stages.has_value()) return stages;
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (std::string& s : *stages) {
    if (seen.insert(s).second) unique.push_back(std::move(s));
  }
  return std::optional<std::vector<std::string>>(std::move(unique));
}

Status ValidateTagKey(std::string_view key) {
  RETURN_IF_ERROR(CheckLength("tag key", key, 1, 128));
  if (key.starts_with("aws:")) {
    return InvalidArgumentError("Invalid tag key: the aws: prefix is reserved for AWS use");
  }
  return Status::Ok();
}

Result<std::optional<TagList>> ReadTags(const Params& params, std::string_view member) {
  const Json* j = params.Find(member);
  if (j == nullptr) return std::optional<TagList>();
  std::string what(member);
  if (!j->is_array()) return InvalidArgumentError("Invalid " + what + ": must be a list of tags");
  TagList tags;
  std::set<std::string> keys;
  for (const Json& tag : *j) {
    if (!tag.is_object())
      return InvalidArgumentError("Invalid " + what + ": each tag must be an object");
    auto key = tag.find("Key");
    auto value = tag.find("Value");
    if (key == tag.end() || !key->is_string()) {
      return InvalidArgumentError("Invalid " + what + ": each tag needs a string Key");
    }
    if (value != tag.end() && !value->is_null() && !value->is_string()) {
      return InvalidArgumentError("Invalid " + what + ": a tag Value must be a string");
    }
    std::string k = key->get<std::string>();
    std::string v = (value == tag.end() || value->is_null()) ? "" : value->get<std::string>();
    RETURN_IF_ERROR(ValidateTagKey(k));
    RETURN_IF_ERROR(CheckLength("tag value", v, 0, 256));
    if (!keys.insert(k).second)
      return InvalidArgumentError("Invalid " + what + ": duplicate tag key " + k);
    tags.emplace_back(std::move(k), std::move(v));
  }
  if (tags.size() > kMaxTagsPerSecret) {
    return InvalidArgumentError("Invalid " + what + ": a secret can have at most 50 tags");
  }
  return std::optional<TagList>(std::move(tags));
}

Status RejectReplicaRegions(const Params& params) {
  const Json* regions = params.Find("AddReplicaRegions");
  if (regions != nullptr && !(regions->is_array() && regions->empty())) {
    return FailedPreconditionError("Cairn does not replicate to other regions; use cairn-replica");
  }
  return Status::Ok();
}

}  // namespace cairn::service::internal
