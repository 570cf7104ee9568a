#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("UpdateSecret with only metadata creates no version", "[service]") {
  Harness h;
  std::string arn = h.Create("db", "v1", 1).body["ARN"];
  Decision d = h.Call("UpdateSecret",
                      {{"SecretId", "db"}, {"Description", "new"}, {"KmsKeyId", "alias/mine"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretMetadataUpdated");
  CHECK(d.body == Json({{"ARN", arn}, {"Name", "db"}}));
  const projections::Secret& s = h.SecretNamed("db");
  CHECK(s.description == std::optional<std::string>("new"));
  CHECK(s.kms_key_id == "alias/mine");
  CHECK(s.versions.size() == 1);
  SECTION("an empty KmsKeyId goes back to the default key") {
    REQUIRE(ErrorCode(h.Call("UpdateSecret", {{"SecretId", "db"}, {"KmsKeyId", ""}})) == "");
    CHECK(h.SecretNamed("db").kms_key_id.empty());
  }
}

TEST_CASE("UpdateSecret with a value creates a new AWSCURRENT version", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision d = h.Call("UpdateSecret", {{"SecretId", "db"}, {"ClientRequestToken", Token(2)}},
                      StringValue("v2"));
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretValuePut");
  CHECK(d.body["VersionId"] == Token(2));
  CHECK(Labels(h.SecretNamed("db"), Token(1)) == "AWSPREVIOUS");
  CHECK(Labels(h.SecretNamed("db"), Token(2)) == "AWSCURRENT");
  CHECK(h.GetValue("db") == "v2");
}

TEST_CASE("UpdateSecret with metadata and a value records both in one event", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision d = h.Call("UpdateSecret",
                      {{"SecretId", "db"}, {"ClientRequestToken", Token(2)}, {"Description", "d"}},
                      BinaryValue("bin"));
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretMetadataUpdated");
  CHECK(EventOf(d)->body_as_SecretMetadataUpdated()->version() != nullptr);
  CHECK(h.SecretNamed("db").description == std::optional<std::string>("d"));
  CHECK(h.GetValue("db") == "bin");
}

TEST_CASE("UpdateSecret with nothing to change succeeds and changes nothing", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  int64_t changed = h.SecretNamed("db").last_changed_ms;
  h.Advance(1000);
  Decision d = h.Call("UpdateSecret", {{"SecretId", "db"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretUnchanged");
  CHECK(h.SecretNamed("db").last_changed_ms == changed);
}

TEST_CASE("UpdateSecret errors", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  CHECK(ErrorCode(h.Call("UpdateSecret", {{"SecretId", "nope"}, {"Description", "x"}})) ==
        kResourceNotFound);
  CHECK(ErrorCode(h.Call("UpdateSecret",
                         {{"SecretId", "db"}, {"Description", std::string(2049, 'x')}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("UpdateSecret", {{"SecretId", "db"}}, StringValue("v"))) ==
        kInvalidRequest);
  CHECK(ErrorCode(h.Call("UpdateSecret", {{"SecretId", "bad id"}})) == kValidation);
  CHECK(ErrorCode(
            h.Call("UpdateSecret",
                   {{"SecretId", "db"}, {"ClientRequestToken", Token(2)}, {"SecretString", "a"}},
                   BinaryValue("b"))) == kInvalidParameter);
}

}  // namespace
}  // namespace cairn::service::testing
