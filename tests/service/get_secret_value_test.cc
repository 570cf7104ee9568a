#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("GetSecretValue names the version for the engine to open and records the read",
          "[service]") {
  Harness h;
  std::string arn = h.Create("db", "v1", 1).body["ARN"];
  h.Advance(5000);
  Decision d = h.Call("GetSecretValue", {{"SecretId", "db"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretValueRead");
  CHECK(d.body.dump() == Json({{"ARN", arn},
                               {"Name", "db"},
                               {"VersionId", Token(1)},
                               {"VersionStages", {"AWSCURRENT"}},
                               {"CreatedDate", 1709658180.123}})
                             .dump());
  REQUIRE(d.to_open.size() == 1);
  CHECK(d.to_open[0].index == 0);
  CHECK(d.to_open[0].arn == arn);
  CHECK(d.to_open[0].version_id == Token(1));
  CHECK(d.to_open[0].value_seq == 1);  // seq 0 is the LedgerInitialized record
  CHECK(d.to_open[0].kek_version == 1);
  CHECK(h.Open(d.to_open[0]) == "v1");
  const schema::SecretValueRead* read = EventOf(d)->body_as_SecretValueRead();
  CHECK(Str(read->arn()) == arn);
  CHECK(Str(read->version_id()) == Token(1));
  CHECK(h.SecretNamed("db").last_accessed_ms == 1709596800000);  // day resolution
}

TEST_CASE("GetSecretValue resolves names, full ARNs and partial ARNs", "[service]") {
  Harness h;
  for (std::string name :
       {"s-c64bdc03", "Valid/_+=.@-Name", "Valid/_+=.@-Name-a1b2", "Valid/_+=.@-Name-a1b2c3-"}) {
    std::string arn = h.Create(name, "value of " + name, 1).body["ARN"];
    INFO(name);
    CHECK(h.GetValue(name) == "value of " + name);
    CHECK(h.GetValue(arn) == "value of " + name);
    CHECK(h.GetValue(arn.substr(0, arn.size() - 7)) == "value of " + name);
  }
}

TEST_CASE("a partial ARN of a name ending in a dash and six characters is taken for a full ARN",
          "[service]") {
  Harness h;
  std::string arn = h.Create("name-a1b2c3", "v", 1).body["ARN"];
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", arn.substr(0, arn.size() - 7)}})) ==
        kResourceNotFound);
  CHECK(h.GetValue(arn) == "v");
}

TEST_CASE("an ARN of another region, account or partition does not resolve", "[service]") {
  Harness h;
  h.Create("db", "v", 1);
  for (std::string id :
       {"arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        "arn:aws:secretsmanager:eu-west-1:000000000000:secret:db",
        "arn:aws-cn:secretsmanager:eu-west-1:123456789012:secret:db", "arn:garbage"}) {
    INFO(id);
    CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", id}})) == kResourceNotFound);
  }
}

TEST_CASE("GetSecretValue selects by VersionId and VersionStage", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  h.Put("db", "v2", 2);
  h.Put("db", "v3", 3);
  CHECK(h.GetValue("db", {{"VersionStage", "AWSPREVIOUS"}}) == "v2");
  CHECK(h.GetValue("db", {{"VersionId", Token(1)}}) == "v1");  // deprecated but still readable
  CHECK(h.GetValue("db", {{"VersionId", Token(3)}, {"VersionStage", "AWSCURRENT"}}) == "v3");

  Decision mismatch =
      h.Call("GetSecretValue",
             {{"SecretId", "db"}, {"VersionId", Token(2)}, {"VersionStage", "AWSCURRENT"}});
  CHECK(ErrorCode(mismatch) == kInvalidRequest);
  CHECK(ErrorMessage(mismatch) ==
        "You provided a VersionStage that is not associated to the provided VersionId.");
  Decision unknown_id = h.Call("GetSecretValue", {{"SecretId", "db"}, {"VersionId", Token(9)}});
  CHECK(ErrorCode(unknown_id) == kResourceNotFound);
  CHECK(ErrorMessage(unknown_id) ==
        "Secrets Manager can't find the specified secret value for VersionId: " + Token(9));
  Decision unknown_label =
      h.Call("GetSecretValue", {{"SecretId", "db"}, {"VersionStage", "AWSPENDING"}});
  CHECK(ErrorCode(unknown_label) == kResourceNotFound);
  CHECK(ErrorMessage(unknown_label) ==
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING");
}

TEST_CASE("GetSecretValue errors", "[service]") {
  Harness h;
  h.Create("db", "v", 1);
  Decision missing = h.Call("GetSecretValue", {{"SecretId", "nope"}});
  CHECK(ErrorCode(missing) == kResourceNotFound);
  CHECK(ErrorMessage(missing) == "Secrets Manager can't find the specified secret.");
  CHECK(missing.to_open.empty());
  CHECK(ErrorCode(h.Call("GetSecretValue", Json::object())) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "bad?name"}})) == kValidation);
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", std::string(2049, 'a')}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "db"}, {"VersionId", "short"}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "db"}, {"VersionStage", ""}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "db"}, {"VersionStage", 7}})) ==
        kInvalidParameter);
}

}  // namespace
}  // namespace cairn::service::testing
