#include <catch2/catch.hpp>

#include "crypto/status.h"

namespace cairn {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST_CASE("ASSIGN_OR_RETURN passes values through and returns the first error",
          "[crypto][status]") {
  REQUIRE(Quarter(8).ok());
  CHECK(*Quarter(8) == 2);
  CHECK(Quarter(6).status() == InvalidArgumentError("odd"));
}

TEST_CASE("RETURN_IF_ERROR returns a non-OK status and continues on OK", "[crypto][status]") {
  CHECK(CheckEven(4).ok());
  CHECK(CheckEven(3).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("WithContext prefixes the message and leaves OK alone", "[crypto][status]") {
  CHECK(DataLossError("bad").WithContext("reading x").ToString() == "DATA_LOSS: reading x: bad");
  CHECK(Status::Ok().WithContext("ignored").ok());
}

}  // namespace
}  // namespace cairn
