#include "tools/cairn_rotate_postgres/secret_store.h"

#include <utility>

#include "service/api.h"

namespace cairn::tools::rotate_postgres {
namespace {

// The Status of the same meaning as an AWS error the service returned.
Status FromApiError(const std::string& operation, const service::ApiError& error) {
  const std::string text = operation + ": " + error.code + ": " + error.message;
  if (error.code == service::kResourceNotFound) return NotFoundError(text);
  if (error.code == service::kAccessDenied) return PermissionDeniedError(text);
  if (error.code == service::kInvalidParameter || error.code == service::kValidation) {
    return InvalidArgumentError(text);
  }
  if (error.code == service::kInvalidRequest) return FailedPreconditionError(text);
  if (error.code == service::kResourceExists) return AlreadyExistsError(text);
  if (error.code == service::kLimitExceeded) return ResourceExhaustedError(text);
  return InternalError(text);
}

Result<service::Response> Call(Remote& remote, service::Request request) {
  const std::string operation = request.operation;
  Result<service::Response> response = remote.Execute(request);
  if (!response.ok()) return response.status().WithContext(operation);
  if (!response->ok()) return FromApiError(operation, *response->error);
  return response;
}

}  // namespace

SecretStore RemoteSecretStore(Remote& remote) {
  SecretStore store;
  store.get_secret_value = [&remote](const std::string& secret_id, const std::string& version_id,
                                     const std::string& version_stage) -> Result<crypto::SecureBuffer> {
    service::Request request;
    request.operation = "GetSecretValue";
    request.params = {{"SecretId", secret_id}, {"VersionStage", version_stage}};
    if (!version_id.empty()) request.params["VersionId"] = version_id;
    ASSIGN_OR_RETURN(service::Response response, Call(remote, std::move(request)));
    for (service::Response::Value& v : response.values) {
      if (v.index != 0) continue;
      if (v.value.kind != projections::ValueKind::kString) {
        return FailedPreconditionError("the secret's value is SecretBinary, not a SecretString");
      }
      return std::move(v.value.bytes);
    }
    return NotFoundError("GetSecretValue returned no value");
  };
  store.put_secret_value = [&remote](const std::string& secret_id, const std::string& token,
                                     const crypto::SecureBuffer& value,
                                     const std::vector<std::string>& stages) -> Status {
    service::Request request;
    request.operation = "PutSecretValue";
    request.params = {{"SecretId", secret_id}, {"ClientRequestToken", token}, {"VersionStages", stages}};
    request.value = service::SecretValue{projections::ValueKind::kString, value.Clone()};
    Result<service::Response> response = Call(remote, std::move(request));
    return response.ok() ? Status::Ok() : response.status();
  };
  store.get_random_password = [&remote](int64_t length,
                                        const std::string& exclude) -> Result<crypto::SecureBuffer> {
    service::Request request;
    request.operation = "GetRandomPassword";
    request.params = {{"PasswordLength", length}, {"ExcludeCharacters", exclude}};
    ASSIGN_OR_RETURN(service::Response response, Call(remote, std::move(request)));
    if (response.values.empty()) return InternalError("GetRandomPassword returned no password");
    return std::move(response.values.front().value.bytes);
  };
  return store;
}

}  // namespace cairn::tools::rotate_postgres
