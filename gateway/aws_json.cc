#include "gateway/aws_json.h"

#include <algorithm>
#include <array>
#include <utility>

#include "crypto/hash.h"

namespace cairn::gateway {
namespace {

using service::Json;

constexpr std::array<std::string_view, 23> kOperations = {
    "BatchGetSecretValue",  "CancelRotateSecret",     "CreateSecret",
    "DeleteResourcePolicy", "DeleteSecret",           "DescribeSecret",
    "GetRandomPassword",    "GetResourcePolicy",      "GetSecretValue",
    "ListSecretVersionIds", "ListSecrets",            "PutResourcePolicy",
    "PutSecretValue",       "RemoveRegionsFromReplication", "ReplicateSecretToRegions",
    "RestoreSecret",        "RotateSecret",           "StopReplicationToReplica",
    "TagResource",          "UntagResource",          "UpdateSecret",
    "UpdateSecretVersionStage", "ValidateResourcePolicy",
};

// AWS's name for a body it cannot read as the operation's input shape.
constexpr char kSerialization[] = "SerializationException";

service::Request Undecodable(std::string_view operation, std::string message) {
  service::Request request;
  request.operation = std::string(operation);
  request.params = Json::object();
  request.decode_error = service::ApiError{kSerialization, std::move(message)};
  return request;
}

}  // namespace

std::span<const std::string_view> ModelOperations() { return kOperations; }

std::optional<std::string> OperationFromTarget(std::string_view target) {
  constexpr std::string_view prefix = kTargetPrefix;
  if (target.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view name = target.substr(prefix.size());
  if (std::find(kOperations.begin(), kOperations.end(), name) == kOperations.end()) return std::nullopt;
  return std::string(name);
}

AwsError FromApiError(const service::ApiError& error) {
  AwsError out;
  out.type = error.code;
  out.message = error.message;
  out.status = error.code == service::kInternalServiceError ? 500 : 400;
  return out;
}

std::string ErrorBody(const AwsError& error) {
  Json body = Json::object();
  body["__type"] = error.type;
  body["Message"] = error.message;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

service::Request ParseRequestBody(std::string_view operation, std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
  Json params = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (params.is_discarded() || !params.is_object()) {
    service::WipeJsonStrings(params);
    return Undecodable(operation, "The request body is not a JSON object (AWS JSON 1.1)");
  }
  service::Request request;
  request.operation = std::string(operation);
  // The value members leave the JSON at once; the parsed copies are wiped.
  for (const char* member : {"SecretString", "SecretBinary"}) {
    auto it = params.find(member);
    if (it == params.end()) continue;
    if (it->is_null()) {
      params.erase(it);
      continue;
    }
    if (!it->is_string()) {
      service::WipeJsonStrings(params);
      return Undecodable(operation, std::string(member) + " must be a string");
    }
    std::string& text = it->get_ref<std::string&>();
    if (request.value.has_value()) {  // both sent: the service refuses with its own message
      crypto::SecureWipe(text);
      *it = "";
      continue;
    }
    service::SecretValue value;
    if (std::string_view(member) == "SecretString") {
      value.kind = projections::ValueKind::kString;
      value.bytes = crypto::SecureBuffer::FromString(text);
    } else {
      auto decoded = crypto::Base64Decode(text);
      if (!decoded.ok()) {
        service::WipeJsonStrings(params);
        return Undecodable(operation, "SecretBinary is not valid base64");
      }
      value.kind = projections::ValueKind::kBinary;
      value.bytes = std::move(decoded).value();
    }
    crypto::SecureWipe(text);
    params.erase(it);
    request.value = std::move(value);
  }
  request.params = std::move(params);
  return request;
}

crypto::SecureBuffer RenderResponseBody(std::string_view operation, const service::Response& response) {
  Json body = service::BodyWithValues(operation, response);
  // Serialised into a buffer reserved up front (Json::dump lets its string grow
  // by doubling): fewer allocations, and no freed intermediate copy of a value
  // left unwiped. Values escape to at most 6 bytes per byte ("\u00XX").
  size_t values = 0;
  for (const auto& v : response.values) values += v.value.bytes.size();
  std::string text;
  text.reserve(1024 + std::min<size_t>(6 * values, 4 * 1024 * 1024));
  nlohmann::detail::serializer<Json> serializer(nlohmann::detail::output_adapter<char>(text), ' ',
                                                Json::error_handler_t::replace);
  serializer.dump(body, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
  service::WipeJsonStrings(body);
  crypto::SecureBuffer out = crypto::SecureBuffer::FromString(text);
  crypto::SecureWipe(text);
  return out;
}

}  // namespace cairn::gateway
