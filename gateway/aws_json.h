// Secrets Manager's AWS JSON 1.1 protocol over the service's Request and
// Response (API reference §1, §2; aws-wire/README.md): the operation comes from
// `X-Amz-Target: secretsmanager.<Operation>`, the members from the JSON body,
// with SecretString / SecretBinary (base64) moved into the Request's wiped
// value; answers are the service's body with the values spliced back in, and
// errors are `{"__type": <name>, "Message": <text>}` with status 400 (500 for
// InternalServiceError), which every client maps onto its exception class.
// Pure functions; thread-safe.
#ifndef CAIRN_GATEWAY_AWS_JSON_H_
#define CAIRN_GATEWAY_AWS_JSON_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secure_buffer.h"
#include "service/api.h"

namespace cairn::gateway {

inline constexpr char kTargetPrefix[] = "secretsmanager.";
inline constexpr char kContentType[] = "application/x-amz-json-1.1";

// The 23 operations of the 2017-10-17 model, in alphabetical order.
std::span<const std::string_view> ModelOperations();

// The operation named by an X-Amz-Target value, or nullopt when it is not
// "secretsmanager.<one of ModelOperations()>".
std::optional<std::string> OperationFromTarget(std::string_view target);

// An error the gateway answers itself, and the ones the service returns.
struct AwsError {
  int status = 400;
  std::string type;     // "__type": the AWS error name, never decorated
  std::string message;  // "Message"
};
AwsError FromApiError(const service::ApiError& error);
// The response body of an error.
std::string ErrorBody(const AwsError& error);

// The service Request of `operation` from its JSON body. SecretString and
// SecretBinary (base64) become Request::value and are wiped from the parsed
// JSON; when both are sent the second stays in params as an empty marker so the
// service refuses the call with its own message. A body that is not a JSON
// object, or a value member of the wrong type or bad base64, is still handed
// to the service, as a Request with `decode_error` set (an authenticated call
// is one event, even when it cannot be decoded). An empty body reads as {}.
service::Request ParseRequestBody(std::string_view operation, std::string_view body);

// The JSON body of a successful answer, values included (a SecureBuffer: it
// holds secrets). TagResource, UntagResource and the other operations without
// output members answer "{}".
crypto::SecureBuffer RenderResponseBody(std::string_view operation, const service::Response& response);

}  // namespace cairn::gateway

#endif  // CAIRN_GATEWAY_AWS_JSON_H_
