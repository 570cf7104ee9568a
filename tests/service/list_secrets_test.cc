#include <catch2/catch.hpp>

#include "crypto/hash.h"
#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

std::vector<std::string> Names(const Decision& d) {
  std::vector<std::string> out;
  for (const Json& e : d.body["SecretList"]) out.push_back(e["Name"]);
  return out;
}

using V = std::vector<std::string>;

// Five secrets created one second apart.
void Populate(Harness& h) {
  Json tagged = {
      {"Tags", {{{"Key", "team"}, {"Value", "payments"}}, {{"Key", "env"}, {"Value", "prod"}}}}};
  h.Create("prod/db", "v", 1,
           {{"Description", "Main database credentials"}, {"Tags", tagged["Tags"]}});
  h.Advance(1000);
  h.Create("prod/api-key", "v", 2,
           {{"Description", "third party"}, {"Tags", {{{"Key", "env"}, {"Value", "prod"}}}}});
  h.Advance(1000);
  h.Create("dev/db", "v", 3, {{"Tags", {{{"Key", "env"}, {"Value", "dev"}}}}});
  h.Advance(1000);
  h.Create("Prod/Legacy", "v", 4, {{"Description", "old credsDatabase#892"}});
  h.Advance(1000);
  h.Create("archive", "v", 5);
}

Decision List(Harness& h, Json filters, Json extra = Json::object()) {
  extra["Filters"] = std::move(filters);
  Decision d = h.Call("ListSecrets", extra);
  INFO(ErrorMessage(d));
  REQUIRE(ErrorCode(d) == "");
  return d;
}

TEST_CASE("ListSecrets lists by creation date and hides secrets scheduled for deletion",
          "[service]") {
  Harness h;
  Populate(h);
  h.Call("DeleteSecret", {{"SecretId", "archive"}});
  Decision d = h.Call("ListSecrets", Json::object());
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretsListed");
  CHECK(Names(d) == V{"prod/db", "prod/api-key", "dev/db", "Prod/Legacy"});
  CHECK_FALSE(d.body.contains("NextToken"));
  Json entry = d.body["SecretList"][0];
  CHECK(entry.contains("SecretVersionsToStages"));
  CHECK_FALSE(entry.contains("VersionIdsToStages"));
  CHECK(Names(h.Call("ListSecrets", {{"IncludePlannedDeletion", true}})).size() == 5);
  CHECK(EventOf(d)->body_as_SecretsListed()->result_count() == 4);
}

TEST_CASE("ListSecrets sorts by the requested key and direction", "[service]") {
  Harness h;
  Populate(h);
  CHECK(Names(h.Call("ListSecrets", {{"SortBy", "name"}})) ==
        V{"Prod/Legacy", "archive", "dev/db", "prod/api-key", "prod/db"});
  CHECK(Names(h.Call("ListSecrets", {{"SortBy", "name"}, {"SortOrder", "desc"}})) ==
        V{"prod/db", "prod/api-key", "dev/db", "archive", "Prod/Legacy"});
  CHECK(Names(h.Call("ListSecrets", {{"SortOrder", "desc"}})) ==
        V{"archive", "Prod/Legacy", "dev/db", "prod/api-key", "prod/db"});
  h.Advance(kDayMs);
  h.GetValue("dev/db");
  CHECK(Names(h.Call("ListSecrets",
                     {{"SortBy", "last-accessed-date"}, {"SortOrder", "desc"}}))[0] == "dev/db");
  h.Call("UpdateSecret", {{"SecretId", "prod/db"}, {"Description", "x"}});
  CHECK(Names(h.Call("ListSecrets", {{"SortBy", "last-changed-date"}})).back() == "prod/db");
  CHECK(ErrorCode(h.Call("ListSecrets", {{"SortBy", "size"}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("ListSecrets", {{"SortOrder", "up"}})) == kInvalidParameter);
}

TEST_CASE("ListSecrets filters on each key", "[service]") {
  Harness h;
  Populate(h);
  auto f = [](const char* key, V values) {
    return Json::array({{{"Key", key}, {"Values", values}}});
  };
  CHECK(Names(List(h, f("name", {"prod/"}))) == V{"prod/db", "prod/api-key"});
  CHECK(Names(List(h, f("name", {"Prod"}))) == V{"Prod/Legacy"});
  CHECK(Names(List(h, f("description", {"main DATA"}))) == V{"prod/db"});
  CHECK(Names(List(h, f("description", {"database"}))) == V{});
  CHECK(Names(List(h, f("tag-key", {"te"}))) == V{"prod/db"});
  CHECK(Names(List(h, f("tag-value", {"prod"}))) == V{"prod/db", "prod/api-key"});
  CHECK(Names(List(h, f("tag-value", {"Prod"}))) == V{});
  CHECK(Names(List(h, f("primary-region", {"eu-"}))).size() == 5);
  CHECK(Names(List(h, f("primary-region", {"us-"}))) == V{});
  CHECK(Names(List(h, f("owning-service", {"rds"}))) == V{});
  CHECK(Names(List(h, f("all", {"database"}))) == V{"prod/db", "Prod/Legacy"});
  CHECK(Names(List(h, f("all", {"PAYMENTS"}))) == V{"prod/db"});
  CHECK(Names(List(h, f("all", {"892"}))) == V{"Prod/Legacy"});
  CHECK(Names(List(h, f("all", {"prod db"}))) == V{"prod/db"});
}

TEST_CASE("ListSecrets filters AND across keys, OR across values, and negate with a bang",
          "[service]") {
  Harness h;
  Populate(h);
  CHECK(Names(List(h, {{{"Key", "name"}, {"Values", {"dev", "archive"}}}})) ==
        V{"dev/db", "archive"});
  CHECK(Names(List(h, {{{"Key", "name"}, {"Values", {"prod"}}},
                       {{"Key", "tag-key"}, {"Values", {"team"}}}})) == V{"prod/db"});
  CHECK(Names(List(h, {{{"Key", "name"}, {"Values", {"!prod"}}}})) ==
        V{"dev/db", "Prod/Legacy", "archive"});
  CHECK(Names(List(h, {{{"Key", "tag-value"}, {"Values", {"!prod", "!dev"}}}})) ==
        V{"Prod/Legacy", "archive"});
  CHECK(Names(List(h, {{{"Key", "description"}, {"Values", {"!main"}}}})) ==
        V{"prod/api-key", "dev/db", "Prod/Legacy", "archive"});
  CHECK(Names(List(h, {{{"Key", "all"}, {"Values", {"!prod"}}}})) == V{"dev/db", "archive"});
}

TEST_CASE("ListSecrets rejects malformed filters with InvalidParameterException", "[service]") {
  Harness h;
  auto code = [&](Json filters) {
    return ErrorCode(h.Call("ListSecrets", {{"Filters", filters}}));
  };
  CHECK(code({{{"Key", "colour"}, {"Values", {"x"}}}}) == kInvalidParameter);
  CHECK(code({{{"Values", {"x"}}}}) == kInvalidParameter);
  CHECK(code({{{"Key", "name"}}}) == kInvalidParameter);
  CHECK(code({{{"Key", "name"}, {"Values", Json::array()}}}) == kInvalidParameter);
  CHECK(code({{{"Key", "name"}, {"Values", {"a*"}}}}) == kInvalidParameter);
  CHECK(code({{{"Key", "name"}, {"Values", {std::string(513, 'a')}}}}) == kInvalidParameter);
  Json eleven_values = Json::array();
  for (int i = 0; i < 11; ++i) eleven_values.push_back("v");
  CHECK(code({{{"Key", "name"}, {"Values", eleven_values}}}) == kInvalidParameter);
  Json eleven = Json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"Key", "name"}, {"Values", {"v"}}});
  CHECK(code(eleven) == kInvalidParameter);
  eleven.erase(eleven.end() - 1);
  CHECK(code(eleven) == "");
  CHECK(code({{{"Key", "name"}, {"Values", {"ok :_@/+=.-! 9"}}}}) == "");
}

TEST_CASE("ListSecrets pages with MaxResults and NextToken", "[service]") {
  Harness h;
  Populate(h);
  std::vector<std::string> seen;
  Json params = {{"MaxResults", 2}};
  int pages = 0;
  while (true) {
    Decision d = h.Call("ListSecrets", params);
    REQUIRE(ErrorCode(d) == "");
    ++pages;
    for (const std::string& n : Names(d)) seen.push_back(n);
    if (!d.body.contains("NextToken")) break;
    params["NextToken"] = d.body["NextToken"];
  }
  CHECK(pages == 3);
  CHECK(seen == V{"prod/db", "prod/api-key", "dev/db", "Prod/Legacy", "archive"});
  CHECK(Names(h.Call("ListSecrets", Json::object())).size() == 5);  // default page size 100
  CHECK(ErrorCode(h.Call("ListSecrets", {{"MaxResults", 0}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("ListSecrets", {{"MaxResults", 101}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("ListSecrets", {{"MaxResults", "2"}})) == kInvalidParameter);
}

TEST_CASE("ListSecrets refuses forged, garbled and foreign NextTokens", "[service]") {
  Harness h;
  Populate(h);
  std::string token = h.Call("ListSecrets", {{"MaxResults", 1}}).body["NextToken"];
  auto code = [&](Json params) { return ErrorCode(h.Call("ListSecrets", params)); };
  CHECK(code({{"MaxResults", 1}, {"NextToken", token}}) == "");
  CHECK(code({{"MaxResults", 3}, {"NextToken", token}}) == "");  // the page size is not bound

  SECTION("a token for another query") {
    CHECK(code({{"NextToken", token}, {"SortBy", "name"}}) == kInvalidNextToken);
    CHECK(code({{"NextToken", token}, {"IncludePlannedDeletion", true}}) == kInvalidNextToken);
    CHECK(code({{"NextToken", token}, {"Filters", {{{"Key", "name"}, {"Values", {"p"}}}}}}) ==
          kInvalidNextToken);
    CHECK(code({{"NextToken", token}, {"SortOrder", "desc"}}) == kInvalidNextToken);
  }
  SECTION("garbled tokens") {
    CHECK(code({{"NextToken", "not base64!"}}) == kInvalidNextToken);
    CHECK(code({{"NextToken", "AAAA"}}) == kInvalidNextToken);
    CHECK(code({{"NextToken", token.substr(0, token.size() - 4)}}) == kInvalidNextToken);
    CHECK(code({{"NextToken", ""}}) == kInvalidParameter);
  }
  SECTION("a token whose offset was changed without the key") {
    Result<crypto::SecureBuffer> bytes = crypto::Base64Decode(token);
    REQUIRE(bytes.ok());
    crypto::SecureBuffer forged = bytes->Clone();
    forged.data()[8] ^= 0x02;  // offset 1 -> 3
    CHECK(code({{"NextToken", crypto::Base64Encode(forged.view())}}) == kInvalidNextToken);
  }
}

}  // namespace
}  // namespace cairn::service::testing
