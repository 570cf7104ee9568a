#include "tools/common/remote.h"

#include <utility>

#include "crypto/random.h"

#include "tools/common/wire_convert.h"

namespace cairn::tools {

Result<std::unique_ptr<Remote>> Remote::Connect(const Profile& profile, std::string user_agent,
                                                uint32_t deadline_ms) {
  bus::ClientOptions options;
  options.api_endpoint = profile.api_endpoint;
  options.server_public_z85 = profile.server_public_key;
  options.client_key = bus::CurveKeyPair{profile.key.public_z85, profile.key.secret_z85.Clone()};
  options.deadline_ms = deadline_ms;
  options.user_agent = std::move(user_agent);
  ASSIGN_OR_RETURN(auto client, bus::Client::Connect(std::move(options)));
  return std::unique_ptr<Remote>(new Remote(std::move(client)));
}

Result<service::Response> Remote::Execute(const service::Request& request) {
  service::Request copy;
  copy.operation = request.operation;
  copy.params = request.params;
  if (request.value) copy.value = service::SecretValue{request.value->kind, request.value->bytes.Clone()};
  // As the AWS SDKs do: an idempotency token for the writes that take one.
  const bool takes_token = copy.operation == "CreateSecret" || copy.operation == "PutSecretValue" ||
                           copy.operation == "UpdateSecret" || copy.operation == "RotateSecret";
  if (takes_token && !copy.params.contains("ClientRequestToken")) {
    copy.params["ClientRequestToken"] = crypto::NewUuidV4(crypto::SystemRandom());
  }
  ASSIGN_OR_RETURN(bus::ApiResponseMsg reply, client_->Call(RequestToWire(std::move(copy))));
  auto response = ResponseFromWire(std::move(reply));
  if (!response.ok()) return DataLossError("cairnd sent a malformed reply: " + response.status().message());
  return response;
}

Result<std::vector<bus::StoredRecord>> Remote::ReadRecords(uint64_t from_seq, uint32_t max) {
  service::Request request;
  request.operation = "ReadRecords";
  request.params = {{"FromSeq", from_seq}, {"MaxRecords", max}};
  ASSIGN_OR_RETURN(service::Response response, Execute(request));
  if (!response.ok()) {
    const std::string text = "ReadRecords refused: " + response.error->code + ": " + response.error->message;
    if (response.error->code == service::kAccessDenied) return PermissionDeniedError(text);
    return UnavailableError(text);
  }
  std::vector<bus::StoredRecord> records;
  for (auto& [seq, bytes] : response.records) records.push_back({seq, std::move(bytes)});
  return records;
}

Result<service::Response> CallRefusingErrors(Remote& remote, const std::string& operation, service::Json params,
                                             const RefusalWording& wording) {
  service::Request request;
  request.operation = operation;
  request.params = std::move(params);
  ASSIGN_OR_RETURN(service::Response response, remote.Execute(request));
  if (response.ok()) return response;
  std::string refused = std::string(wording.peer) + " refused " + operation + " (" + response.error->code + ": " +
                        response.error->message + ")";
  if (response.error->code == service::kAccessDenied) {
    if (!wording.rights.empty()) refused += "; " + std::string(wording.rights);
    return PermissionDeniedError(refused);
  }
  if (response.error->code == service::kInternalServiceError || response.error->code == "ThrottlingException") {
    return UnavailableError(refused);
  }
  return FailedPreconditionError(refused);
}

Result<std::string> StringMember(const service::Json& body, std::string_view reply, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    return DataLossError(std::string(reply) + " reply has no string " + name);
  }
  return it->get<std::string>();
}

Result<uint64_t> CountMember(const service::Json& body, std::string_view reply, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_unsigned()) {
    return DataLossError(std::string(reply) + " reply has no count " + name);
  }
  return it->get<uint64_t>();
}

}  // namespace cairn::tools
