#include <catch2/catch.hpp>
#include <regex>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("CreateSecret with a value creates the secret and its AWSCURRENT version", "[service]") {
  Harness h;
  Decision d = h.Create("prod/db", "hunter2", 1, {{"Description", "main db"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretCreated");
  std::string arn = d.body["ARN"];
  CHECK(std::regex_match(
      arn,
      std::regex("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}")));
  CHECK(d.body["Name"] == "prod/db");
  CHECK(d.body["VersionId"] == Token(1));
  CHECK(d.body.size() == 3);
  const projections::Secret& s = h.SecretNamed("prod/db");
  CHECK(s.arn == arn);
  CHECK(s.description == std::optional<std::string>("main db"));
  CHECK(Labels(s, Token(1)) == "AWSCURRENT");
  CHECK(h.GetValue("prod/db") == "hunter2");
  CHECK(h.keys.count(KeyEntryKey(arn, Token(1))) == 1);
}

TEST_CASE("CreateSecret without a value creates a secret with no versions", "[service]") {
  Harness h;
  Decision d = h.Call("CreateSecret", {{"Name", "empty"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK_FALSE(d.body.contains("VersionId"));
  CHECK(h.SecretNamed("empty").versions.empty());
  Decision get = h.Call("GetSecretValue", {{"SecretId", "empty"}});
  CHECK(ErrorCode(get) == kResourceNotFound);
  CHECK(ErrorMessage(get) ==
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
  Decision describe = h.Call("DescribeSecret", {{"SecretId", "empty"}});
  CHECK_FALSE(describe.body.contains("VersionIdsToStages"));
}

TEST_CASE("CreateSecret stores a binary value as binary", "[service]") {
  Harness h;
  Decision d = h.Call("CreateSecret", {{"Name", "bin"}, {"ClientRequestToken", Token(1)}},
                      BinaryValue(std::string("\x00\x01\xff", 3)));
  REQUIRE(ErrorCode(d) == "");
  CHECK(h.SecretNamed("bin").FindVersion(Token(1))->kind == projections::ValueKind::kBinary);
  CHECK(h.GetValue("bin") == std::string("\x00\x01\xff", 3));
}

TEST_CASE("CreateSecret rejects names outside the allowed characters with ValidationException",
          "[service]") {
  Harness h;
  for (const std::string& name : std::vector<std::string>{
           "has space", "star*", "bang!", "caf\xc3\xa9", std::string(513, 'a'), ""}) {
    Decision d = h.Call("CreateSecret", {{"Name", name}});
    INFO(name);
    CHECK(ErrorCode(d) == kValidation);
  }
  CHECK(ErrorCode(h.Call("CreateSecret", {{"Name", std::string(512, 'a')}})) == "");
  CHECK(ErrorCode(h.Call("CreateSecret", {{"Name", "A-z_0+9=.@/x"}})) == "");
}

TEST_CASE("CreateSecret reports model constraint violations as InvalidParameterException",
          "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Call("CreateSecret", Json::object())) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("CreateSecret", {{"Name", 5}})) == kInvalidParameter);
  CHECK(
      ErrorCode(h.Call("CreateSecret", {{"Name", "a"}, {"Description", std::string(2049, 'd')}})) ==
      kInvalidParameter);
  CHECK(ErrorCode(h.Call("CreateSecret", {{"Name", "a"}, {"KmsKeyId", std::string(2049, 'k')}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("CreateSecret",
                         {{"Name", "a"}, {"ClientRequestToken", std::string(31, 't')}},
                         StringValue("v"))) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("CreateSecret",
                         {{"Name", "a"}, {"ClientRequestToken", std::string(65, 't')}},
                         StringValue("v"))) == kInvalidParameter);
  CHECK(h.view.secrets().empty());
}

TEST_CASE("CreateSecret checks the value size in bytes", "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Create("a", "")) == kInvalidParameter);
  CHECK(ErrorCode(h.Create("a", std::string(65537, 'x'))) == kInvalidParameter);
  CHECK(ErrorCode(h.Create("a", std::string(65536, 'x'))) == "");
}

TEST_CASE("CreateSecret with both a string and a binary value is InvalidParameterException",
          "[service]") {
  Harness h;
  Decision d = h.Call("CreateSecret",
                      {{"Name", "a"}, {"ClientRequestToken", Token(1)}, {"SecretBinary", "AAEC"}},
                      StringValue("v"));
  CHECK(ErrorCode(d) == kInvalidParameter);
  CHECK(
      ErrorMessage(d) ==
      "You can't specify both a binary secret value and a string secret value in the same secret.");
}

TEST_CASE("CreateSecret with a value but no ClientRequestToken is InvalidRequestException",
          "[service]") {
  Harness h;
  Decision d = h.Call("CreateSecret", {{"Name", "a"}}, StringValue("v"));
  CHECK(ErrorCode(d) == kInvalidRequest);
  CHECK(ErrorMessage(d) ==
        "You must provide a ClientRequestToken value. We recommend a UUID-type value.");
}

TEST_CASE("CreateSecret of a name in use is ResourceExistsException", "[service]") {
  Harness h;
  h.Create("a", "v1", 1);
  Decision d = h.Create("a", "v1", 2);
  CHECK(ErrorCode(d) == kResourceExists);
  CHECK(ErrorMessage(d) == "The operation failed because the secret a already exists.");
  CHECK(ErrorCode(h.Call("CreateSecret", {{"Name", "a"}})) == kResourceExists);
}

TEST_CASE("CreateSecret validates tags", "[service]") {
  Harness h;
  auto with_tags = [&](Json tags) {
    return ErrorCode(h.Call("CreateSecret", {{"Name", "t"}, {"Tags", tags}}));
  };
  CHECK(with_tags(Json::array({{{"Key", "aws:owner"}, {"Value", "x"}}})) == kInvalidParameter);
  CHECK(with_tags(Json::array({{{"Key", std::string(129, 'k')}, {"Value", "x"}}})) ==
        kInvalidParameter);
  CHECK(with_tags(Json::array({{{"Key", "k"}, {"Value", std::string(257, 'v')}}})) ==
        kInvalidParameter);
  CHECK(with_tags(Json::array({{{"Key", ""}, {"Value", "v"}}})) == kInvalidParameter);
  CHECK(with_tags(Json::array({{{"Key", "k"}, {"Value", "1"}}, {{"Key", "k"}, {"Value", "2"}}})) ==
        kInvalidParameter);
  CHECK(with_tags("not a list") == kInvalidParameter);
  Json many = Json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"Key", "k" + std::to_string(i)}, {"Value", ""}});
  CHECK(with_tags(many) == kInvalidParameter);
  many.erase(many.end() - 1);
  CHECK(with_tags(many) == "");
  CHECK(h.SecretNamed("t").tags.size() == 50);
}

TEST_CASE("CreateSecret refuses replica regions and managed external secrets", "[service]") {
  Harness h;
  Decision d =
      h.Call("CreateSecret",
             {{"Name", "r"}, {"AddReplicaRegions", Json::array({{{"Region", "us-west-2"}}})}});
  CHECK(ErrorCode(d) == kInvalidRequest);
  CHECK(ErrorMessage(d) == "Cairn does not replicate to other regions; use cairn-replica");
  CHECK(ErrorCode(h.Call("CreateSecret", {{"Name", "r"}, {"Type", "partner"}})) == kInvalidRequest);
  CHECK(ErrorCode(
            h.Call("CreateSecret", {{"Name", "r"}, {"ForceOverwriteReplicaSecret", false}})) == "");
}

TEST_CASE("CreateSecret draws a fresh ARN suffix when a name is created again", "[service]") {
  Harness h;
  std::string first = h.Create("again", "v", 1).body["ARN"];
  REQUIRE(ErrorCode(h.Call("DeleteSecret",
                           {{"SecretId", "again"}, {"ForceDeleteWithoutRecovery", true}})) == "");
  REQUIRE(h.view.FindByName("again") == nullptr);
  std::string second = h.Create("again", "v", 2).body["ARN"];
  CHECK(first != second);
  CHECK(second.substr(0, second.size() - 6) == first.substr(0, first.size() - 6));
}

}  // namespace
}  // namespace cairn::service::testing
