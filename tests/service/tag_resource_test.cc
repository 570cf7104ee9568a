#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

Json Tags(std::vector<std::pair<std::string, std::string>> kv) {
  Json out = Json::array();
  for (auto& [k, v] : kv) out.push_back({{"Key", k}, {"Value", v}});
  return out;
}

TEST_CASE("TagResource merges tags by key and UntagResource ignores missing keys", "[service]") {
  Harness h;
  h.Create("s", "1", 1, {{"Tags", Tags({{"a", "1"}, {"b", "2"}})}});
  Decision tag =
      h.Call("TagResource", {{"SecretId", "s"}, {"Tags", Tags({{"b", "20"}, {"c", "3"}})}});
  REQUIRE(ErrorCode(tag) == "");
  CHECK(tag.event_type == "SecretTagged");
  CHECK(tag.body == Json::object());
  const projections::Secret& s = h.SecretNamed("s");
  CHECK(s.tags ==
        std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "20"}, {"c", "3"}});
  Decision untag = h.Call("UntagResource", {{"SecretId", "s"}, {"TagKeys", {"a", "zzz"}}});
  REQUIRE(ErrorCode(untag) == "");
  CHECK(untag.event_type == "SecretUntagged");
  CHECK(untag.body == Json::object());
  CHECK(h.SecretNamed("s").tags.size() == 2);
}

TEST_CASE("TagResource and UntagResource validate their members", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  CHECK(ErrorCode(h.Call("TagResource", {{"SecretId", "s"}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("TagResource", {{"SecretId", "s"}, {"Tags", Tags({{"aws:x", "1"}})}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("UntagResource", {{"SecretId", "s"}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("UntagResource", {{"SecretId", "s"}, {"TagKeys", {""}}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("UntagResource", {{"SecretId", "s"}, {"TagKeys", {"aws:x"}}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("TagResource", {{"SecretId", "nope"}, {"Tags", Tags({{"a", "1"}})}})) ==
        kResourceNotFound);
  CHECK(ErrorCode(h.Call("UntagResource", {{"SecretId", "nope"}, {"TagKeys", {"a"}}})) ==
        kResourceNotFound);
}

TEST_CASE("TagResource refuses to take a secret past 50 tags", "[service]") {
  Harness h;
  std::vector<std::pair<std::string, std::string>> forty;
  for (int i = 0; i < 40; ++i) forty.emplace_back("k" + std::to_string(i), "v");
  h.Create("s", "1", 1, {{"Tags", Tags(forty)}});
  std::vector<std::pair<std::string, std::string>> eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace_back("n" + std::to_string(i), "v");
  CHECK(ErrorCode(h.Call("TagResource", {{"SecretId", "s"}, {"Tags", Tags(eleven)}})) ==
        kInvalidParameter);
  eleven.back().first = "k0";  // overwriting an existing key does not add one
  CHECK(ErrorCode(h.Call("TagResource", {{"SecretId", "s"}, {"Tags", Tags(eleven)}})) == "");
  CHECK(h.SecretNamed("s").tags.size() == 50);
}

}  // namespace
}  // namespace cairn::service::testing
