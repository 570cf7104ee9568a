// Compile's checks: every class of bad document is refused with
// InvalidArgument, and the message names the statement, the field and the fault.
#include <catch2/catch.hpp>
#include <string>

#include "projections/iam/policy.h"

namespace cairn::iam {
namespace {

const CompileOptions kIdentity{PolicyKind::kIdentity, "111122223333"};
const CompileOptions kResource{PolicyKind::kResource, "111122223333"};

// The error message of compiling `doc`, which must fail with InvalidArgument.
std::string ErrorOf(const std::string& doc, const CompileOptions& options = kIdentity) {
  auto r = Compile(doc, options);
  INFO(doc);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  return r.status().message();
}

// A document whose statements are `statements` (JSON objects, comma-separated).
std::string Doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

const std::string kGood =
    R"({"Sid":"Ok","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"})";

std::string WithCondition(const std::string& condition) {
  return Doc(
      R"({"Sid":"ReadDev","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
                 "Condition":)" +
      condition + "}");
}

TEST_CASE("compile accepts the usual forms of a valid document", "[iam][parser]") {
  CHECK(Compile(Doc(kGood), kIdentity).ok());
  CHECK(Compile(R"({"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}})", kIdentity).ok());
  CHECK(
      Compile(
          R"({"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Allow","NotAction":"cairn:*",
                   "NotResource":"prod/*"}]})",
          kIdentity)
          .ok());
  CHECK(
      Compile(
          Doc(R"({"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/a"]},
                       "Action":"secretsmanager:*","Resource":"*"})"),
          kResource)
          .ok());
}

TEST_CASE("compile refuses malformed JSON without echoing it", "[iam][parser]") {
  CHECK(ErrorOf(R"({"Statement": [)") == "policy document is not valid JSON (at byte 16)");
  CHECK(ErrorOf("") == "policy document is not valid JSON (at byte 1)");
  CHECK(ErrorOf("[]") == "policy document must be a JSON object");
}

TEST_CASE("compile refuses duplicate keys at any depth", "[iam][parser]") {
  CHECK(
      ErrorOf(R"({"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}})") ==
      "duplicate key \"Effect\"");
  CHECK(ErrorOf(WithCondition(
            R"({"StringEquals":{"aws:PrincipalTag/a":"1","aws:PrincipalTag/a":"2"}})")) ==
        "duplicate key \"aws:PrincipalTag/a\"");
}

TEST_CASE("compile refuses deep nesting", "[iam][parser]") {
  CHECK(ErrorOf(std::string(100, '[') + std::string(100, ']')) ==
        "policy document nests deeper than 16 levels");
}

TEST_CASE("compile refuses a bad top level", "[iam][parser]") {
  CHECK(ErrorOf(R"({"Version":"2020-01-01","Statement":[]})") ==
        "Version: must be \"2012-10-17\" or \"2008-10-17\", not \"2020-01-01\"");
  CHECK(ErrorOf(R"({"Statement":[],"Extra":1})") == "unknown element \"Extra\"");
  CHECK(ErrorOf(R"({"Version":"2012-10-17"})") == "Statement: missing");
  CHECK(ErrorOf(R"({"Statement":[]})") == "Statement: is empty");
  CHECK(ErrorOf(R"({"Statement":"x"})") == "Statement: must be an object or a list of objects");
  CHECK(ErrorOf(Doc(kGood + ",3")) == "Statement[1]: must be an object");
}

TEST_CASE("compile names the statement, its Sid and the field of an element error",
          "[iam][parser]") {
  CHECK(ErrorOf(Doc(kGood + R"(,{"Sid":"NoEffect","Action":"*","Resource":"*"})")) ==
        "Statement[1] (Sid \"NoEffect\"): Effect: missing");
  CHECK(ErrorOf(Doc(R"({"Effect":"allow","Action":"*","Resource":"*"})")) ==
        "Statement[0]: Effect: must be \"Allow\" or \"Deny\", not \"allow\"");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"})")) ==
        "Statement[0]: has both Action and NotAction");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Resource":"*"})")) ==
        "Statement[0]: has neither Action nor NotAction");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":"*"})")) ==
        "Statement[0]: has neither Resource nor NotResource");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":[],"Resource":"*"})")) ==
        "Statement[0]: Action: must be a string or a non-empty list of strings");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":["*",1],"Resource":"*"})")) ==
        "Statement[0]: Action: must list strings");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":"*","Resource":"*","Bogus":1})")) ==
        "Statement[0]: unknown element \"Bogus\"");
}

TEST_CASE("compile refuses duplicate and non-alphanumeric Sids", "[iam][parser]") {
  CHECK(ErrorOf(Doc(kGood + "," + kGood)) ==
        "Statement[1] (Sid \"Ok\"): Sid: \"Ok\" is not unique (also Statement[0])");
  CHECK(ErrorOf(Doc(R"({"Sid":"read dev","Effect":"Allow","Action":"*","Resource":"*"})")) ==
        "Statement[0]: Sid: must be a non-empty alphanumeric string, not \"read dev\"");
  CHECK(ErrorOf(Doc(R"({"Sid":"","Effect":"Allow","Action":"*","Resource":"*"})")) ==
        "Statement[0]: Sid: must be a non-empty alphanumeric string, not \"\"");
}

TEST_CASE("compile refuses action patterns that can never match", "[iam][parser]") {
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*"})")) ==
        "Statement[0]: Action: \"s3:GetObject\" matches no known action, can never match");
  CHECK(
      ErrorOf(Doc(
          R"({"Sid":"A","Effect":"Allow","Action":["secretsmanager:Get*","secretsmanager:GetSecretValu"],"Resource":"*"})")) ==
      "Statement[0] (Sid \"A\"): Action: \"secretsmanager:GetSecretValu\" matches no known action, "
      "can never match");
  CHECK(ErrorOf(Doc(R"({"Effect":"Deny","NotAction":"cairn:Get?","Resource":"*"})")) ==
        "Statement[0]: NotAction: \"cairn:Get?\" matches no known action, can never match");
}

TEST_CASE("compile refuses resource ARNs of other services", "[iam][parser]") {
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bucket/*"})")) ==
        "Statement[0]: Resource: \"arn:aws:s3:::bucket/*\" names a resource of another service, "
        "can never match");
  CHECK(
      ErrorOf(Doc(
          R"({"Effect":"Allow","Action":"*","NotResource":["*","arn:aws-cn:secretsmanager:*"]})")) ==
      "Statement[0]: NotResource: \"arn:aws-cn:secretsmanager:*\" names a resource of another "
      "service, can never match");
  CHECK(
      Compile(
          Doc(R"({"Effect":"Allow","Action":"*","Resource":["arn:*","arn:aws:*:*:*:secret:x","arn:aws:iam::*:user/*"]})"),
          kIdentity)
          .ok());
}

TEST_CASE("compile keeps Principal to resource policies and requires it there", "[iam][parser]") {
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"})")) ==
        "Statement[0]: Principal: not allowed in an identity policy");
  CHECK(ErrorOf(Doc(R"({"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"})")) ==
        "Statement[0]: NotPrincipal: not allowed in an identity policy");
  CHECK(ErrorOf(Doc(kGood), kResource) ==
        "Statement[0] (Sid \"Ok\"): has neither Principal nor NotPrincipal");
  CHECK(
      ErrorOf(
          Doc(R"({"Effect":"Allow","Principal":{"Service":"x.amazonaws.com"},"Action":"*","Resource":"*"})"),
          kResource) ==
      "Statement[0]: Principal: principal type \"Service\" is not supported (only \"AWS\")");
  CHECK(
      ErrorOf(
          Doc(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"*","Resource":"*"})"),
          kResource) ==
      "Statement[0]: Principal.AWS: \"arn:aws:iam::111122223333:user/*\" has a wildcard (only "
      "\"*\" alone names every principal)");
  CHECK(
      ErrorOf(Doc(R"({"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"*","Resource":"*"})"),
              kResource) ==
      "Statement[0]: Principal.AWS: \"alice\" is not \"*\", an account ID or an ARN");
  CHECK(ErrorOf(Doc(R"({"Effect":"Allow","Principal":"me","Action":"*","Resource":"*"})"),
                kResource) ==
        "Statement[0]: Principal: must be \"*\" or {\"AWS\": ...}, not \"me\"");
}

TEST_CASE("compile refuses unknown condition operators and keys", "[iam][parser]") {
  const std::string doc =
      Doc(kGood + "," + R"({"Sid":"Two","Effect":"Allow","Action":"*","Resource":"*"},)" +
          R"({"Sid":"ReadDev","Effect":"Allow","Action":"secretsmanager:GetSecretValue",
                                  "Resource":"*","Condition":{"StringEquals":{"aws:Foo":"x"}}})");
  CHECK(
      ErrorOf(doc) ==
      "Statement[2] (Sid \"ReadDev\"): Condition.StringEquals: unknown condition key \"aws:Foo\"");
  CHECK(ErrorOf(WithCondition(R"({"StringMaybe":{"aws:SourceIp":"x"}})")) ==
        "Statement[0] (Sid \"ReadDev\"): Condition: unknown condition operator \"StringMaybe\"");
  CHECK(ErrorOf(WithCondition(R"({"ForSomeValues:StringEquals":{"aws:TagKeys":"x"}})")) ==
        "Statement[0] (Sid \"ReadDev\"): Condition: unknown condition operator "
        "\"ForSomeValues:StringEquals\"");
  CHECK(ErrorOf(WithCondition(R"({"NullIfExists":{"aws:SourceIp":"true"}})")) ==
        "Statement[0] (Sid \"ReadDev\"): Condition: Null takes neither IfExists nor a set "
        "operator, in \"NullIfExists\"");
  CHECK(ErrorOf(WithCondition(R"({"StringEquals":{"aws:PrincipalTag/":"x"}})")) ==
        "Statement[0] (Sid \"ReadDev\"): Condition.StringEquals: unknown condition key "
        "\"aws:PrincipalTag/\"");
  CHECK(ErrorOf(WithCondition(R"({"StringEquals":{}})")) ==
        "Statement[0] (Sid \"ReadDev\"): Condition.StringEquals: names no condition key");
}

TEST_CASE("compile refuses condition values of the wrong type", "[iam][parser]") {
  const std::string p = "Statement[0] (Sid \"ReadDev\"): ";
  CHECK(ErrorOf(WithCondition(R"({"Bool":{"aws:PrincipalTag/admin":"maybe"}})")) ==
        p + "Condition.Bool: \"aws:PrincipalTag/admin\": \"maybe\" is not \"true\" or \"false\"");
  CHECK(ErrorOf(WithCondition(R"({"NumericLessThan":{"aws:PrincipalTag/level":"abc"}})")) ==
        p + "Condition.NumericLessThan: \"aws:PrincipalTag/level\": \"abc\" is not a number");
  CHECK(ErrorOf(WithCondition(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}})")) ==
        p + "Condition.IpAddress: \"aws:SourceIp\": \"10.0.0.0/33\" is not an IP address or CIDR "
            "block");
  CHECK(ErrorOf(WithCondition(R"({"DateLessThan":{"aws:CurrentTime":"2026-02-30"}})")) ==
        p + "Condition.DateLessThan: \"aws:CurrentTime\": \"2026-02-30\" is not a date (ISO 8601 "
            "or epoch seconds)");
  CHECK(ErrorOf(WithCondition(R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam"}})")) ==
        p + "Condition.ArnLike: \"aws:PrincipalArn\": \"arn:aws:iam\" is not an ARN");
  CHECK(ErrorOf(WithCondition(R"({"StringEquals":{"aws:SourceIp":{"a":1}}})")) ==
        p + "Condition.StringEquals: \"aws:SourceIp\": a condition value must be a string, number "
            "or boolean");
  CHECK(ErrorOf(WithCondition(R"({"StringEquals":{"aws:SourceIp":[]}})")) ==
        p + "Condition.StringEquals: \"aws:SourceIp\": no values");
}

TEST_CASE(
    "compile requires a set operator with aws:TagKeys and a Date operator with aws:CurrentTime",
    "[iam][parser]") {
  const std::string p = "Statement[0] (Sid \"ReadDev\"): ";
  CHECK(ErrorOf(WithCondition(R"({"StringEquals":{"aws:TagKeys":"env"}})")) ==
        p + "Condition.StringEquals: \"aws:TagKeys\" is multi-valued: use ForAnyValue: or "
            "ForAllValues: with it");
  CHECK(ErrorOf(WithCondition(R"({"StringLike":{"aws:CurrentTime":"2026*"}})")) ==
        p + "Condition.StringLike: \"aws:CurrentTime\" takes a Date operator (or Null)");
  CHECK(
      Compile(
          WithCondition(
              R"({"Null":{"aws:TagKeys":"true"},"ForAllValues:StringLike":{"aws:TagKeys":"a*"}})"),
          kIdentity)
          .ok());
}

TEST_CASE("compile enforces the size limits as IAM counts them", "[iam][parser]") {
  // Pad with a long resource name pattern to exactly the limit, then one over.
  const std::string head = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":")";
  const std::string tail = R"("}})";
  const size_t room = kMaxIdentityPolicyChars - head.size() - tail.size();
  CHECK(Compile(head + std::string(room, 'x') + tail, kIdentity).ok());
  CHECK(ErrorOf(head + std::string(room + 1, 'x') + tail) ==
        "policy document is 6145 characters without whitespace, over the identity policy limit of "
        "6144");
  // Whitespace is not counted for identity policies...
  CHECK(Compile(std::string(10000, ' ') + head + std::string(room, 'x') + tail, kIdentity).ok());
  // ...but is for resource policies.
  CHECK(ErrorOf(std::string(20481, ' '), kResource) ==
        "policy document is 20481 characters, over the resource policy limit of 20480");
}

TEST_CASE("error messages cut long values to 64 characters", "[iam][parser]") {
  const std::string action = "secretsmanager:" + std::string(5000, 'Z');
  const std::string message =
      ErrorOf(Doc(R"({"Effect":"Allow","Action":")" + action + R"(","Resource":"*"})"));
  CHECK(message == "Statement[0]: Action: \"" + action.substr(0, 64) +
                       "...\" matches no known action, can never match");
  const std::string control =
      ErrorOf(Doc(R"({"Effect":"Allow","Action":"s3:\u0001","Resource":"*"})"));
  CHECK(control == "Statement[0]: Action: \"s3:\\x01\" matches no known action, can never match");
}

TEST_CASE("validate reports syntax errors and public grants", "[iam][parser]") {
  auto syntax = Validate("{", kResource);
  REQUIRE(syntax.size() == 1);
  CHECK(syntax[0].check_name == "SYNTAX_CHECKS");
  CHECK(syntax[0].message == "policy document is not valid JSON (at byte 2)");

  for (const char* principal :
       {R"("Principal":"*")", R"("Principal":{"AWS":"*"})", R"("Principal":{"AWS":["1","*"]})",
        R"("NotPrincipal":{"AWS":"111122223333"})"}) {
    INFO(principal);
    const std::string doc = Doc(std::string(R"({"Sid":"Open","Effect":"Allow",)") + principal +
                                R"(,"Action":"secretsmanager:GetSecretValue","Resource":"*"})");
    if (std::string(principal).find("\"1\"") != std::string::npos) {
      CHECK(Validate(doc, kResource)[0].check_name == "SYNTAX_CHECKS");  // "1" is no account
      continue;
    }
    auto findings = Validate(doc, kResource);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].check_name == "PUBLIC_ACCESS_CHECKS");
    CHECK(findings[0].message == "statement \"Open\" allows every principal without a Condition");
    CHECK(GrantsPublicAccess(**Compile(doc, kResource)));
  }
}

TEST_CASE("validate finds nothing in a narrowed or denying resource policy", "[iam][parser]") {
  const std::string narrowed = Doc(R"({"Effect":"Allow","Principal":"*","Action":"*","Resource":"*",
      "Condition":{"StringEquals":{"aws:PrincipalTag/team":"dev"}}})");
  const std::string denying =
      Doc(R"({"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"})");
  const std::string named =
      Doc(R"({"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"})");
  for (const std::string& doc : {narrowed, denying, named}) {
    CHECK(Validate(doc, kResource).empty());
    CHECK_FALSE(GrantsPublicAccess(**Compile(doc, kResource)));
  }
  CHECK_FALSE(GrantsPublicAccess(**Compile(Doc(kGood), kIdentity)));
}

TEST_CASE("known actions are every Secrets Manager operation and Cairn's own", "[iam][parser]") {
  auto actions = KnownActions();
  CHECK(actions.size() == 50);
  CHECK(std::count_if(actions.begin(), actions.end(),
                      [](auto a) { return a.starts_with("secretsmanager:"); }) == 23);
  CHECK(std::find(actions.begin(), actions.end(), "cairn:SimulatePrincipalPolicy") !=
        actions.end());
  CHECK(std::find(actions.begin(), actions.end(), "secretsmanager:BatchGetSecretValue") !=
        actions.end());
  for (std::string_view own_action : {"cairn:CreateAccessKey", "cairn:ListAccessKeys",
                                      "cairn:UpdateAccessKey", "cairn:DeleteAccessKey",
                                      "cairn:ReportRotationStep", "cairn:GetRotationStatus",
                                      "cairn:ListRotations", "cairn:PutSecretExpiry",
                                      "cairn:ReadReplicaSnapshot"}) {
    CHECK(std::find(actions.begin(), actions.end(), own_action) != actions.end());
  }
  CHECK(VerdictName(Verdict::kAllow) == "Allow");
  CHECK(VerdictName(Verdict::kExplicitDeny) == "ExplicitDeny");
  CHECK(VerdictName(Verdict::kImplicitDeny) == "ImplicitDeny");
}

}  // namespace
}  // namespace cairn::iam
