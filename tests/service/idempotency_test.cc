// ClientRequestToken idempotency, API reference §3.3, row by row.
#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("CreateSecret replayed with the same token and value returns the original secret",
          "[service]") {
  Harness h;
  Decision first = h.Create("db", "v1", 1);
  size_t versions = h.SecretNamed("db").versions.size();
  Decision replay = h.Create("db", "v1", 1);
  REQUIRE(ErrorCode(replay) == "");
  CHECK(replay.event_type == "SecretUnchanged");
  CHECK(replay.body == first.body);
  CHECK(replay.key_writes.empty());
  CHECK(h.SecretNamed("db").versions.size() == versions);
}

TEST_CASE("CreateSecret replayed with the same token but another value is ResourceExistsException",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  CHECK(ErrorCode(h.Create("db", "v2", 1)) == kResourceExists);
  SECTION("the same bytes of the other kind are another value") {
    Decision d = h.Call("CreateSecret", {{"Name", "db"}, {"ClientRequestToken", Token(1)}},
                        BinaryValue("v1"));
    CHECK(ErrorCode(d) == kResourceExists);
  }
}

TEST_CASE("CreateSecret of an existing name with an unknown token is ResourceExistsException",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  CHECK(ErrorCode(h.Create("db", "v1", 2)) == kResourceExists);
}

TEST_CASE("PutSecretValue replayed with the same token and value is ignored", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision first = h.Put("db", "v2", 2);
  REQUIRE(ErrorCode(first) == "");
  Decision replay = h.Put("db", "v2", 2);
  REQUIRE(ErrorCode(replay) == "");
  CHECK(replay.event_type == "SecretUnchanged");
  CHECK(replay.body == first.body);
  CHECK(replay.key_writes.empty());
  const projections::Secret& s = h.SecretNamed("db");
  CHECK(s.versions.size() == 2);
  CHECK(Labels(s, Token(1)) == "AWSPREVIOUS");
  CHECK(Labels(s, Token(2)) == "AWSCURRENT");
}

TEST_CASE("PutSecretValue replayed after the labels moved reports the labels it has now",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  h.Put("db", "v2", 2);
  h.Put("db", "v3", 3);
  Decision replay = h.Put("db", "v2", 2);
  REQUIRE(ErrorCode(replay) == "");
  CHECK(replay.body["VersionStages"] == Json::array({"AWSPREVIOUS"}));
  CHECK(Labels(h.SecretNamed("db"), Token(3)) == "AWSCURRENT");
}

TEST_CASE("PutSecretValue with a token in use for another value is ResourceExistsException",
          "[service]") {
  Harness h;
  std::string arn = h.Create("db", "v1", 1).body["ARN"];
  Decision d = h.Put("db", "other", 1);
  CHECK(ErrorCode(d) == kResourceExists);
  CHECK(ErrorMessage(d) == "You can't use ClientRequestToken " + Token(1) +
                               " because that value is already in use for a version of secret " +
                               arn + ".");
  CHECK(ErrorMessage(d).find("other") == std::string::npos);
}

TEST_CASE("UpdateSecret with a token equal to an existing VersionId is ResourceExistsException",
          "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  Decision same = h.Call("UpdateSecret", {{"SecretId", "db"}, {"ClientRequestToken", Token(1)}},
                         StringValue("v1"));
  CHECK(ErrorCode(same) == kResourceExists);
  Decision other = h.Call("UpdateSecret", {{"SecretId", "db"}, {"ClientRequestToken", Token(1)}},
                          StringValue("x"));
  CHECK(ErrorCode(other) == kResourceExists);
}

TEST_CASE("a missing ClientRequestToken is reported before the secret is looked up", "[service]") {
  Harness h;
  for (const char* op : {"PutSecretValue", "UpdateSecret"}) {
    Decision d = h.Call(op, {{"SecretId", "no-such-secret"}}, StringValue("v"));
    INFO(op);
    CHECK(ErrorCode(d) == kInvalidRequest);
    CHECK(ErrorMessage(d) ==
          "You must provide a ClientRequestToken value. We recommend a UUID-type value.");
  }
}

TEST_CASE("the value digest is a keyed MAC that differs per kind and per token key", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  const projections::Version* v = h.SecretNamed("db").FindVersion(Token(1));
  REQUIRE(v->value_digest.size() == 32);
  CHECK(v->value_digest.find("v1") == std::string::npos);
}

}  // namespace
}  // namespace cairn::service::testing

namespace cairn::service::testing {
namespace {

// Regression: the value digest was once keyed by the token key alone, so two
// secrets holding the same password showed equal digests in the chain.
TEST_CASE("equal values in two secrets leave unrelated digests in the chain", "[service][hygiene]") {
  Harness h;
  h.Create("a", "same-password", 1);
  h.Create("b", "same-password", 2);
  h.Put("a", "same-password", 3);
  const auto& va = h.SecretNamed("a").versions;
  const auto& vb = h.SecretNamed("b").versions;
  const std::string da = va.at(Token(1)).value_digest;
  const std::string db = vb.at(Token(2)).value_digest;
  const std::string da2 = va.at(Token(3)).value_digest;
  REQUIRE(da.size() == 32);
  CHECK(da != db);
  CHECK(da != da2);
}

}  // namespace
}  // namespace cairn::service::testing
