// Secret expiry (service/internal/expiry.h): PutSecretExpiry through Decide,
// the warning and expiry service events of the maintenance pass under a
// simulated clock, reads refused once AWSCURRENT has expired, and the engine's
// maintenance pass and access control for cairn:PutSecretExpiry.
#include <catch2/catch.hpp>

#include "tests/service/harness.h"
#include "tests/service/principal_fixture.h"

namespace cairn::service::testing {
namespace {

constexpr char kExpired[] = "InvalidRequestException";

// Dates as the responses write them: epoch seconds, integral when whole.
Json Seconds(int64_t ms) {
  return ms % 1000 == 0 ? Json(ms / 1000) : Json(static_cast<double>(ms) / 1000.0);
}

Decision PutExpiry(Harness& h, Json params, const std::string& id = "s") {
  params["SecretId"] = id;
  return h.Call("PutSecretExpiry", std::move(params));
}

Json Describe(Harness& h, const std::string& id = "s") {
  Decision d = h.Call("DescribeSecret", {{"SecretId", id}});
  REQUIRE(ErrorCode(d) == "");
  return d.body;
}

// The events of type `type` among h's decisions since index `from`, as
// {version id, expires ms}.
std::vector<std::pair<std::string, int64_t>> ExpiryEvents(const Harness& h, schema::Body type,
                                                          size_t from = 0) {
  std::vector<std::pair<std::string, int64_t>> found;
  for (size_t i = from; i < h.decisions.size(); ++i) {
    const schema::Event* e = EventOf(h.decisions[i]);
    if (e->body_type() != type) continue;
    if (const auto* w = e->body_as_SecretExpiryWarning()) {
      found.emplace_back(Str(w->version_id()), w->expires_unix_ms());
    } else if (const auto* x = e->body_as_SecretExpired()) {
      found.emplace_back(Str(x->version_id()), x->expires_unix_ms());
    }
  }
  return found;
}

std::string CurrentId(Harness& h) {
  return h.SecretNamed("s").VersionWithStage(projections::kAwsCurrent)->version_id;
}

}  // namespace

TEST_CASE("ExpiresAfterDays shows the current version's expiry in DescribeSecret", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1")) == "");
  Decision d = PutExpiry(h, {{"ExpiresAfterDays", 30}});
  INFO(ErrorMessage(d));
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretExpirySet");
  const int64_t at = h.SecretNamed("s").VersionWithStage(projections::kAwsCurrent)->created_ms + 30 * kDayMs;
  const Json expected = {{"ExpiresAfterDays", 30}, {"ExpirationDate", Seconds(at)}, {"WarningDays", 7},
                         {"WarningSent", false}, {"Expired", false}};
  CHECK(d.body["Expiry"] == expected);
  CHECK(d.body["Name"] == "s");
  CHECK(Describe(h)["Expiry"] == expected);
}

TEST_CASE("a secret without an expiry shows no Expiry member", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1")) == "");
  CHECK_FALSE(Describe(h).contains("Expiry"));
}

TEST_CASE("the warning comes once inside its window and the expiry once at its time", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1")) == "");
  REQUIRE(ErrorCode(PutExpiry(h, {{"ExpiresAfterDays", 10}, {"WarningDays", 3}})) == "");
  const std::string v1 = CurrentId(h);
  const int64_t at = h.SecretNamed("s").FindVersion(v1)->created_ms + 10 * kDayMs;

  h.now_ms = at - 3 * kDayMs - 1;  // just outside the window
  h.Call("ListSecrets", Json::object());
  CHECK(ExpiryEvents(h, schema::Body::SecretExpiryWarning).empty());

  h.now_ms = at - 3 * kDayMs;
  h.Call("ListSecrets", Json::object());
  h.Call("ListSecrets", Json::object());
  CHECK(ExpiryEvents(h, schema::Body::SecretExpiryWarning) ==
        std::vector<std::pair<std::string, int64_t>>{{v1, at}});
  CHECK(Describe(h)["Expiry"]["WarningSent"] == true);
  CHECK(h.GetValue("s") == "v1");  // warned, still readable

  h.now_ms = at - 1;
  CHECK(h.GetValue("s") == "v1");
  CHECK(ExpiryEvents(h, schema::Body::SecretExpired).empty());

  h.now_ms = at;
  Decision read = h.Call("GetSecretValue", {{"SecretId", "s"}});
  CHECK(ErrorCode(read) == kExpired);
  CHECK(read.to_open.empty());
  h.Call("ListSecrets", Json::object());
  CHECK(ExpiryEvents(h, schema::Body::SecretExpired) == std::vector<std::pair<std::string, int64_t>>{{v1, at}});
  CHECK(ExpiryEvents(h, schema::Body::SecretExpiryWarning).size() == 1);
  CHECK(Describe(h)["Expiry"]["Expired"] == true);
}

TEST_CASE("an expired AWSCURRENT is refused by label and by id, AWSPREVIOUS stays readable", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1", 1)) == "");
  h.Advance(kDayMs);
  REQUIRE(ErrorCode(h.Put("s", "v2", 2)) == "");
  REQUIRE(ErrorCode(PutExpiry(h, {{"ExpiresAfterDays", 3}})) == "");
  const int64_t v2_at = h.SecretNamed("s").FindVersion(Token(2))->created_ms + 3 * kDayMs;

  h.now_ms = v2_at + kHourMs;
  Decision by_label = h.Call("GetSecretValue", {{"SecretId", "s"}});
  CHECK(ErrorCode(by_label) == kExpired);
  const std::string message = ErrorMessage(by_label);
  CHECK(message.find("secret s ") != std::string::npos);
  CHECK(message.find(Token(2)) != std::string::npos);
  CHECK(message.find("expired at") != std::string::npos);
  CHECK(message.find("v2") == std::string::npos);  // never the value
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "s"}, {"VersionId", Token(2)}})) == kExpired);
  // AWSPREVIOUS is older still, and readable: only AWSCURRENT expires.
  CHECK(h.GetValue("s", {{"VersionStage", "AWSPREVIOUS"}}) == "v1");
  CHECK(h.GetValue("s", {{"VersionId", Token(1)}}) == "v1");

  // A new current value ends the refusal: the schedule starts afresh.
  REQUIRE(ErrorCode(h.Put("s", "v3", 3)) == "");
  CHECK(h.GetValue("s") == "v3");
  CHECK(Describe(h)["Expiry"]["Expired"] == false);
  CHECK(Describe(h)["Expiry"]["ExpirationDate"] == Seconds(h.now_ms + 3 * kDayMs));
}

TEST_CASE("BatchGetSecretValue lists an expired secret under Errors and returns the others", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1", 1)) == "");
  REQUIRE(ErrorCode(h.Create("t", "t1", 2)) == "");
  REQUIRE(ErrorCode(PutExpiry(h, {{"ExpiresAfterDays", 1}})) == "");
  h.Advance(2 * kDayMs);
  Decision d = h.Call("BatchGetSecretValue", {{"SecretIdList", {"s", "t"}}});
  REQUIRE(ErrorCode(d) == "");
  REQUIRE(d.body["Errors"].size() == 1);
  CHECK(d.body["Errors"][0]["SecretId"] == "s");
  CHECK(d.body["Errors"][0]["ErrorCode"] == kExpired);
  REQUIRE(d.to_open.size() == 1);
  CHECK(h.Open(d.to_open[0]) == "t1");
}

TEST_CASE("ExpirationDate fixes the current version's date and lapses once another is current", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1", 1)) == "");
  const int64_t at = 1710090180000;  // 2024-03-10T17:03:00Z, 5 days after kT0
  SECTION("as epoch seconds") { REQUIRE(ErrorCode(PutExpiry(h, {{"ExpirationDate", Seconds(at)}})) == ""); }
  SECTION("as text") {
    REQUIRE(ErrorCode(PutExpiry(h, {{"ExpirationDate", "2024-03-10T17:03:00Z"}})) == "");
  }
  Json expiry = Describe(h)["Expiry"];
  CHECK(expiry["VersionId"] == Token(1));
  CHECK(expiry["ExpirationDate"] == Seconds(at));
  CHECK_FALSE(expiry.contains("ExpiresAfterDays"));

  // Replaced before the date: the new value never expires, and no event comes.
  REQUIRE(ErrorCode(h.Put("s", "v2", 2)) == "");
  const size_t replaced = h.decisions.size();
  h.Advance(30 * kDayMs);
  CHECK(h.GetValue("s") == "v2");
  CHECK(ExpiryEvents(h, schema::Body::SecretExpiryWarning, replaced).empty());
  CHECK(ExpiryEvents(h, schema::Body::SecretExpired).empty());
  expiry = Describe(h)["Expiry"];
  CHECK_FALSE(expiry.contains("Expired"));  // it does not apply to AWSCURRENT
}

TEST_CASE("after downtime past the expiry only SecretExpired is recorded", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1")) == "");
  REQUIRE(ErrorCode(PutExpiry(h, {{"ExpiresAfterDays", 2}, {"WarningDays", 1}})) == "");
  h.Advance(10 * kDayMs);
  h.Call("ListSecrets", Json::object());
  CHECK(ExpiryEvents(h, schema::Body::SecretExpiryWarning).empty());
  CHECK(ExpiryEvents(h, schema::Body::SecretExpired).size() == 1);
}

TEST_CASE("Clear removes the expiry and reads succeed again", "[expiry]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1")) == "");
  REQUIRE(ErrorCode(PutExpiry(h, {{"ExpiresAfterDays", 1}})) == "");
  h.Advance(2 * kDayMs);
  REQUIRE(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "s"}})) == kExpired);
  Decision cleared = PutExpiry(h, {{"Clear", true}});
  REQUIRE(ErrorCode(cleared) == "");
  CHECK_FALSE(cleared.body.contains("Expiry"));
  CHECK_FALSE(Describe(h).contains("Expiry"));
  CHECK(h.GetValue("s") == "v1");
}

TEST_CASE("PutSecretExpiry refuses bad input and changes nothing", "[expiry][bad-input]") {
  Harness h;
  REQUIRE(ErrorCode(h.Create("s", "v1", 1)) == "");
  REQUIRE(ErrorCode(h.Call("CreateSecret", {{"Name", "empty"}, {"ClientRequestToken", Token(2)}})) == "");
  struct Case {
    Json params;
    std::string id;
    std::string code;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {Json::object(), "s", "InvalidParameterException", "exactly one of"},
      {{{"ExpiresAfterDays", 3}, {"Clear", true}}, "s", "InvalidParameterException", "exactly one of"},
      {{{"ExpiresAfterDays", 3}, {"ExpirationDate", 1900000000}}, "s", "InvalidParameterException", "exactly one of"},
      {{{"ExpiresAfterDays", 0}}, "s", "InvalidParameterException", "ExpiresAfterDays"},
      {{{"ExpiresAfterDays", 5000}}, "s", "InvalidParameterException", "ExpiresAfterDays"},
      {{{"ExpiresAfterDays", "3"}}, "s", "InvalidParameterException", "ExpiresAfterDays"},
      {{{"ExpiresAfterDays", 3}, {"WarningDays", -1}}, "s", "InvalidParameterException", "WarningDays"},
      {{{"Clear", false}}, "s", "InvalidParameterException", "Clear"},
      {{{"Clear", true}, {"WarningDays", 2}}, "s", "InvalidParameterException", "WarningDays"},
      {{{"ExpirationDate", "next tuesday"}}, "s", "InvalidParameterException", "ExpirationDate"},
      {{{"ExpirationDate", Seconds(kT0 - 1000)}}, "s", "InvalidParameterException", "in the future"},
      {{{"ExpirationDate", Seconds(kT0 + kDayMs)}}, "empty", "InvalidRequestException", "no AWSCURRENT value"},
      {{{"ExpiresAfterDays", 3}}, "missing", "ResourceNotFoundException", ""},
  };
  for (const Case& c : cases) {
    const size_t events = h.decisions.size();
    Decision d = PutExpiry(h, c.params, c.id);
    INFO(c.params.dump() << " -> " << ErrorCode(d) << ": " << ErrorMessage(d));
    CHECK(ErrorCode(d) == c.code);
    CHECK(ErrorMessage(d).find(c.needle) != std::string::npos);
    CHECK(d.event_type == "OperationFailed");
    CHECK(h.decisions.size() == events + 1);
  }
  CHECK_FALSE(h.SecretNamed("s").expiry.has_value());
  CHECK_FALSE(h.SecretNamed("empty").expiry.has_value());

  REQUIRE(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "s"}})) == "");
  CHECK(ErrorCode(PutExpiry(h, {{"ExpiresAfterDays", 3}})) == "InvalidRequestException");
}

TEST_CASE("the engine's maintenance pass records the expiry durably and a reopened engine refuses the read",
          "[expiry][engine]") {
  cairn::testing::PrincipalEngine p;
  REQUIRE(p.e().Execute(cairn::testing::MakeRequest("CreateSecret", {{"Name", "s"}}, "v1"), cairn::testing::TestActor()).ok());
  REQUIRE(p.Call("PutSecretExpiry", {{"SecretId", "s"}, {"ExpiresAfterDays", 1}, {"WarningDays", 0}}).ok());
  const uint64_t before = p.head();
  p.f.clock.Advance(kDayMs + 1);
  REQUIRE(p.e().RunMaintenance().ok());
  REQUIRE(p.head() == before + 1);
  CHECK(p.Record(before).event_type == "SecretExpired");
  CHECK(p.Record(before).actor.principal == "system:cairn");
  REQUIRE(p.e().RunMaintenance().ok());
  CHECK(p.head() == before + 1);  // once per version

  p.Reopen();
  service::Response read = p.Call("GetSecretValue", {{"SecretId", "s"}});
  CHECK((read.error ? read.error->code : "") == kExpired);
  CHECK(read.values.empty());
  service::Response described = p.Call("DescribeSecret", {{"SecretId", "s"}});
  REQUIRE(described.ok());
  CHECK(described.body["Expiry"]["Expired"] == true);
}

TEST_CASE("PutSecretExpiry needs cairn:PutSecretExpiry on the secret", "[expiry][access]") {
  cairn::testing::PrincipalEngine p;
  REQUIRE(p.Enrol("root", 1, /*admin=*/true).ok());
  REQUIRE(p.Enrol("ops", 2).ok());
  REQUIRE(p.e().Execute(cairn::testing::MakeRequest("CreateSecret", {{"Name", "prod/db"}}, "v1"), cairn::testing::TestActor()).ok());
  const Json params = {{"SecretId", "prod/db"}, {"ExpiresAfterDays", 30}};
  service::Response denied = p.Call("PutSecretExpiry", params, cairn::testing::AsPrincipal("ops"));
  CHECK((denied.error ? denied.error->code : "") == "AccessDeniedException");
  CHECK((denied.error ? denied.error->message : "").find("cairn:PutSecretExpiry") != std::string::npos);

  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cairn:PutSecretExpiry",)"
      R"("Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]})";
  REQUIRE(p.Call("CreatePolicy", {{"PolicyName", "expiry"}, {"PolicyDocument", policy}}).ok());
  REQUIRE(p.Call("AttachPrincipalPolicy", {{"PrincipalName", "ops"}, {"PolicyName", "expiry"}}).ok());
  service::Response allowed = p.Call("PutSecretExpiry", params, cairn::testing::AsPrincipal("ops"));
  INFO((allowed.error ? allowed.error->message : ""));
  CHECK(allowed.ok());
}

}  // namespace cairn::service::testing
