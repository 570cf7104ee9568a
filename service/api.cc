#include "service/api.h"

#include <string_view>

#include "crypto/hash.h"

namespace cairn::service {
namespace {

std::string_view DefaultName(StatusCode code) {
  switch (code) {
    case StatusCode::kNotFound:
      return kResourceNotFound;
    case StatusCode::kAlreadyExists:
      return kResourceExists;
    case StatusCode::kInvalidArgument:
      return kInvalidParameter;
    case StatusCode::kFailedPrecondition:
      return kInvalidRequest;
    case StatusCode::kPermissionDenied:
      return kAccessDenied;
    case StatusCode::kResourceExhausted:
      return kLimitExceeded;
    case StatusCode::kDataLoss:
      return kDecryptionFailure;  // a value or key that does not open
    case StatusCode::kOk:
    case StatusCode::kUnavailable:
    case StatusCode::kInternal:
      break;
  }
  return kInternalServiceError;
}

// AWS names that a message may select by starting with "<name>: ", for the
// codes they share with the default name (service/internal/errors.h).
bool MayOverride(StatusCode code, std::string_view name) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return name == kValidation || name == kInvalidNextToken || name == kMalformedPolicyDocument ||
             name == kPublicPolicy;
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return name == kEncryptionFailure || name == kDecryptionFailure;
    default:
      return false;
  }
}

}  // namespace

ApiError ApiErrorFromStatus(const Status& status) {
  if (status.ok())
    return {kInternalServiceError, "internal error: an OK status reported as an error"};
  const std::string& message = status.message();
  size_t colon = message.find(": ");
  if (colon != std::string::npos &&
      MayOverride(status.code(), std::string_view(message).substr(0, colon))) {
    return {message.substr(0, colon), message.substr(colon + 2)};
  }
  return {std::string(DefaultName(status.code())), message};
}

namespace {

// Inserts the value member right after "VersionId" (AWS's order).
Json WithValue(const Json& entry, const SecretValue& value) {
  Json out = Json::object();
  bool placed = false;
  auto place = [&] {
    if (value.kind == projections::ValueKind::kBinary) {
      out["SecretBinary"] = crypto::Base64Encode(value.bytes.view());
    } else {
      out["SecretString"] = std::string(value.bytes.as_string_view());
    }
    placed = true;
  };
  for (auto it = entry.begin(); it != entry.end(); ++it) {
    out[it.key()] = it.value();
    if (it.key() == "VersionId") place();
  }
  if (!placed) place();
  return out;
}

}  // namespace

Json BodyWithValues(std::string_view operation, const Response& response) {
  Json body = response.body;
  for (const Response::Value& v : response.values) {
    if (operation == "GetRandomPassword") {
      body["RandomPassword"] = std::string(v.value.bytes.as_string_view());
    } else if (operation == "CreateAccessKey") {
      // IAM's order: ..., Status, SecretAccessKey, CreateDate.
      Json key = Json::object();
      for (auto it = body["AccessKey"].begin(); it != body["AccessKey"].end(); ++it) {
        if (it.key() == "CreateDate") key["SecretAccessKey"] = std::string(v.value.bytes.as_string_view());
        key[it.key()] = it.value();
      }
      if (!key.contains("SecretAccessKey")) key["SecretAccessKey"] = std::string(v.value.bytes.as_string_view());
      body["AccessKey"] = std::move(key);
    } else if (operation == "BatchGetSecretValue") {
      Json& list = body["SecretValues"];
      if (v.index < list.size()) list[v.index] = WithValue(list[v.index], v.value);
    } else if (v.index == 0) {
      body = WithValue(body, v.value);
    }
  }
  return body;
}

void WipeJsonStrings(Json& j) {
  if (j.is_string()) {
    crypto::SecureWipe(j.get_ref<std::string&>());
  } else if (j.is_structured()) {
    for (auto& child : j) WipeJsonStrings(child);
  }
}

}  // namespace cairn::service
