// Access control on a real engine (service/access.h): every call authorized
// by IAM's rules, each decision in the call's event, the operations that
// manage principals, policies and resource policies, and what a denial
// reveals. The policy language itself is specified in tests/iam/.
#include <catch2/catch.hpp>

#include <string>

#include "schema/events_generated.h"
#include "service/access.h"
#include "tests/service/harness.h"
#include "tests/service/principal_fixture.h"

namespace cairn {
namespace {

using service::Json;
using service::testing::EventOf;
using testing::AsPrincipal;
using testing::Key;
using testing::MakeRequest;
using testing::PrincipalEngine;

constexpr char kAccount[] = "123456789012";

// "a role may read every secret tagged env=dev and nothing else"
constexpr char kDevRead[] = R"({
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ReadDev",
    "Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    "Resource": "*",
    "Condition": {"StringEquals": {"secretsmanager:ResourceTag/env": "dev"}}
  }]
})";

struct Access : PrincipalEngine {
  Access() {
    REQUIRE(Enrol("root", 1, /*admin=*/true).ok());
    REQUIRE(Enrol("app", 2, false, {{"Tags", Json::array({{{"Key", "team"}, {"Value", "billing"}}})}}).ok());
    REQUIRE(CreateSecret("dev/db", "dev-value", "dev").ok());
    REQUIRE(CreateSecret("prod/db", "prod-value", "prod").ok());
  }
  service::Response CreateSecret(const std::string& name, const std::string& value, const std::string& env) {
    Json params = {{"Name", name}, {"Tags", Json::array({{{"Key", "env"}, {"Value", env}}})}};
    return engine->Execute(MakeRequest("CreateSecret", params, value), testing::TestActor());
  }
  service::Response As(const std::string& who, const std::string& op, Json params) {
    return Call(op, std::move(params), AsPrincipal(who));
  }
  void Grant(const std::string& principal, const std::string& policy, const std::string& document) {
    auto created = Call("CreatePolicy", {{"PolicyName", policy}, {"PolicyDocument", document}});
    INFO((created.error ? created.error->message : ""));
    REQUIRE(created.ok());
    REQUIRE(Call("AttachPrincipalPolicy", {{"PrincipalName", principal}, {"PolicyName", policy}}).ok());
  }
  // The Audit.authorization of the call's event: {decision, policy, statement}.
  std::vector<std::string> DecisionOf(const service::Response& r) {
    const ledger::RecordFields record = Record(r.seq);  // the event borrows from it
    const schema::Audit* audit = EventOf(record)->audit();
    REQUIRE(audit->authorization() != nullptr);
    return {audit->authorization()->decision()->str(), audit->authorization()->policy()->str(),
            audit->authorization()->statement()->str()};
  }
};

std::string Code(const service::Response& r) { return r.error ? r.error->code : ""; }

TEST_CASE("A principal without policies is implicitly denied, and the denial is an AccessDenied event",
          "[service][access]") {
  Access a;
  auto r = a.As("app", "GetSecretValue", {{"SecretId", "dev/db"}});
  CHECK(Code(r) == "AccessDeniedException");
  CHECK(r.values.empty());
  CHECK(r.error->message ==
        "User: arn:aws:iam::123456789012:user/app is not authorized to perform: "
        "secretsmanager:GetSecretValue on resource: dev/db because no identity-based policy allows "
        "the secretsmanager:GetSecretValue action");
  ledger::RecordFields record = a.Record(r.seq);
  CHECK(record.event_type == "AccessDenied");
  CHECK(record.actor.principal == "app");
  const auto* denied = EventOf(record)->body_as_AccessDenied();
  REQUIRE(denied != nullptr);
  CHECK(denied->action()->str() == "secretsmanager:GetSecretValue");
  CHECK(EventOf(record)->audit()->error_code()->str() == "AccessDeniedException");
  CHECK(a.DecisionOf(r) == std::vector<std::string>{"ImplicitDeny", "", ""});
}

TEST_CASE("A denied caller learns nothing about whether the secret exists", "[service][access]") {
  Access a;
  auto existing = a.As("app", "DescribeSecret", {{"SecretId", "prod/db"}});
  auto missing = a.As("app", "DescribeSecret", {{"SecretId", "prod/nope"}});
  CHECK(Code(existing) == "AccessDeniedException");
  CHECK(Code(missing) == "AccessDeniedException");
  std::string shown = existing.error->message;
  CHECK(shown.find("prod/db") != std::string::npos);
  CHECK(shown.find("arn:aws:secretsmanager") == std::string::npos);  // not the resolved ARN
  CHECK(missing.error->message == std::string(shown).replace(shown.find("prod/db"), 7, "prod/nope"));
}

TEST_CASE("The seed case: a role reads every secret tagged env=dev and nothing else", "[service][access]") {
  Access a;
  a.Grant("app", "dev-read", kDevRead);
  auto read = a.As("app", "GetSecretValue", {{"SecretId", "dev/db"}});
  REQUIRE(read.ok());
  REQUIRE(read.values.size() == 1);
  CHECK(read.values[0].value.bytes.as_string_view() == "dev-value");
  CHECK(a.DecisionOf(read) == std::vector<std::string>{"Allow", "dev-read", "ReadDev"});

  CHECK(Code(a.As("app", "GetSecretValue", {{"SecretId", "prod/db"}})) == "AccessDeniedException");
  CHECK(Code(a.As("app", "PutSecretValue", {{"SecretId", "dev/db"}, {"SecretString", "x"}})) ==
        "AccessDeniedException");
  CHECK(Code(a.As("app", "DeleteSecret", {{"SecretId", "dev/db"}})) == "AccessDeniedException");
  CHECK(Code(a.As("app", "ListPrincipals", Json::object())) == "AccessDeniedException");

  SECTION("ListSecrets needs its own action, then shows only what the caller may describe") {
    CHECK(Code(a.As("app", "ListSecrets", Json::object())) == "AccessDeniedException");
    a.Grant("app", "list", R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"}})");
    auto list = a.As("app", "ListSecrets", Json::object());
    REQUIRE(list.ok());
    REQUIRE(list.body["SecretList"].size() == 1);
    CHECK(list.body["SecretList"][0]["Name"] == "dev/db");
  }
  SECTION("BatchGetSecretValue reports the secrets it may not read, existing or not, alike") {
    a.Grant("app", "batch",
            R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:BatchGetSecretValue","Resource":"*"}})");
    auto batch = a.As("app", "BatchGetSecretValue",
                      {{"SecretIdList", Json::array({"dev/db", "prod/db", "prod/none"})}});
    REQUIRE(batch.ok());
    REQUIRE(batch.body["SecretValues"].size() == 1);
    CHECK(batch.body["SecretValues"][0]["Name"] == "dev/db");
    REQUIRE(batch.body["Errors"].size() == 2);
    CHECK(batch.body["Errors"][0]["ErrorCode"] == "AccessDeniedException");
    CHECK(batch.body["Errors"][1]["ErrorCode"] == "AccessDeniedException");
  }
}

TEST_CASE("An explicit Deny beats every Allow, an administrator's included", "[service][access]") {
  Access a;
  a.Grant("root", "no-prod",
          R"({"Statement":[{"Sid":"NoProd","Effect":"Deny","Action":"secretsmanager:*","Resource":"*",
              "Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]})");
  auto denied = a.As("root", "GetSecretValue", {{"SecretId", "prod/db"}});
  CHECK(Code(denied) == "AccessDeniedException");
  CHECK(denied.error->message.find("with an explicit deny in an identity-based policy") != std::string::npos);
  CHECK(a.DecisionOf(denied) == std::vector<std::string>{"ExplicitDeny", "no-prod", "NoProd"});
  auto allowed = a.As("root", "GetSecretValue", {{"SecretId", "dev/db"}});
  REQUIRE(allowed.ok());
  CHECK(a.DecisionOf(allowed) == std::vector<std::string>{"Allow", "AdministratorAccess", "Administrator"});
}

TEST_CASE("Resource policies grant, deny, and are stored as given", "[service][access]") {
  Access a;
  const std::string grant = R"({"Version":"2012-10-17","Statement":[{"Sid":"AppReads","Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:user/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
  auto put = a.Call("PutResourcePolicy", {{"SecretId", "prod/db"}, {"ResourcePolicy", grant}});
  REQUIRE(put.ok());
  CHECK(put.body["Name"] == "prod/db");
  CHECK(a.Record(put.seq).event_type == "ResourcePolicyPut");
  auto got = a.Call("GetResourcePolicy", {{"SecretId", "prod/db"}});
  REQUIRE(got.ok());
  CHECK(got.body["ResourcePolicy"] == grant);

  auto read = a.As("app", "GetSecretValue", {{"SecretId", "prod/db"}});
  REQUIRE(read.ok());
  CHECK(a.DecisionOf(read) == std::vector<std::string>{"Allow", "resource-policy", "AppReads"});

  SECTION("a Deny in the resource policy overrides an identity Allow") {
    a.Grant("app", "read-all",
            R"({"Statement":{"Sid":"All","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}})");
    const std::string deny = R"({"Statement":[{"Sid":"NoApp","Effect":"Deny","Principal":"*",
        "Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
    REQUIRE(a.Call("PutResourcePolicy", {{"SecretId", "prod/db"}, {"ResourcePolicy", deny}}).ok());
    auto r = a.As("app", "GetSecretValue", {{"SecretId", "prod/db"}});
    CHECK(Code(r) == "AccessDeniedException");
    CHECK(a.DecisionOf(r) == std::vector<std::string>{"ExplicitDeny", "resource-policy", "NoApp"});
    CHECK(a.As("app", "GetSecretValue", {{"SecretId", "dev/db"}}).ok());
  }
  SECTION("DeleteResourcePolicy removes the grant") {
    REQUIRE(a.Call("DeleteResourcePolicy", {{"SecretId", "prod/db"}}).ok());
    CHECK(Code(a.As("app", "GetSecretValue", {{"SecretId", "prod/db"}})) == "AccessDeniedException");
    auto none = a.Call("GetResourcePolicy", {{"SecretId", "prod/db"}});
    REQUIRE(none.ok());
    CHECK_FALSE(none.body.contains("ResourcePolicy"));
    CHECK(a.Call("DeleteResourcePolicy", {{"SecretId", "prod/db"}}).ok());  // none attached: still fine
  }
  SECTION("the policy survives a restart: the projection is loaded and compiled again") {
    a.Reopen();
    CHECK(a.As("app", "GetSecretValue", {{"SecretId", "prod/db"}}).ok());
  }
}

TEST_CASE("PutResourcePolicy refuses malformed and (when blocked) public documents and stores nothing",
          "[service][access]") {
  Access a;
  auto malformed = a.Call("PutResourcePolicy", {{"SecretId", "prod/db"},
                                                {"ResourcePolicy", R"({"Statement":[{"Effect":"Allow"}]})"}});
  CHECK(Code(malformed) == "MalformedPolicyDocumentException");
  CHECK(malformed.error->message.find("Statement[0]") != std::string::npos);
  const std::string open = R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
  auto blocked = a.Call("PutResourcePolicy",
                        {{"SecretId", "prod/db"}, {"ResourcePolicy", open}, {"BlockPublicPolicy", true}});
  CHECK(Code(blocked) == "PublicPolicyException");
  auto got = a.Call("GetResourcePolicy", {{"SecretId", "prod/db"}});
  REQUIRE(got.ok());
  CHECK_FALSE(got.body.contains("ResourcePolicy"));

  auto findings = a.Call("ValidateResourcePolicy", {{"ResourcePolicy", open}});
  REQUIRE(findings.ok());
  CHECK(findings.body["PolicyValidationPassed"] == false);
  REQUIRE(findings.body["ValidationErrors"].size() == 1);
  CHECK(findings.body["ValidationErrors"][0]["CheckName"] == "PUBLIC_ACCESS_CHECKS");
  auto fine = a.Call("ValidateResourcePolicy",
                     {{"SecretId", "prod/db"},
                      {"ResourcePolicy", R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]})"}});
  REQUIRE(fine.ok());
  CHECK(fine.body == Json{{"PolicyValidationPassed", true}, {"ValidationErrors", Json::array()}});
}

TEST_CASE("Identity policies: created once, listed, refused when malformed or still attached",
          "[service][access]") {
  Access a;
  auto bad = a.Call("CreatePolicy", {{"PolicyName", "bad"},
                                     {"PolicyDocument", R"({"Statement":[{"Sid":"X","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})"}});
  CHECK(Code(bad) == "MalformedPolicyDocumentException");
  CHECK(bad.error->message.find("Statement[0]") != std::string::npos);
  CHECK(bad.error->message.find("Action") != std::string::npos);
  CHECK(Code(a.Call("GetPolicy", {{"PolicyName", "bad"}})) == "ResourceNotFoundException");

  a.Grant("app", "dev-read", kDevRead);
  CHECK(Code(a.Call("CreatePolicy", {{"PolicyName", "dev-read"}, {"PolicyDocument", kDevRead}})) ==
        "ResourceExistsException");
  auto got = a.Call("GetPolicy", {{"PolicyName", "dev-read"}});
  REQUIRE(got.ok());
  CHECK(got.body["Policy"]["Arn"] == "arn:aws:iam::123456789012:policy/dev-read");
  CHECK(got.body["Policy"]["AttachmentCount"] == 1);
  CHECK(got.body["Policy"]["PolicyDocument"] == kDevRead);
  auto list = a.Call("ListPolicies", Json::object());
  REQUIRE(list.ok());
  CHECK(list.body["Policies"].size() == 1);
  auto principals = a.Call("ListPrincipals", Json::object());
  CHECK(principals.body["Principals"][0]["Name"] == "app");
  CHECK(principals.body["Principals"][0]["AttachedPolicies"] == Json::array({"dev-read"}));

  CHECK(Code(a.Call("DeletePolicy", {{"PolicyName", "dev-read"}})) == "InvalidRequestException");
  CHECK(Code(a.Call("DetachPrincipalPolicy", {{"PrincipalName", "root"}, {"PolicyName", "dev-read"}})) ==
        "ResourceNotFoundException");
  REQUIRE(a.Call("DetachPrincipalPolicy", {{"PrincipalName", "app"}, {"PolicyName", "dev-read"}}).ok());
  CHECK(Code(a.As("app", "GetSecretValue", {{"SecretId", "dev/db"}})) == "AccessDeniedException");
  REQUIRE(a.Call("DeletePolicy", {{"PolicyName", "dev-read"}}).ok());
  CHECK(Code(a.Call("AttachPrincipalPolicy", {{"PrincipalName", "app"}, {"PolicyName", "dev-read"}})) ==
        "ResourceNotFoundException");
}

TEST_CASE("Principals are disabled, rotated and deleted, never the last administrator", "[service][access]") {
  Access a;
  CHECK(Code(a.Call("UpdatePrincipal", {{"Name", "root"}, {"Enabled", false}})) == "InvalidRequestException");
  CHECK(Code(a.Call("UpdatePrincipal", {{"Name", "root"}, {"Admin", false}})) == "InvalidRequestException");
  CHECK(Code(a.Call("DeletePrincipal", {{"Name", "root"}})) == "InvalidRequestException");
  CHECK(a.e().PrincipalForKey(Key(1)) == "root");

  a.Grant("app", "dev-read", kDevRead);
  REQUIRE(a.Call("UpdatePrincipal", {{"Name", "app"}, {"Enabled", false}}).ok());
  CHECK_FALSE(a.e().PrincipalForKey(Key(2)).has_value());
  auto r = a.As("app", "GetSecretValue", {{"SecretId", "dev/db"}});
  CHECK(Code(r) == "AccessDeniedException");
  REQUIRE(a.Call("UpdatePrincipal", {{"Name", "app"}, {"Enabled", true}}).ok());
  CHECK(a.As("app", "GetSecretValue", {{"SecretId", "dev/db"}}).ok());

  auto rotated = a.Call("RotatePrincipalKey", {{"Name", "app"}, {"PublicKey", Key(9)}});
  REQUIRE(rotated.ok());
  CHECK(a.Record(rotated.seq).event_type == "PrincipalKeyRotated");
  CHECK_FALSE(a.e().PrincipalForKey(Key(2)).has_value());
  CHECK(a.e().PrincipalForKey(Key(9)) == "app");
  CHECK(Code(a.Call("RotatePrincipalKey", {{"Name", "app"}, {"PublicKey", Key(1)}})) == "ResourceExistsException");

  REQUIRE(a.Enrol("second", 3, /*admin=*/true).ok());
  REQUIRE(a.Call("UpdatePrincipal", {{"Name", "root"}, {"Admin", false}}).ok());
  CHECK(Code(a.Call("DeletePrincipal", {{"Name", "second"}})) == "InvalidRequestException");
  REQUIRE(a.Call("DeletePrincipal", {{"Name", "app"}}).ok());
  CHECK_FALSE(a.e().PrincipalForKey(Key(9)).has_value());
  CHECK(a.e().views_for_testing().policies.AttachedTo("app").empty());
  a.Reopen();
  CHECK(a.e().PrincipalForKey(Key(1)) == "root");
  CHECK_FALSE(a.e().PrincipalForKey(Key(9)).has_value());
}

TEST_CASE("Cairn's own actions: audit reads, principal and policy management, subscriptions",
          "[service][access]") {
  Access a;
  CHECK(Code(a.As("app", "ReadRecords", {{"FromSeq", 0}})) == "AccessDeniedException");
  CHECK(Code(a.As("app", "GetCheckpoint", Json::object())) == "AccessDeniedException");
  CHECK(Code(a.As("app", "CreatePolicy", {{"PolicyName", "p"}, {"PolicyDocument", kDevRead}})) ==
        "AccessDeniedException");
  CHECK_FALSE(a.e().PrincipalMay("app", service::kSubscribeEvents));
  CHECK(a.e().PrincipalMay("root", service::kSubscribeEvents));
  a.Grant("app", "auditor",
          R"({"Statement":{"Sid":"Audit","Effect":"Allow","Action":["cairn:ReadAuditLog","cairn:SubscribeEvents"],"Resource":"*"}})");
  auto page = a.As("app", "ReadRecords", {{"FromSeq", 0}});
  REQUIRE(page.ok());
  CHECK(a.DecisionOf(page) == std::vector<std::string>{"Allow", "auditor", "Audit"});
  CHECK(a.As("app", "GetCheckpoint", Json::object()).ok());
  CHECK(a.e().PrincipalMay("app", service::kSubscribeEvents));
  CHECK(Code(a.As("app", "ListPrincipals", Json::object())) == "AccessDeniedException");
  a.Grant("app", "principals", R"({"Statement":{"Effect":"Allow","Action":"cairn:*Principal*","Resource":"*"}})");
  CHECK(a.As("app", "ListPrincipals", Json::object()).ok());
  CHECK(Code(a.As("app", "ListPolicies", Json::object())) == "AccessDeniedException");
}

TEST_CASE("SimulatePrincipalPolicy answers as the call would be decided, without making it",
          "[service][access]") {
  Access a;
  a.Grant("app", "dev-read", kDevRead);
  auto sim = [&](const std::string& action, const std::string& secret, Json context = Json()) {
    Json params = {{"PrincipalName", "app"}, {"ActionName", action}, {"SecretId", secret}};
    if (!context.is_null()) params["ContextEntries"] = context;
    auto r = a.Call("SimulatePrincipalPolicy", params);
    INFO((r.error ? r.error->message : ""));
    REQUIRE(r.ok());
    return r.body["EvaluationResults"][0];
  };
  Json allowed = sim("secretsmanager:GetSecretValue", "dev/db");
  CHECK(allowed["EvalDecision"] == "allowed");
  CHECK(allowed["MatchedStatements"] == Json::array({{{"SourcePolicyId", "dev-read"}, {"StatementId", "ReadDev"}}}));
  CHECK(sim("secretsmanager:GetSecretValue", "prod/db")["EvalDecision"] == "implicitDeny");
  CHECK(sim("secretsmanager:getsecretvalue", "dev/db")["EvalActionName"] == "secretsmanager:GetSecretValue");

  a.Grant("app", "office-only",
          R"({"Statement":{"Sid":"Office","Effect":"Deny","Action":"*","Resource":"*",
              "Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}})");
  Json from_office = sim("secretsmanager:GetSecretValue", "dev/db",
                         Json::array({{{"ContextKeyName", "aws:SourceIp"}, {"ContextKeyValues", {"10.1.2.3"}}}}));
  CHECK(from_office["EvalDecision"] == "allowed");
  Json from_home = sim("secretsmanager:GetSecretValue", "dev/db",
                       Json::array({{{"ContextKeyName", "aws:SourceIp"}, {"ContextKeyValues", {"192.0.2.1"}}}}));
  CHECK(from_home["EvalDecision"] == "explicitDeny");
  CHECK(from_home["MatchedStatements"][0]["SourcePolicyId"] == "office-only");

  CHECK(Code(a.Call("SimulatePrincipalPolicy", {{"PrincipalName", "app"}, {"ActionName", "s3:GetObject"}})) ==
        "InvalidParameterException");
  CHECK(Code(a.Call("SimulatePrincipalPolicy",
                    {{"PrincipalName", "app"},
                     {"ActionName", "secretsmanager:GetSecretValue"},
                     {"ContextEntries", Json::array({{{"ContextKeyName", "aws:Bogus"}, {"ContextKeyValues", {"x"}}}})}})) ==
        "InvalidParameterException");
  auto r = a.Call("SimulatePrincipalPolicy", {{"PrincipalName", "app"}, {"ActionName", "secretsmanager:ListSecrets"}});
  CHECK(a.Record(r.seq).event_type == "PolicySimulated");
}

TEST_CASE("The embedded CLI's local user is allowed, and says so in the audit", "[service][access]") {
  Access a;
  auto r = a.Call("GetSecretValue", {{"SecretId", "prod/db"}});
  REQUIRE(r.ok());
  CHECK(a.DecisionOf(r) == std::vector<std::string>{"Allow", "LocalAccess", ""});
}

}  // namespace
}  // namespace cairn
