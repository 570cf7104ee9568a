#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("PutSecretValue without stages makes the new version current and the old one previous",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision d = h.Put("db", "v2", 2);
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretValuePut");
  CHECK(d.body == Json({{"ARN", h.SecretNamed("db").arn},
                        {"Name", "db"},
                        {"VersionId", Token(2)},
                        {"VersionStages", {"AWSCURRENT"}}}));
  h.Put("db", "v3", 3);
  const projections::Secret& s = h.SecretNamed("db");
  CHECK(Labels(s, Token(1)) == "");
  CHECK(Labels(s, Token(2)) == "AWSPREVIOUS");
  CHECK(Labels(s, Token(3)) == "AWSCURRENT");
  CHECK(h.GetValue("db") == "v3");
  CHECK(h.GetValue("db", {{"VersionStage", "AWSPREVIOUS"}}) == "v2");
  CHECK(h.GetValue("db", {{"VersionId", Token(1)}}) == "v1");
}

TEST_CASE("PutSecretValue with stages that lack AWSCURRENT leaves AWSCURRENT where it is",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision d = h.Put("db", "v2", 2, {{"VersionStages", {"AWSPENDING"}}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.body["VersionStages"] == Json::array({"AWSPENDING"}));
  CHECK(h.GetValue("db") == "v1");
  CHECK(h.GetValue("db", {{"VersionStage", "AWSPENDING"}}) == "v2");
}

TEST_CASE("the first value of a secret created without one always becomes AWSCURRENT",
          "[service]") {
  Harness h;
  h.Call("CreateSecret", {{"Name", "db"}});
  Decision d = h.Put("db", "v1", 1, {{"VersionStages", {"custom"}}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.body["VersionStages"] == Json::array({"AWSCURRENT", "custom"}));
  CHECK(h.GetValue("db") == "v1");
}

TEST_CASE("PutSecretValue needs exactly one value", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision none = h.Call("PutSecretValue", {{"SecretId", "db"}, {"ClientRequestToken", Token(2)}});
  CHECK(ErrorCode(none) == kInvalidParameter);
  Decision both =
      h.Call("PutSecretValue",
             {{"SecretId", "db"}, {"ClientRequestToken", Token(2)}, {"SecretString", "x"}},
             BinaryValue("y"));
  CHECK(ErrorCode(both) == kInvalidParameter);
}

TEST_CASE("PutSecretValue on an unknown secret is ResourceNotFoundException", "[service]") {
  Harness h;
  Decision d = h.Put("nope", "v", 1);
  CHECK(ErrorCode(d) == kResourceNotFound);
  CHECK(ErrorMessage(d) == "Secrets Manager can't find the specified secret.");
}

TEST_CASE("PutSecretValue validates VersionStages and RotationToken", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"VersionStages", Json::array()}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"VersionStages", {""}}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"VersionStages", {std::string(257, 's')}}})) ==
        kInvalidParameter);
  Json many = Json::array();
  for (int i = 0; i < 21; ++i) many.push_back("l" + std::to_string(i));
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"VersionStages", many}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"RotationToken", "short"}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"RotationToken", std::string(36, '*')}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Put("db", "v", 2, {{"RotationToken", std::string(36, 'a')}})) == "");
}

TEST_CASE("a write that would put more than 20 labels on a secret is LimitExceededException",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Json nineteen = Json::array();
  for (int i = 0; i < 19; ++i) nineteen.push_back("l" + std::to_string(i));
  REQUIRE(ErrorCode(h.Put("db", "v2", 2, {{"VersionStages", nineteen}})) == "");
  CHECK(ErrorCode(h.Put("db", "v3", 3, {{"VersionStages", {"one-more"}}})) == kLimitExceeded);
  CHECK(h.SecretNamed("db").versions.size() == 2);
}

TEST_CASE("the 101st version prunes the oldest deprecated version older than a day", "[service]") {
  Harness h;
  std::string arn = h.Create("db", "v", 1).body["ARN"];
  for (int i = 2; i <= 100; ++i) {
    h.Advance(kHourMs);
    REQUIRE(ErrorCode(h.Put("db", "v" + std::to_string(i), i)) == "");
  }
  REQUIRE(h.SecretNamed("db").versions.size() == 100);
  h.Advance(kDayMs);
  Decision d = h.Put("db", "v101", 101);
  REQUIRE(ErrorCode(d) == "");
  const schema::VersionWritten* written = EventOf(d)->body_as_SecretValuePut()->version();
  REQUIRE(written->pruned_version_ids() != nullptr);
  REQUIRE(written->pruned_version_ids()->size() == 1);
  CHECK(written->pruned_version_ids()->Get(0)->str() == Token(1));
  CHECK(h.SecretNamed("db").versions.size() == 100);
  CHECK(h.SecretNamed("db").FindVersion(Token(1)) == nullptr);
  CHECK(h.keys.count(KeyEntryKey(arn, Token(1))) == 0);
  CHECK(h.keys.count(KeyEntryKey(arn, Token(101))) == 1);
}

TEST_CASE("more than 100 versions younger than a day is LimitExceededException", "[service]") {
  Harness h;
  h.Create("db", "v", 1);
  for (int i = 2; i <= 100; ++i) REQUIRE(ErrorCode(h.Put("db", "v" + std::to_string(i), i)) == "");
  Decision d = h.Put("db", "v101", 101);
  CHECK(ErrorCode(d) == kLimitExceeded);
  CHECK(h.SecretNamed("db").versions.size() == 100);
}

}  // namespace
}  // namespace cairn::service::testing
