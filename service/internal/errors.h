// Status constructors for the AWS errors that share a StatusCode with another
// AWS error. ApiErrorFromStatus (api.h) reads the leading "<AwsName>: " of the
// message to pick the name and drops it; every other error needs no marker.
#ifndef CAIRN_SERVICE_INTERNAL_ERRORS_H_
#define CAIRN_SERVICE_INTERNAL_ERRORS_H_

#include <string>

#include "crypto/status.h"
#include "service/api.h"

namespace cairn::service::internal {

// ValidationException (a name with illegal characters, a shape constraint).
inline Status ValidationError(const std::string& message) {
  return InvalidArgumentError(std::string(kValidation) + ": " + message);
}
// InvalidNextTokenException.
inline Status InvalidNextTokenError(const std::string& message) {
  return InvalidArgumentError(std::string(kInvalidNextToken) + ": " + message);
}
// MalformedPolicyDocumentException: a policy document that does not compile.
inline Status MalformedPolicyError(const std::string& message) {
  return InvalidArgumentError(std::string(kMalformedPolicyDocument) + ": " + message);
}
// PublicPolicyException: BlockPublicPolicy refused a policy open to everyone.
inline Status PublicPolicyError(const std::string& message) {
  return InvalidArgumentError(std::string(kPublicPolicy) + ": " + message);
}
// EncryptionFailure: a value could not be sealed.
inline Status EncryptionFailureError(const std::string& message) {
  return InternalError(std::string(kEncryptionFailure) + ": " + message);
}

// The texts AWS uses (API reference §2, §3.5), shared by several operations.
inline constexpr char kSecretNotFoundMessage[] = "Secrets Manager can't find the specified secret.";
inline constexpr char kMarkedForDeletionMessage[] =
    "You can't perform this operation on the secret because it was marked for deletion.";
inline constexpr char kMissingTokenMessage[] =
    "You must provide a ClientRequestToken value. We recommend a UUID-type value.";

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_ERRORS_H_
