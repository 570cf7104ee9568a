#include "service/api.h"

#include <string_view>

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

}  // namespace cairn::service
