// Cairn's own operations on a real engine (service/principals.h): enrolling and
// listing principals, the admin gate, the key index the ZAP handler reads,
// ReadRecords paging, the daemon's service events and sealed secrets.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ledger/record.h"
#include "schema/events_generated.h"
#include "service/cloudtrail.h"
#include "service/principals.h"
#include "tests/testing/temp_dir.h"
#include "tests/service/engine_fixture.h"
#include "tests/service/principal_fixture.h"
#include "tests/service/harness.h"

namespace cairn {
namespace {

using service::Json;
using testing::MakeRequest;
using testing::TestActor;
using service::testing::ErrorCodeOf;
using service::testing::EventOf;

using testing::AsPrincipal;
using testing::Key;
using Open = testing::PrincipalEngine;

using testing::AnyFileHolds;

TEST_CASE("CreatePrincipal enrols a principal and answers with its identity", "[service][principals]") {
  Open o;
  auto r = o.Enrol("alice", 1, true, {{"Tags", Json::array({{{"Key", "team"}, {"Value", "ops"}}})}});
  INFO(r.body.dump());
  REQUIRE(r.ok());
  CHECK(r.body == Json{{"Name", "alice"},
                       {"ARN", "arn:aws:iam::123456789012:user/alice"},
                       {"PublicKey", Key(1)},
                       {"PrincipalType", "User"},
                       {"Admin", true},
                       {"CreatedDate", 1'763'800'000}});
  ledger::RecordFields record = o.Record(r.seq);
  CHECK(record.event_type == "PrincipalCreated");
  const auto* body = EventOf(record)->body_as_PrincipalCreated();
  REQUIRE(body != nullptr);
  CHECK(body->public_key()->str() == Key(1));
  CHECK(body->admin());
  CHECK(EventOf(record)->audit()->resource()->str() == "arn:aws:iam::123456789012:user/alice");
  const projections::Principal* p = o.e().principals_for_testing().FindByName("alice");
  REQUIRE(p != nullptr);
  CHECK(p->tags == std::vector<std::pair<std::string, std::string>>{{"team", "ops"}});

  auto service = o.Enrol("ci-bot", 2, false, {{"PrincipalType", "Service"}});
  REQUIRE(service.ok());
  CHECK(service.body["ARN"] == "arn:aws:iam::123456789012:role/ci-bot");
  CHECK(service.body["Admin"] == false);
}

TEST_CASE("ListPrincipals lists every principal sorted by name", "[service][principals]") {
  Open o;
  REQUIRE(o.Enrol("zed", 3).ok());
  o.f.clock.Advance(1500);
  REQUIRE(o.Enrol("bob", 2, false, {{"PrincipalType", "Service"}}).ok());
  REQUIRE(o.Enrol("alice", 1, true, {{"Tags", Json::array({{{"Key", "k"}, {"Value", "v"}}})}}).ok());
  auto r = o.Call("ListPrincipals", Json::object());
  REQUIRE(r.ok());
  const Json& list = r.body["Principals"];
  REQUIRE(list.size() == 3);
  CHECK(list[0] == Json{{"Name", "alice"},
                        {"ARN", "arn:aws:iam::123456789012:user/alice"},
                        {"PublicKey", Key(1)},
                        {"PrincipalType", "User"},
                        {"Admin", true},
                        {"Enabled", true},
                        {"AttachedPolicies", Json::array()},
                        {"Tags", Json::array({{{"Key", "k"}, {"Value", "v"}}})},
                        {"CreatedDate", 1'763'800'001.5}});
  CHECK(list[1]["Name"] == "bob");
  CHECK(list[1]["ARN"] == "arn:aws:iam::123456789012:role/bob");
  CHECK(list[1]["Tags"] == Json::array());
  CHECK(list[2]["Name"] == "zed");
  CHECK(list[2]["CreatedDate"] == 1'763'800'000);
  ledger::RecordFields record = o.Record(r.seq);
  CHECK(record.event_type == "PrincipalsListed");
  CHECK(EventOf(record)->body_as_PrincipalsListed()->result_count() == 3);
}

TEST_CASE("CreatePrincipal answers each invalid member with its exact error, as an event",
          "[service][principals]") {
  struct Case {
    std::string what;
    Json params;
    std::string code;
    std::string message;
  };
  const std::string too_long(65, 'a');
  Json many_tags = Json::array();
  for (int i = 0; i < 51; ++i) many_tags.push_back({{"Key", "k" + std::to_string(i)}, {"Value", ""}});
  const std::vector<Case> cases = {
      {"no Name", {{"PublicKey", Key(1)}}, "InvalidParameterException",
       "Missing required parameter Name"},
      {"Name not a string", {{"Name", 7}, {"PublicKey", Key(1)}}, "InvalidParameterException",
       "Invalid Name: must be a string"},
      {"empty Name", {{"Name", ""}, {"PublicKey", Key(1)}}, "ValidationException",
       "Invalid principal name. Must be between 1 and 64 characters long"},
      {"Name of 65 characters", {{"Name", too_long}, {"PublicKey", Key(1)}}, "ValidationException",
       "Invalid principal name. Must be between 1 and 64 characters long"},
      {"Name with a slash", {{"Name", "ops/alice"}, {"PublicKey", Key(1)}}, "ValidationException",
       "Invalid principal name. Must contain only alphanumeric characters or any of the "
       "following: +=,.@_-"},
      {"no PublicKey", {{"Name", "alice"}}, "InvalidParameterException",
       "Missing required parameter PublicKey"},
      {"PublicKey of 39 characters", {{"Name", "alice"}, {"PublicKey", Key(1).substr(1)}},
       "InvalidParameterException",
       "Invalid PublicKey: must be 40 characters long (a Z85 CURVE public key)"},
      {"PublicKey outside the Z85 alphabet", {{"Name", "alice"}, {"PublicKey", Key(1).substr(1) + "~"}},
       "InvalidParameterException", "Invalid PublicKey: must be Z85 text (a Z85 CURVE public key)"},
      {"PublicKey with a group past 2^32", {{"Name", "alice"}, {"PublicKey", std::string(40, '#')}},
       "InvalidParameterException", "Invalid PublicKey: must be Z85 text (a Z85 CURVE public key)"},
      {"unknown PrincipalType", {{"Name", "alice"}, {"PublicKey", Key(1)}, {"PrincipalType", "Robot"}},
       "InvalidParameterException", "Invalid PrincipalType: must be User or Service"},
      {"Admin not a boolean", {{"Name", "alice"}, {"PublicKey", Key(1)}, {"Admin", "yes"}},
       "InvalidParameterException", "Invalid Admin: must be a boolean"},
      {"51 tags", {{"Name", "alice"}, {"PublicKey", Key(1)}, {"Tags", many_tags}},
       "InvalidParameterException", "Invalid Tags: a principal can have at most 50 tags"},
      {"a tag key of 129 characters",
       {{"Name", "alice"}, {"PublicKey", Key(1)},
        {"Tags", Json::array({{{"Key", std::string(129, 'k')}, {"Value", "v"}}})}},
       "InvalidParameterException", "Invalid tag key: must be at most 128 characters long"},
      {"a tag value of 257 characters",
       {{"Name", "alice"}, {"PublicKey", Key(1)},
        {"Tags", Json::array({{{"Key", "k"}, {"Value", std::string(257, 'v')}}})}},
       "InvalidParameterException", "Invalid tag value: must be at most 256 characters long"},
      {"a tag key in aws:",
       {{"Name", "alice"}, {"PublicKey", Key(1)},
        {"Tags", Json::array({{{"Key", "aws:x"}, {"Value", "v"}}})}},
       "InvalidParameterException", "Invalid tag key: the aws: prefix is reserved for AWS use"},
  };
  Open o;
  for (const Case& c : cases) {
    INFO(c.what);
    const uint64_t before = o.head();
    auto r = o.Call("CreatePrincipal", c.params);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error->code == c.code);
    CHECK(r.error->message == c.message);
    CHECK(r.seq == before);
    CHECK(o.head() == before + 1);
    ledger::RecordFields record = o.Record(r.seq);
    CHECK(record.event_type == "OperationFailed");
    CHECK(ErrorCodeOf(record) == c.code);
  }
  CHECK(o.e().principals_for_testing().principals().empty());
  CHECK_FALSE(o.e().HasPrincipals());
}

TEST_CASE("CreatePrincipal refuses a taken name and an enrolled key without naming its holder",
          "[service][principals]") {
  Open o;
  REQUIRE(o.Enrol("alice", 1).ok());
  auto same_name = o.Enrol("alice", 2);
  REQUIRE_FALSE(same_name.ok());
  CHECK(same_name.error->code == "ResourceExistsException");
  CHECK(same_name.error->message == "A principal named alice already exists.");
  auto same_key = o.Enrol("bob", 1);
  REQUIRE_FALSE(same_key.ok());
  CHECK(same_key.error->code == "ResourceExistsException");
  CHECK(same_key.error->message == "This public key is already enrolled.");
  CHECK(ErrorCodeOf(o.Record(same_key.seq)) == "ResourceExistsException");
  CHECK(o.e().principals_for_testing().principals().size() == 1);
  CHECK(o.e().PrincipalForKey(Key(1)) == std::optional<std::string>("alice"));
}

TEST_CASE("a principal without policies may call nothing, an administrator everything",
          "[service][principals]") {
  Open o;
  REQUIRE(o.Enrol("root", 1, true).ok());
  REQUIRE(o.Enrol("app", 2, false).ok());
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"CreateSecret", "secretsmanager:CreateSecret"},
      {"ListSecrets", "secretsmanager:ListSecrets"},
      {"CreatePrincipal", "cairn:CreatePrincipal"},
      {"ListPrincipals", "cairn:ListPrincipals"},
      {"ReadRecords", "cairn:ReadAuditLog"}};
  for (const auto& [op, action] : calls) {
    INFO(op);
    const uint64_t before = o.head();
    auto r = o.Call(op, {{"Name", "eve"}, {"PublicKey", Key(5)}, {"FromSeq", 0}}, AsPrincipal("app"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error->code == "AccessDeniedException");
    CHECK(r.error->message.starts_with("User: arn:aws:iam::123456789012:user/app is not authorized to perform: " +
                                       action + " on resource: "));
    CHECK(r.records.empty());
    CHECK(o.head() == before + 1);  // one event per call, refusals included
    ledger::RecordFields record = o.Record(r.seq);
    CHECK(record.event_type == "AccessDenied");
    CHECK(record.actor.principal == "app");
    CHECK(ErrorCodeOf(record) == "AccessDeniedException");
    CHECK(EventOf(record)->audit()->action()->str() == op);
  }
  CHECK(o.e().principals_for_testing().FindByName("eve") == nullptr);
  CHECK(o.e().state_for_testing().FindByName("eve") == nullptr);
  // An admin principal may call everything.
  CHECK(o.Call("CreatePrincipal", {{"Name", "eve"}, {"PublicKey", Key(5)}}, AsPrincipal("root")).ok());
  CHECK(o.Call("ListPrincipals", Json::object(), AsPrincipal("root")).ok());
  CHECK(o.Call("ReadRecords", {{"FromSeq", 0}}, AsPrincipal("root")).ok());
  CHECK(o.Call("GetRandomPassword", Json::object(), AsPrincipal("root")).ok());
  CHECK(o.Call("CreateSecret", {{"Name", "db"}}, AsPrincipal("root")).ok());
}

TEST_CASE("an unknown principal is refused every operation", "[service][principals]") {
  Open o;
  const uint64_t before = o.head();
  auto r = o.Call("ListSecrets", Json::object(), AsPrincipal("mallory"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error->code == "AccessDeniedException");
  CHECK(r.error->message ==
        "User: mallory is not authorized to perform: secretsmanager:ListSecrets on resource: * because "
        "no identity-based policy allows the secretsmanager:ListSecrets action");
  CHECK(o.head() == before + 1);
  CHECK(o.Record(r.seq).event_type == "AccessDenied");
}

TEST_CASE("PrincipalForKey finds a principal once its creation is durable, and after reopening",
          "[service][principals]") {
  Open o;
  CHECK_FALSE(o.e().HasPrincipals());
  CHECK(o.e().PrincipalForKey(Key(1)) == std::nullopt);
  REQUIRE(o.Enrol("alice", 1).ok());
  REQUIRE(o.Enrol("bob", 2).ok());
  CHECK(o.e().HasPrincipals());
  CHECK(o.e().PrincipalForKey(Key(1)) == std::optional<std::string>("alice"));
  CHECK(o.e().PrincipalForKey(Key(2)) == std::optional<std::string>("bob"));
  CHECK(o.e().PrincipalForKey(Key(3)) == std::nullopt);
  o.Reopen();
  CHECK(o.e().HasPrincipals());
  CHECK(o.e().PrincipalForKey(Key(1)) == std::optional<std::string>("alice"));
  CHECK(o.e().PrincipalForKey(Key(2)) == std::optional<std::string>("bob"));
  CHECK(o.e().principals_for_testing().principals().size() == 2);
}

TEST_CASE("EnrolFirstAdmin enrols one administrator as a service event, then refuses",
          "[service][principals]") {
  Open o;
  const uint64_t before = o.head();
  CHECK(o.e().EnrolFirstAdmin("bad/name", Key(1)) ==
        InvalidArgumentError(
            "ValidationException: Invalid principal name. Must contain only alphanumeric "
            "characters or any of the following: +=,.@_-"));
  CHECK(o.e().EnrolFirstAdmin("admin", "short") ==
        InvalidArgumentError("Invalid PublicKey: must be 40 characters long (a Z85 CURVE public key)"));
  CHECK(o.head() == before);  // not an API call: a refused enrolment appends nothing
  REQUIRE(o.e().EnrolFirstAdmin("admin", Key(1)).ok());
  CHECK(o.head() == before + 1);
  ledger::RecordFields record = o.Record(before);
  CHECK(record.event_type == "PrincipalCreated");
  CHECK(record.actor.principal == "system:cairnd");
  CHECK(record.actor.principal_type == "Service");
  CHECK(record.actor.source == "cairnd");
  CHECK(record.actor.user_agent == "cairnd");
  CHECK(record.actor.request_id.size() == 36);
  CHECK(EventOf(record)->audit()->event_category()->str() == "AwsServiceEvent");
  const projections::Principal* admin = o.e().principals_for_testing().FindByName("admin");
  REQUIRE(admin != nullptr);
  CHECK(admin->admin);
  CHECK(admin->principal_type == "User");
  CHECK(o.e().PrincipalForKey(Key(1)) == std::optional<std::string>("admin"));
  CHECK(o.e().EnrolFirstAdmin("second", Key(2)) ==
        FailedPreconditionError(
            "a principal is enrolled already; an administrator enrols more with CreatePrincipal"));
  CHECK(o.head() == before + 1);
  o.Reopen();
  CHECK(o.e().EnrolFirstAdmin("second", Key(2)).code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("ReadRecords pages through the stored bytes of the log", "[service][principals][read]") {
  Open o;
  for (int i = 0; i < 4; ++i) REQUIRE(o.Call("ListSecrets", Json::object()).ok());
  // Each page appends its own event, so the reader ends one record behind
  // the head; it pages until it has read past where the head stood at first.
  const uint64_t target = o.head() + 2;
  uint64_t from = 0;
  std::vector<std::pair<uint64_t, std::string>> all;
  while (from < target) {
    const uint64_t head = o.head();
    auto r = o.Call("ReadRecords", {{"FromSeq", from}, {"MaxRecords", 3}});
    REQUIRE(r.ok());
    const uint64_t want_end = std::min<uint64_t>(head, from + 3);
    CHECK(r.body == Json{{"FromSeq", from}, {"NextSeq", want_end}, {"RecordCount", want_end - from},
                         {"HeadSeq", head}, {"FirstSeq", 0}, {"Region", "us-east-1"}, {"AccountId", "123456789012"}});
    REQUIRE(r.records.size() == want_end - from);
    ledger::RecordFields event = o.Record(r.seq);
    CHECK(event.event_type == "AuditRecordsRead");
    CHECK(EventOf(event)->body_as_AuditRecordsRead()->from_seq() == from);
    CHECK(EventOf(event)->body_as_AuditRecordsRead()->record_count() == r.records.size());
    REQUIRE_FALSE(r.records.empty());
    for (auto& rec : r.records) all.push_back(std::move(rec));
    from = r.body["NextSeq"].get<uint64_t>();
  }
  // Every record up to the last page, bytes equal to the `log` family.
  REQUIRE(all.size() == from);
  for (uint64_t seq = 0; seq < all.size(); ++seq) {
    CHECK(all[seq].first == seq);
    CHECK(all[seq].second == *ledger::ReadRecord(o.e().ledger().store(), seq));
  }
}

TEST_CASE("ReadRecords at or past the head gives an empty page", "[service][principals][read]") {
  Open o;
  const uint64_t head = o.head();
  for (uint64_t from : {head, head + 10}) {
    const uint64_t now = o.head();  // the first call's own event moved it
    auto r = o.Call("ReadRecords", {{"FromSeq", from}});
    REQUIRE(r.ok());
    CHECK(r.records.empty());
    CHECK(r.body == Json{{"FromSeq", from}, {"NextSeq", from}, {"RecordCount", 0}, {"HeadSeq", now},
                         {"FirstSeq", 0}, {"Region", "us-east-1"}, {"AccountId", "123456789012"}});
  }
}

TEST_CASE("ReadRecords bounds MaxRecords and reads 100 records by default", "[service][principals][read]") {
  Open o;
  struct Case {
    Json params;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Json::object(), "Missing required parameter FromSeq"},
      {{{"FromSeq", -1}}, "Invalid FromSeq: must be between 0 and 9223372036854775807"},
      {{{"FromSeq", "0"}}, "Invalid FromSeq: must be an integer"},
      {{{"FromSeq", 0}, {"MaxRecords", 0}}, "Invalid MaxRecords: must be between 1 and 1000"},
      {{{"FromSeq", 0}, {"MaxRecords", 1001}}, "Invalid MaxRecords: must be between 1 and 1000"},
  };
  for (const Case& c : cases) {
    INFO(c.params.dump());
    auto r = o.Call("ReadRecords", c.params);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error->code == "InvalidParameterException");
    CHECK(r.error->message == c.message);
    CHECK(o.Record(r.seq).event_type == "OperationFailed");
  }
  while (o.head() < 120) REQUIRE(o.Call("ListPrincipals", Json::object()).ok());
  auto r = o.Call("ReadRecords", {{"FromSeq", 5}});
  REQUIRE(r.ok());
  CHECK(r.records.size() == 100);
  CHECK(r.records.front().first == 5);
  CHECK(r.records.back().first == 104);
  CHECK(r.body["NextSeq"] == 105);
  auto most = o.Call("ReadRecords", {{"FromSeq", 0}, {"MaxRecords", 1000}});
  REQUIRE(most.ok());
  CHECK(most.records.size() == most.seq);  // everything durable before the call itself
}

TEST_CASE("RecordUnauthenticatedAttempts appends one service event with the counts",
          "[service][principals]") {
  Open o;
  const int64_t since = o.f.clock.NowMs() - 60'000;
  const uint64_t before = o.head();
  REQUIRE(o.e().RecordUnauthenticatedAttempts(17, 3, since).ok());
  CHECK(o.head() == before + 1);
  ledger::RecordFields record = o.Record(before);
  CHECK(record.event_type == "UnauthenticatedAttempts");
  CHECK(record.actor.principal == "system:cairnd");
  CHECK(record.actor.principal_type == "Service");
  const schema::Event* event = EventOf(record);
  CHECK(event->audit()->action()->str() == "UnauthenticatedAttempts");
  CHECK(event->audit()->event_category()->str() == "AwsServiceEvent");
  const auto* body = event->body_as_UnauthenticatedAttempts();
  REQUIRE(body != nullptr);
  CHECK(body->attempts() == 17);
  CHECK(body->distinct_keys() == 3);
  CHECK(body->since_unix_ms() == since);
  CHECK(body->until_unix_ms() == o.f.clock.NowMs());
}

TEST_CASE("CloudTrail renders the principal events", "[service][principals][cloudtrail]") {
  Open o;
  REQUIRE(o.e().EnrolFirstAdmin("admin", Key(1)).ok());
  REQUIRE(o.Enrol("bot", 2, false, {{"PrincipalType", "Service"}}).ok());
  REQUIRE(o.Call("ListPrincipals", Json::object(), AsPrincipal("admin")).ok());
  REQUIRE(o.Call("ReadRecords", {{"FromSeq", 0}, {"MaxRecords", 2}}, AsPrincipal("admin")).ok());
  REQUIRE_FALSE(o.Call("ListPrincipals", Json::object(), AsPrincipal("bot")).ok());
  REQUIRE(o.e().RecordUnauthenticatedAttempts(4, 2, 1'763'799'000'000).ok());
  service::TrailContext context;
  std::vector<Json> trail;
  for (uint64_t seq = 0; seq < o.head(); ++seq) {
    auto bytes = ledger::ReadRecord(o.e().ledger().store(), seq);
    REQUIRE(bytes.ok());
    auto j = service::CloudTrailRecord(seq, *bytes, context);
    REQUIRE(j.ok());
    trail.push_back(std::move(j).value());
  }
  REQUIRE(trail.size() == 7);
  const Json& enrol = trail[1];
  CHECK(enrol["eventName"] == "CreatePrincipal");
  CHECK(enrol["eventSource"] == "cairn");
  CHECK(enrol["eventType"] == "AwsServiceEvent");
  CHECK(enrol["resources"] == Json::array({{{"ARN", "arn:aws:iam::123456789012:user/admin"},
                                           {"accountId", "123456789012"},
                                           {"type", "AWS::IAM::User"}}}));
  CHECK(enrol["responseElements"]["principal"]["publicKey"] == Key(1));
  CHECK(trail[2]["resources"][0]["type"] == "AWS::IAM::Role");
  CHECK(trail[2]["requestParameters"]["principalType"] == "Service");
  CHECK(trail[3]["eventName"] == "ListPrincipals");
  CHECK(trail[3]["userIdentity"]["userName"] == "admin");
  CHECK(trail[3]["readOnly"] == true);
  CHECK(trail[4]["additionalEventData"] == Json{{"fromSeq", 0}, {"recordCount", 2}});
  CHECK(trail[5]["errorCode"] == "AccessDeniedException");
  CHECK(trail[5]["eventName"] == "ListPrincipals");
  CHECK(trail[6]["eventName"] == "UnauthenticatedAttempts");
  CHECK(trail[6]["additionalEventData"]["attempts"] == 4);
  CHECK(trail[6]["additionalEventData"]["since"] == "2025-11-22T08:10:00Z");
  CHECK(trail[0]["eventSource"] == "secretsmanager.amazonaws.com");
}

TEST_CASE("SealedSecret is created once, stable across reopening and never stored in clear",
          "[service][principals][sealed]") {
  Open o;
  auto first = o.e().SealedSecret("curve-server", 32);
  REQUIRE(first.ok());
  CHECK(first->size() == 32);
  const std::string secret(first->as_string_view());
  auto again = o.e().SealedSecret("curve-server", 32);
  REQUIRE(again.ok());
  CHECK(again->as_string_view() == secret);
  auto other = o.e().SealedSecret("other", 32);
  REQUIRE(other.ok());
  CHECK(other->as_string_view() != secret);
  CHECK(o.e().SealedSecret("curve-server", 16).status() ==
        FailedPreconditionError("sealed secret curve-server holds 32 bytes, not 16"));
  CHECK(o.e().SealedSecret("", 32).status().code() == StatusCode::kInvalidArgument);

  auto stored = o.e().ledger().store().Get(ledger::Family::kMeta, "sealed/curve-server");
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->find(secret) == std::string::npos);
  o.Reopen();
  auto reopened = o.e().SealedSecret("curve-server", 32);
  REQUIRE(reopened.ok());
  CHECK(reopened->as_string_view() == secret);
  o.engine.reset();
  CHECK_FALSE(AnyFileHolds(o.f.dir, secret));
}

TEST_CASE("a sealed secret moved to another name does not open", "[service][principals][sealed]") {
  Open o;
  REQUIRE(o.e().SealedSecret("a", 32).ok());
  auto stored = o.e().ledger().store().Get(ledger::Family::kMeta, "sealed/a");
  REQUIRE(stored.ok());
  ledger::WriteSet w;
  w.Put(ledger::Family::kMeta, "sealed/b", **stored);
  REQUIRE(o.e().ledger().WriteUnchained(w).ok());
  CHECK(o.e().SealedSecret("b", 32).status().code() == StatusCode::kDataLoss);
}

TEST_CASE("replaying a log with principals yields byte-identical projection state",
          "[service][principals][replay]") {
  testing::EngineFixture f;
  {
    auto opened = f.Open();
    REQUIRE(opened.ok());
    auto& e = **opened;
    REQUIRE(e.EnrolFirstAdmin("admin", Key(1)).ok());
    auto run = [&](const std::string& op, Json params, const ledger::Actor& actor) {
      auto r = e.Execute(MakeRequest(op, std::move(params)), actor);
      f.clock.Advance(700);
      return r;
    };
    REQUIRE(run("CreatePrincipal", {{"Name", "app"}, {"PublicKey", Key(2)}, {"Tags", Json::array({{{"Key", "t"}, {"Value", "1"}}})}}, AsPrincipal("admin")).ok());
    REQUIRE(run("CreatePrincipal", {{"Name", "svc"}, {"PublicKey", Key(3)}, {"PrincipalType", "Service"}}, TestActor()).ok());
    REQUIRE_FALSE(run("CreatePrincipal", {{"Name", "eve"}, {"PublicKey", Key(4)}}, AsPrincipal("app")).ok());
    REQUIRE_FALSE(run("CreatePrincipal", {{"Name", "app"}, {"PublicKey", Key(5)}}, TestActor()).ok());
    REQUIRE_FALSE(run("CreateSecret", {{"Name", "db"}}, AsPrincipal("app")).ok());  // AccessDenied
    REQUIRE(run("CreateSecret", {{"Name", "db"}}, AsPrincipal("admin")).ok());
    REQUIRE(run("ListPrincipals", Json::object(), AsPrincipal("admin")).ok());
    REQUIRE(run("ReadRecords", {{"FromSeq", 0}}, AsPrincipal("admin")).ok());
    REQUIRE(e.RecordUnauthenticatedAttempts(2, 1, 0).ok());
  }
  auto store = ledger::OpenRocksStore(service::LedgerDir(f.dir), ledger::OpenMode::kReadOnly);
  REQUIRE(store.ok());
  auto live = testing::FamilyContents(**store, ledger::Family::kState);
  auto replayed = projections::Replay(**store);
  REQUIRE(replayed.ok());
  CHECK(replayed->state_entries == live);
  CHECK(live.count("principal/admin") == 1);
  CHECK(live.count("principal/app") == 1);
  CHECK(live.count("principal/svc") == 1);
  CHECK(live.count("principal/eve") == 0);
  CHECK(replayed->views.principals.principals().size() == 3);
}

}  // namespace
}  // namespace cairn
