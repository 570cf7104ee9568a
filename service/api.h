// The service's request and response: AWS Secrets Manager's JSON shapes
// (API reference §2), with the secret values kept out of the JSON in wiped
// buffers. Transports (the embedded CLI, later the bus and the HTTP gateway)
// translate into Request and out of Response; the service never sees a socket.
#ifndef CAIRN_SERVICE_API_H_
#define CAIRN_SERVICE_API_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "projections/secrets.h"

namespace cairn::service {

using Json = nlohmann::ordered_json;

// The value of SecretString (kind kString, UTF-8 bytes) or SecretBinary (kBinary,
// decoded bytes) of a request or a response.
struct SecretValue {
  projections::ValueKind kind = projections::ValueKind::kNone;
  crypto::SecureBuffer bytes;
};



// AWS error names (API reference §1.5.1).
inline constexpr char kResourceNotFound[] = "ResourceNotFoundException";
inline constexpr char kResourceExists[] = "ResourceExistsException";
inline constexpr char kInvalidParameter[] = "InvalidParameterException";
inline constexpr char kInvalidRequest[] = "InvalidRequestException";
inline constexpr char kLimitExceeded[] = "LimitExceededException";
inline constexpr char kInvalidNextToken[] = "InvalidNextTokenException";
inline constexpr char kValidation[] = "ValidationException";
inline constexpr char kDecryptionFailure[] = "DecryptionFailure";
inline constexpr char kEncryptionFailure[] = "EncryptionFailure";
inline constexpr char kInternalServiceError[] = "InternalServiceError";
inline constexpr char kAccessDenied[] = "AccessDeniedException";
inline constexpr char kMalformedPolicyDocument[] = "MalformedPolicyDocumentException";
inline constexpr char kPublicPolicy[] = "PublicPolicyException";

struct ApiError {
  std::string code;     // one of the names above
  std::string message;  // never contains a secret value
};

struct Request {
  std::string operation;                // "CreateSecret", "GetSecretValue", ...
  Json params = Json::object();         // the AWS request members, except the value
  std::optional<SecretValue> value;     // SecretString / SecretBinary, if given
  // Set by a transport that authenticated the caller but could not decode the
  // call (a body that is not JSON, bad base64): the call is still one event, a
  // failure with this error, and nothing else is decided.
  std::optional<ApiError> decode_error{};
};

// Maps a Status to the AWS error of the same meaning (kNotFound ->
// ResourceNotFoundException, kInvalidArgument -> InvalidParameterException, ...).
ApiError ApiErrorFromStatus(const Status& status);

struct Response {
  std::optional<ApiError> error;        // set iff the call failed
  Json body = Json::object();           // AWS response members, except values
  // Values to splice into `body` at output time: for GetSecretValue one entry
  // (index 0); for BatchGetSecretValue one per SecretValues[index]; for
  // GetRandomPassword one entry holding RandomPassword (kind kString).
  struct Value {
    size_t index = 0;
    SecretValue value;
  };
  std::vector<Value> values;
  // ReadRecords: the stored records, (seq, bytes), in order.
  std::vector<std::pair<uint64_t, std::string>> records;
  // Receipt: the event this call appended.
  uint64_t seq = 0;
  crypto::Digest leaf_hash{};

  bool ok() const { return !error.has_value(); }
};

// The response body with its values spliced in where AWS puts them:
// SecretString/SecretBinary (base64) right after VersionId for GetSecretValue
// and each BatchGetSecretValue entry, RandomPassword for GetRandomPassword,
// AccessKey.SecretAccessKey for CreateAccessKey. The result holds copies of
// secret values: the caller wipes it with WipeJsonStrings once written out.
Json BodyWithValues(std::string_view operation, const Response& response);
// Overwrites every string in `j` (keys excepted) with zeros.
void WipeJsonStrings(Json& j);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_API_H_
