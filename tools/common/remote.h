// Remote: the C++ client library — the service's operations over the network,
// synchronous, reconnecting (ZeroMQ's own), thread-safe. A call that reached
// the service returns its Response, AWS error included; a call that did not
// (cairnd unreachable, our key refused, an undecodable reply) returns a Status
// naming the endpoint. The AWS error is typed: Response::error holds the AWS
// error name (service::kAccessDenied, ...) and its message. Every response
// carries its receipt (seq, leaf hash). For tools that treat an AWS error as
// a failure: CallRefusingErrors (the error as a Status, worded per tool) and
// the reply-member readers StringMember/CountMember.
#ifndef CAIRN_TOOLS_COMMON_REMOTE_H_
#define CAIRN_TOOLS_COMMON_REMOTE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bus/client.h"
#include "bus/wire.h"
#include "crypto/status.h"
#include "service/api.h"
#include "tools/common/profile.h"

namespace cairn::tools {

class Remote {
 public:
  static Result<std::unique_ptr<Remote>> Connect(const Profile& profile, std::string user_agent,
                                                 uint32_t deadline_ms = 10000);

  // The request is copied (its value into a wiped buffer); the caller keeps it.
  // CreateSecret, PutSecretValue, UpdateSecret and RotateSecret get a fresh UUIDv4
  // ClientRequestToken when they have none, as the AWS SDKs do.
  Result<service::Response> Execute(const service::Request& request);
  // ReadRecords as the follower's FetchRecords wants it: the AWS error, if any,
  // becomes PermissionDenied/Unavailable.
  Result<std::vector<bus::StoredRecord>> ReadRecords(uint64_t from_seq, uint32_t max);

 private:
  explicit Remote(std::unique_ptr<bus::Client> client) : client_(std::move(client)) {}
  std::unique_ptr<bus::Client> client_;
};

// How a tool words a refusal: the peer as its messages name it, and the
// rights its principal needs (added to an AccessDenied).
struct RefusalWording {
  std::string_view peer = "cairnd";
  std::string_view rights;
};

// One call whose AWS error becomes a Status "<peer> refused <operation>
// (<code>: <message>)": PermissionDenied for AccessDenied (then "; <rights>"),
// Unavailable for a passing refusal (InternalServiceError,
// ThrottlingException), FailedPrecondition for any other. A call that did not
// go through is Execute's Status.
Result<service::Response> CallRefusingErrors(Remote& remote, const std::string& operation, service::Json params,
                                             const RefusalWording& wording);

// A member of a reply body, or DataLoss naming the reply ("cairnd's
// ReadRecords reply") and the member.
Result<std::string> StringMember(const service::Json& body, std::string_view reply, const char* name);
Result<uint64_t> CountMember(const service::Json& body, std::string_view reply, const char* name);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_REMOTE_H_
