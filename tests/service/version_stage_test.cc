// Staging-label transitions through the API (API reference §3.2.2 rows).
#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

Decision Move(Harness& h, const std::string& stage, std::optional<int> from,
              std::optional<int> to) {
  Json p = {{"SecretId", "s"}, {"VersionStage", stage}};
  if (from.has_value()) p["RemoveFromVersionId"] = Token(*from);
  if (to.has_value()) p["MoveToVersionId"] = Token(*to);
  return h.Call("UpdateSecretVersionStage", p);
}

std::string All(Harness& h, int n) {
  std::string out;
  for (int i = 1; i <= n; ++i)
    out += "v" + std::to_string(i) + "[" + Labels(h.SecretNamed("s"), Token(i)) + "] ";
  return out;
}

TEST_CASE("moving AWSCURRENT onto the pending version keeps AWSPENDING, a new value then drops it",
          "[service]") {
  Harness h;
  std::string arn = h.Create("s", "1", 1).body["ARN"];
  h.Put("s", "2", 2, {{"VersionStages", {"AWSPENDING"}}});
  CHECK(All(h, 2) == "v1[AWSCURRENT] v2[AWSPENDING] ");
  Decision d = Move(h, "AWSCURRENT", 1, 2);
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "VersionStageUpdated");
  CHECK(d.body == Json({{"ARN", arn}, {"Name", "s"}}));
  CHECK(All(h, 2) == "v1[AWSPREVIOUS] v2[AWSCURRENT,AWSPENDING] ");
  h.Put("s", "3", 3);
  CHECK(All(h, 3) == "v1[] v2[AWSPREVIOUS] v3[AWSCURRENT] ");
}

TEST_CASE("a rotation-like sequence moves AWSPENDING and AWSPREVIOUS as AWS does", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  h.Put("s", "2", 2, {{"VersionStages", {"AWSPENDING"}}});
  REQUIRE(ErrorCode(Move(h, "AWSCURRENT", 1, 2)) == "");
  h.Put("s", "3", 3, {{"VersionStages", {"AWSPENDING"}}});
  CHECK(All(h, 3) == "v1[AWSPREVIOUS] v2[AWSCURRENT] v3[AWSPENDING] ");
  REQUIRE(ErrorCode(Move(h, "AWSCURRENT", 2, 3)) == "");
  CHECK(All(h, 3) == "v1[] v2[AWSPREVIOUS] v3[AWSCURRENT,AWSPENDING] ");
  REQUIRE(ErrorCode(Move(h, "AWSPENDING", 3, std::nullopt)) == "");
  CHECK(All(h, 3) == "v1[] v2[AWSPREVIOUS] v3[AWSCURRENT] ");
}

TEST_CASE("custom labels move with each write that names them", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  h.Put("s", "2", 2, {{"VersionStages", {"one", "two", "three"}}});
  SECTION("all of them") {
    h.Put("s", "3", 3, {{"VersionStages", {"one", "two", "three", "four"}}});
    CHECK(All(h, 3) == "v1[AWSCURRENT] v2[] v3[four,one,three,two] ");
  }
  SECTION("some of them") {
    h.Put("s", "3", 3, {{"VersionStages", {"one", "two", "four"}}});
    CHECK(All(h, 3) == "v1[AWSCURRENT] v2[three] v3[four,one,two] ");
  }
}

TEST_CASE("UpdateSecretVersionStage can add a label to a version and remove it again",
          "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  h.Put("s", "2", 2, {{"VersionStages", {"x"}}});
  REQUIRE(ErrorCode(Move(h, "new", std::nullopt, 1)) == "");
  CHECK(All(h, 2) == "v1[AWSCURRENT,new] v2[x] ");
  REQUIRE(ErrorCode(Move(h, "new", 1, 2)) == "");
  CHECK(All(h, 2) == "v1[AWSCURRENT] v2[new,x] ");
  REQUIRE(ErrorCode(Move(h, "new", 2, std::nullopt)) == "");
  CHECK(All(h, 2) == "v1[AWSCURRENT] v2[x] ");
}

TEST_CASE("UpdateSecretVersionStage enforces its preconditions", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  h.Put("s", "2", 2, {{"VersionStages", {"x"}}});
  SECTION("RemoveFromVersionId must carry the label") {
    CHECK(ErrorCode(Move(h, "x", 1, 2)) == kInvalidParameter);
    CHECK(ErrorCode(Move(h, "x", 9, std::nullopt)) == kInvalidParameter);
  }
  SECTION("a label on another version must be removed from it explicitly") {
    Decision d = Move(h, "AWSCURRENT", std::nullopt, 2);
    CHECK(ErrorCode(d) == kInvalidParameter);
    CHECK(ErrorMessage(d).find("Staging label AWSCURRENT is currently attached to version " +
                               Token(1)) != std::string::npos);
  }
  SECTION("MoveToVersionId must exist") {
    CHECK(ErrorCode(Move(h, "y", std::nullopt, 9)) == kResourceNotFound);
  }
  SECTION("AWSCURRENT cannot be removed without a new home") {
    CHECK(ErrorCode(Move(h, "AWSCURRENT", 1, std::nullopt)) == kInvalidParameter);
  }
  SECTION("one of the version ids is needed") {
    CHECK(ErrorCode(Move(h, "x", std::nullopt, std::nullopt)) == kInvalidParameter);
  }
  SECTION("model constraints") {
    CHECK(ErrorCode(h.Call("UpdateSecretVersionStage",
                           {{"SecretId", "s"}, {"MoveToVersionId", Token(1)}})) ==
          kInvalidParameter);
    CHECK(ErrorCode(
              h.Call("UpdateSecretVersionStage",
                     {{"SecretId", "s"}, {"VersionStage", "x"}, {"MoveToVersionId", "short"}})) ==
          kInvalidParameter);
  }
  SECTION("an unknown secret") {
    CHECK(ErrorCode(h.Call(
              "UpdateSecretVersionStage",
              {{"SecretId", "nope"}, {"VersionStage", "x"}, {"MoveToVersionId", Token(1)}})) ==
          kResourceNotFound);
  }
  CHECK(All(h, 2) == "v1[AWSCURRENT] v2[x] ");
}

TEST_CASE("UpdateSecretVersionStage refuses a 21st label with LimitExceededException",
          "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  Json nineteen = Json::array();
  for (int i = 0; i < 19; ++i) nineteen.push_back("l" + std::to_string(i));
  REQUIRE(ErrorCode(h.Put("s", "2", 2, {{"VersionStages", nineteen}})) == "");
  CHECK(ErrorCode(Move(h, "twenty-first", std::nullopt, 1)) == kLimitExceeded);
  CHECK(ErrorCode(Move(h, "l0", 2, 1)) == "");  // moving keeps the count
}

}  // namespace
}  // namespace cairn::service::testing
