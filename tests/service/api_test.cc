#include "service/api.h"

#include <catch2/catch.hpp>

#include "service/internal/errors.h"

namespace cairn::service {
namespace {

TEST_CASE("ApiErrorFromStatus maps each status code to its AWS error", "[service]") {
  CHECK(ApiErrorFromStatus(NotFoundError("m")).code == kResourceNotFound);
  CHECK(ApiErrorFromStatus(AlreadyExistsError("m")).code == kResourceExists);
  CHECK(ApiErrorFromStatus(InvalidArgumentError("m")).code == kInvalidParameter);
  CHECK(ApiErrorFromStatus(FailedPreconditionError("m")).code == kInvalidRequest);
  CHECK(ApiErrorFromStatus(PermissionDeniedError("m")).code == kAccessDenied);
  CHECK(ApiErrorFromStatus(ResourceExhaustedError("m")).code == kLimitExceeded);
  CHECK(ApiErrorFromStatus(DataLossError("m")).code == kDecryptionFailure);
  CHECK(ApiErrorFromStatus(UnavailableError("m")).code == kInternalServiceError);
  CHECK(ApiErrorFromStatus(InternalError("m")).code == kInternalServiceError);
  CHECK(ApiErrorFromStatus(Status::Ok()).code == kInternalServiceError);
  CHECK(ApiErrorFromStatus(NotFoundError("the message")).message == "the message");
}

TEST_CASE("ApiErrorFromStatus reads a name prefix only where the code allows it", "[service]") {
  ApiError validation = ApiErrorFromStatus(internal::ValidationError("Invalid name."));
  CHECK(validation.code == kValidation);
  CHECK(validation.message == "Invalid name.");
  CHECK(ApiErrorFromStatus(internal::InvalidNextTokenError("bad")).code == kInvalidNextToken);
  CHECK(ApiErrorFromStatus(internal::EncryptionFailureError("x")).code == kEncryptionFailure);
  ApiError spoof = ApiErrorFromStatus(NotFoundError("ValidationException: no"));
  CHECK(spoof.code == kResourceNotFound);
  CHECK(spoof.message == "ValidationException: no");
  CHECK(ApiErrorFromStatus(InvalidArgumentError("Invalid Tags: duplicate")).code ==
        kInvalidParameter);
}

}  // namespace
}  // namespace cairn::service
