#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("DescribeSecret returns the populated members in the model's order", "[service]") {
  Harness h;
  std::string arn = h.Create("db", "v1", 1, {{"Description", "d"}}).body["ARN"];
  h.Advance(1000);
  h.Put("db", "v2", 2);
  h.Put("db", "v3", 3);
  Decision d = h.Call("DescribeSecret", {{"SecretId", "db"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretDescribed");
  CHECK(d.body.dump() ==
        Json({{"ARN", arn},
              {"Name", "db"},
              {"Description", "d"},
              {"LastChangedDate", 1709658181.123},
              {"VersionIdsToStages", {{Token(2), {"AWSPREVIOUS"}}, {Token(3), {"AWSCURRENT"}}}},
              {"CreatedDate", 1709658180.123}})
            .dump());
}

TEST_CASE("DescribeSecret shows KmsKeyId, LastAccessedDate and Tags only once they have a value",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1, {{"KmsKeyId", "alias/k"}});
  Json before = h.Call("DescribeSecret", {{"SecretId", "db"}}).body;
  CHECK(before["KmsKeyId"] == "alias/k");
  CHECK_FALSE(before.contains("LastAccessedDate"));
  CHECK_FALSE(before.contains("Tags"));
  h.GetValue("db");
  h.Call("TagResource", {{"SecretId", "db"}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  Json tagged = h.Call("DescribeSecret", {{"SecretId", "db"}}).body;
  CHECK(tagged["LastAccessedDate"] == 1709596800);
  CHECK(tagged["Tags"] == Json::array({{{"Key", "k"}, {"Value", "v"}}}));
  h.Call("UntagResource", {{"SecretId", "db"}, {"TagKeys", {"k"}}});
  CHECK(h.Call("DescribeSecret", {{"SecretId", "db"}}).body["Tags"] == Json::array());
}

TEST_CASE("DescribeSecret errors", "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Call("DescribeSecret", {{"SecretId", "nope"}})) == kResourceNotFound);
  CHECK(ErrorCode(h.Call("DescribeSecret", {{"SecretId", "no pe"}})) == kValidation);
  CHECK(ErrorCode(h.Call("DescribeSecret", Json::object())) == kInvalidParameter);
}

TEST_CASE("ListSecretVersionIds lists labelled versions, and deprecated ones on request",
          "[service]") {
  Harness h;
  std::string arn = h.Create("db", "v1", 1).body["ARN"];
  h.Put("db", "v2", 2);
  h.Put("db", "v3", 3);
  Decision d = h.Call("ListSecretVersionIds", {{"SecretId", "db"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretVersionIdsListed");
  REQUIRE(d.body["Versions"].size() == 2);
  CHECK(d.body["Versions"][0].dump() == Json({{"VersionId", Token(2)},
                                              {"VersionStages", {"AWSPREVIOUS"}},
                                              {"CreatedDate", 1709658180.123},
                                              {"KmsKeyIds", {"DefaultEncryptionKey"}}})
                                            .dump());
  CHECK(d.body["ARN"] == arn);
  CHECK(d.body["Name"] == "db");
  CHECK_FALSE(d.body.contains("NextToken"));

  Decision all = h.Call("ListSecretVersionIds", {{"SecretId", "db"}, {"IncludeDeprecated", true}});
  REQUIRE(all.body["Versions"].size() == 3);
  CHECK(all.body["Versions"][0]["VersionId"] == Token(1));
  CHECK_FALSE(all.body["Versions"][0].contains("VersionStages"));
}

TEST_CASE("ListSecretVersionIds pages and refuses a token from another secret", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  h.Put("db", "v2", 2, {{"VersionStages", {"a"}}});
  h.Put("db", "v3", 3, {{"VersionStages", {"b"}}});
  h.Create("other", "v", 4);
  Decision first = h.Call("ListSecretVersionIds", {{"SecretId", "db"}, {"MaxResults", 2}});
  REQUIRE(first.body["Versions"].size() == 2);
  std::string token = first.body["NextToken"];
  Decision second =
      h.Call("ListSecretVersionIds", {{"SecretId", "db"}, {"MaxResults", 2}, {"NextToken", token}});
  REQUIRE(second.body["Versions"].size() == 1);
  CHECK(second.body["Versions"][0]["VersionId"] == Token(3));
  CHECK(ErrorCode(h.Call("ListSecretVersionIds", {{"SecretId", "other"}, {"NextToken", token}})) ==
        kInvalidNextToken);
  CHECK(ErrorCode(h.Call("ListSecretVersionIds", {{"SecretId", "db"},
                                                  {"IncludeDeprecated", true},
                                                  {"NextToken", token}})) == kInvalidNextToken);
  CHECK(ErrorCode(h.Call("ListSecretVersionIds", {{"SecretId", "db"}, {"MaxResults", 0}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("ListSecretVersionIds", {{"SecretId", "nope"}})) == kResourceNotFound);
}

}  // namespace
}  // namespace cairn::service::testing
