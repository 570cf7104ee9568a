#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("BatchGetSecretValue by id list returns values and per-secret errors", "[service]") {
  Harness h;
  std::string a = h.Create("a", "va", 1).body["ARN"];
  std::string b = h.Create("b", "vb", 2).body["ARN"];
  h.Create("gone", "vg", 3);
  h.Call("DeleteSecret", {{"SecretId", "gone"}});
  h.Call("CreateSecret", {{"Name", "empty"}});
  Decision d = h.Call("BatchGetSecretValue",
                      {{"SecretIdList", {"a", b, "nope", "gone", "empty", "bad name", "a"}}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "BatchSecretValuesRead");
  REQUIRE(d.body["SecretValues"].size() == 2);
  CHECK(d.body["SecretValues"][0]["ARN"] == a);
  CHECK(d.body["SecretValues"][1]["ARN"] == b);
  REQUIRE(d.to_open.size() == 2);
  CHECK(d.to_open[0].index == 0);
  CHECK(d.to_open[1].index == 1);
  CHECK(h.Open(d.to_open[0]) == "va");
  CHECK(h.Open(d.to_open[1]) == "vb");
  Json errors = d.body["Errors"];
  REQUIRE(errors.size() == 4);
  CHECK(errors[0] == Json({{"SecretId", "nope"},
                           {"ErrorCode", kResourceNotFound},
                           {"Message", "Secrets Manager can't find the specified secret."}}));
  CHECK(errors[1]["ErrorCode"] == kInvalidRequest);
  CHECK(errors[2]["ErrorCode"] == kResourceNotFound);
  CHECK(errors[3]["ErrorCode"] == kValidation);
  const schema::BatchSecretValuesRead* body = EventOf(d)->body_as_BatchSecretValuesRead();
  CHECK(body->arns()->size() == 2);
  CHECK(body->error_count() == 4);
}

TEST_CASE("BatchGetSecretValue needs exactly one of SecretIdList and Filters", "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Call("BatchGetSecretValue", Json::object())) == kInvalidParameter);
  CHECK(ErrorCode(h.Call(
            "BatchGetSecretValue",
            {{"SecretIdList", {"a"}}, {"Filters", {{{"Key", "name"}, {"Values", {"a"}}}}}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("BatchGetSecretValue", {{"SecretIdList", {"a"}}, {"MaxResults", 5}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("BatchGetSecretValue", {{"SecretIdList", Json::array()}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("BatchGetSecretValue", {{"SecretIdList", {"a"}}, {"NextToken", "AAAA"}})) ==
        kInvalidParameter);
  Json many = Json::array();
  for (int i = 0; i < 21; ++i) many.push_back("s" + std::to_string(i));
  CHECK(ErrorCode(h.Call("BatchGetSecretValue", {{"SecretIdList", many}})) == kInvalidParameter);
  CHECK(
      ErrorCode(h.Call("BatchGetSecretValue", {{"Filters", {{{"Key", "name"}, {"Values", {"a"}}}}},
                                               {"MaxResults", 21}})) == kInvalidParameter);
}

TEST_CASE("BatchGetSecretValue by filters pages with an authenticated NextToken", "[service]") {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    h.Advance(1000);
    h.Create("app/" + std::to_string(i), "v" + std::to_string(i), i + 1);
  }
  h.Create("other", "x", 9);
  Json params = {{"Filters", {{{"Key", "name"}, {"Values", {"app/"}}}}}, {"MaxResults", 2}};
  Decision first = h.Call("BatchGetSecretValue", params);
  REQUIRE(ErrorCode(first) == "");
  REQUIRE(first.body["SecretValues"].size() == 2);
  CHECK(h.Open(first.to_open[1]) == "v1");
  REQUIRE(first.body.contains("NextToken"));
  params["NextToken"] = first.body["NextToken"];
  Decision second = h.Call("BatchGetSecretValue", params);
  REQUIRE(ErrorCode(second) == "");
  REQUIRE(second.body["SecretValues"].size() == 1);
  CHECK(h.Open(second.to_open[0]) == "v2");
  CHECK_FALSE(second.body.contains("NextToken"));

  params["Filters"] = {{{"Key", "name"}, {"Values", {"other"}}}};
  CHECK(ErrorCode(h.Call("BatchGetSecretValue", params)) == kInvalidNextToken);
}

}  // namespace
}  // namespace cairn::service::testing
