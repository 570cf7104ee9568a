// The world of the authorization matrix (matrix_test.cc): named principals,
// named secrets and named policy documents. Rows refer to them by name.
#ifndef CAIRN_TESTS_IAM_MATRIX_WORLD_H_
#define CAIRN_TESTS_IAM_MATRIX_WORLD_H_

#include <cstdint>
#include <map>
#include <string>

#include "projections/iam/policy.h"

namespace cairn::iam::testing {

struct Principal {
  std::string arn;
  Tags tags;
};

// A secret the call names, or another resource ("*", a principal ARN): then
// `name` is empty and the call names no secret.
struct Secret {
  std::string arn;
  std::string name;
  Tags tags;
};

struct PolicyDoc {
  PolicyKind kind;
  std::string json;
};

inline constexpr int64_t kNov23 = 1795392000000;      // 2026-11-23T00:00:00Z
inline constexpr int64_t kNov23Noon = 1795435200000;  // 2026-11-23T12:00:00Z
inline constexpr int64_t kDec02 = 1796169600000;      // 2026-12-02T00:00:00Z

inline const std::map<std::string, Principal>& Principals() {
  static const auto* m = new std::map<std::string, Principal>{
      {"dev-role", {"arn:aws:iam::111122223333:role/dev-reader", {{"team", "dev"}}}},
      {"alice",
       {"arn:aws:iam::111122223333:user/alice",
        {{"team", "payments"}, {"level", "3"}, {"admin", "true"}}}},
      {"bob", {"arn:aws:iam::111122223333:user/bob", {}}},
      {"carol",
       {"arn:aws:iam::111122223333:user/carol",
        {{"team", "ops"}, {"level", "7"}, {"admin", "false"}}}},
      {"dave", {"arn:aws:iam::111122223333:user/dave", {{"level", "abc"}, {"admin", "maybe"}}}},
      {"mallory", {"arn:aws:iam::999988887777:user/mallory", {}}},
  };
  return *m;
}

inline const std::map<std::string, Secret>& Secrets() {
  static const auto* m = new std::map<std::string, Secret>{
      {"dev-db",
       {"arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf",
        "dev/db",
        {{"env", "dev"}}}},
      {"dev-api",
       {"arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/api-XyZ123",
        "dev/api",
        {{"env", "dev"}, {"owner", "alice"}}}},
      {"prod-db",
       {"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-QwErTy",
        "prod/db",
        {{"env", "prod"}}}},
      {"Prod-DB",
       {"arn:aws:secretsmanager:us-east-1:111122223333:secret:Prod/DB-ZzZzZz",
        "Prod/DB",
        {{"env", "Prod"}}}},
      {"untagged",
       {"arn:aws:secretsmanager:us-east-1:111122223333:secret:misc/notes-123456",
        "misc/notes",
        {}}},
      {"eu-db",
       {"arn:aws:secretsmanager:eu-west-1:111122223333:secret:dev/db-EuEuEu",
        "dev/db",
        {{"env", "dev"}}}},
      {"*", {"*", "", {}}},
      {"user-bob", {"arn:aws:iam::111122223333:user/bob", "", {}}},
      {"role-dev", {"arn:aws:iam::111122223333:role/dev-reader", "", {}}},
  };
  return *m;
}

// An identity policy of one statement, Sid "C", allowing GetSecretValue on
// every resource under `condition` (a JSON object).
inline PolicyDoc Conditional(const std::string& condition) {
  return {PolicyKind::kIdentity,
          R"({"Version":"2012-10-17","Statement":{"Sid":"C","Effect":"Allow",)"
          R"("Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":)" +
              condition + "}}"};
}

inline PolicyDoc Identity(const std::string& statements) {
  return {PolicyKind::kIdentity, R"({"Version":"2012-10-17","Statement":[)" + statements + "]}"};
}

inline PolicyDoc ResourcePolicy(const std::string& statements) {
  return {PolicyKind::kResource, R"({"Version":"2012-10-17","Statement":[)" + statements + "]}"};
}

inline const std::map<std::string, PolicyDoc>& PolicyDocs() {
  static const auto* m = new std::map<std::string, PolicyDoc>{
      // The seed case: a role may read every secret tagged env=dev and nothing else.
      {"dev-read", Identity(R"({"Sid":"ReadDev","Effect":"Allow",
          "Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*",
          "Condition":{"StringEquals":{"secretsmanager:ResourceTag/env":"dev"}}})")},
      {"admin", Identity(R"({"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"})")},
      {"deny-prod", Identity(R"({"Sid":"NoProd","Effect":"Deny","Action":"secretsmanager:*",
          "Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"})")},
      {"deny-get",
       Identity(
           R"({"Sid":"NoGet","Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*"})")},
      {"deny-a",
       Identity(
           R"({"Sid":"DenyA","Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*"})")},
      {"deny-b",
       Identity(
           R"({"Sid":"DenyB","Effect":"Deny","Action":"secretsmanager:Get*","Resource":"*"})")},
      {"not-action", Identity(R"({"Sid":"AllButDelete","Effect":"Allow",
          "NotAction":["secretsmanager:DeleteSecret","cairn:*"],"Resource":"*"})")},
      {"not-resource",
       Identity(R"({"Sid":"NotProd","Effect":"Allow","Action":"secretsmanager:GetSecretValue",
          "NotResource":"arn:aws:secretsmanager:*:*:secret:prod/*"})")},
      {"deny-not-resource",
       Identity(R"({"Sid":"OnlyDev","Effect":"Deny","Action":"secretsmanager:*",
          "NotResource":["arn:aws:secretsmanager:*:*:secret:dev/*","*"]})")},
      {"wild", Identity(R"(
          {"Sid":"StarEnd","Effect":"Allow","Action":"secretsmanager:GetSecretValue",
           "Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/*"},
          {"Sid":"StarStart","Effect":"Allow","Action":"secretsmanager:ListSecretVersionIds","Resource":"*/db"},
          {"Sid":"StarMiddle","Effect":"Allow","Action":"secretsmanager:PutSecretValue",
           "Resource":"arn:aws:secretsmanager:*:111122223333:secret:dev/db-*"},
          {"Sid":"Question","Effect":"Allow","Action":"secretsmanager:UpdateSecret",
           "Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/???-??????"},
          {"Sid":"EmptySegment","Effect":"Allow","Action":"secretsmanager:TagResource",
           "Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/*db-AbCdEf"},
          {"Sid":"ResourceCase","Effect":"Allow","Action":"secretsmanager:RotateSecret",
           "Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:DEV/*"},
          {"Sid":"ActionCase","Effect":"Allow","Action":"Secretsmanager:restore*","Resource":"*"},
          {"Sid":"ActionQuestion","Effect":"Allow","Action":"cairn:?etPolicy","Resource":"*"},
          {"Sid":"ActionMiddle","Effect":"Allow","Action":"secretsmanager:*Version*","Resource":"prod/*"})")},
      {"by-name", Identity(R"(
          {"Sid":"DevByName","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"dev/*"},
          {"Sid":"DevByArn","Effect":"Allow","Action":"secretsmanager:DescribeSecret",
           "Resource":"arn:aws:secretsmanager:*:*:secret:dev/*"},
          {"Sid":"ExactName","Effect":"Allow","Action":"secretsmanager:PutSecretValue","Resource":"misc/notes"})")},
      {"iam-admin", Identity(R"({"Sid":"ManageUsers","Effect":"Allow","Action":"cairn:*Principal*",
          "Resource":"arn:aws:iam::111122223333:user/*"})")},
      {"nosid", Identity(R"({"Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"*"},
          {"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"})")},
      {"legacy", {PolicyKind::kIdentity, R"({"Version":"2008-10-17","Statement":{"Effect":"Allow",
          "Action":"secretsmanager:ListSecrets","Resource":"*"}})"}},
      {"deny-off-net", Identity(R"({"Sid":"OffNet","Effect":"Deny","Action":"*","Resource":"*",
          "Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]}}})")},
      {"deny-untagged",
       Identity(R"({"Sid":"NeedsEnv","Effect":"Deny","Action":"secretsmanager:GetSecretValue",
          "Resource":"*","Condition":{"Null":{"secretsmanager:ResourceTag/env":"true"}}})")},
      // Resource policies.
      {"rp-bob", ResourcePolicy(R"({"Sid":"BobReads","Effect":"Allow",
          "Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},
          "Action":"secretsmanager:GetSecretValue","Resource":"*"})")},
      {"rp-only-alice", ResourcePolicy(R"({"Sid":"OnlyAlice","Effect":"Deny",
          "NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice"]},"Action":"secretsmanager:*","Resource":"*"})")},
      {"rp-account", ResourcePolicy(R"(
          {"Sid":"Account","Effect":"Allow","Principal":{"AWS":"111122223333"},
           "Action":"secretsmanager:DescribeSecret","Resource":"*"},
          {"Sid":"PartnerRoot","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},
           "Action":"secretsmanager:GetSecretValue","Resource":"*"})")},
      {"rp-public", ResourcePolicy(R"({"Sid":"Public","Effect":"Allow","Principal":"*",
          "Action":"secretsmanager:DescribeSecret","Resource":"*"})")},
      {"rp-deny-get", ResourcePolicy(R"({"Sid":"NoReads","Effect":"Deny","Principal":{"AWS":"*"},
          "Action":"secretsmanager:GetSecretValue","Resource":"*"})")},
      {"rp-case", ResourcePolicy(R"({"Sid":"UpperAlice","Effect":"Allow",
          "Principal":{"AWS":"arn:aws:iam::111122223333:user/ALICE"},"Action":"secretsmanager:*","Resource":"*"})")},
      {"rp-not-principal-allow", ResourcePolicy(R"({"Sid":"AllButMallory","Effect":"Allow",
          "NotPrincipal":{"AWS":"999988887777"},"Action":"secretsmanager:ListSecretVersionIds","Resource":"*"})")},
      // One condition each (Sid "C": Allow GetSecretValue on "*").
      {"c-streq", Conditional(R"({"StringEquals":{"aws:PrincipalTag/team":["dev","payments"]}})")},
      {"c-strne",
       Conditional(R"({"StringNotEquals":{"aws:PrincipalTag/team":["dev","payments"]}})")},
      {"c-streq-ic",
       Conditional(R"({"StringEqualsIgnoreCase":{"secretsmanager:ResourceTag/env":"PROD"}})")},
      {"c-strne-ic",
       Conditional(R"({"StringNotEqualsIgnoreCase":{"secretsmanager:ResourceTag/env":"prod"}})")},
      {"c-strlike", Conditional(R"({"StringLike":{"secretsmanager:Name":"dev/*"}})")},
      {"c-strnotlike",
       Conditional(R"({"StringNotLike":{"secretsmanager:Name":["prod/*","Prod/*"]}})")},
      {"c-num-lt", Conditional(R"({"NumericLessThan":{"aws:PrincipalTag/level":5}})")},
      {"c-num-eq", Conditional(R"({"NumericEquals":{"aws:PrincipalTag/level":"3"}})")},
      {"c-num-ne", Conditional(R"({"NumericNotEquals":{"aws:PrincipalTag/level":3}})")},
      {"c-num-le", Conditional(R"({"NumericLessThanEquals":{"aws:PrincipalTag/level":3}})")},
      {"c-num-gt", Conditional(R"({"NumericGreaterThan":{"aws:PrincipalTag/level":3}})")},
      {"c-num-ge", Conditional(R"({"NumericGreaterThanEquals":{"aws:PrincipalTag/level":"3.0"}})")},
      {"c-date-lt", Conditional(R"({"DateLessThan":{"aws:CurrentTime":"2026-12-01T00:00:00Z"}})")},
      {"c-date-le",
       Conditional(R"({"DateLessThanEquals":{"aws:CurrentTime":"2026-11-23T13:00:00+01:00"}})")},
      {"c-date-gt", Conditional(R"({"DateGreaterThan":{"aws:CurrentTime":1795392000}})")},
      {"c-date-ge", Conditional(R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2026-11-23"}})")},
      {"c-date-eq", Conditional(R"({"DateEquals":{"aws:CurrentTime":"2026-11-23T12:00:00Z"}})")},
      {"c-date-ne", Conditional(R"({"DateNotEquals":{"aws:CurrentTime":"2026-11-23T12:00:00Z"}})")},
      {"c-bool", Conditional(R"({"Bool":{"aws:PrincipalTag/admin":true}})")},
      {"c-null-true", Conditional(R"({"Null":{"secretsmanager:ResourceTag/env":"true"}})")},
      {"c-null-false", Conditional(R"({"Null":{"aws:TagKeys":"false"}})")},
      {"c-ip", Conditional(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}})")},
      {"c-notip", Conditional(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")},
      {"c-arn-like",
       Conditional(R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}})")},
      {"c-arn-eq",
       Conditional(
           R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/dev-reader"}})")},
      {"c-arn-notlike",
       Conditional(R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::999988887777:*"}})")},
      {"c-arn-ne",
       Conditional(
           R"({"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}})")},
      {"c-streq-ifexists",
       Conditional(R"({"StringEqualsIfExists":{"aws:PrincipalTag/team":"dev"}})")},
      {"c-numlt-ifexists",
       Conditional(R"({"NumericLessThanIfExists":{"aws:PrincipalTag/level":5}})")},
      {"c-ip-ifexists", Conditional(R"({"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}})")},
      {"c-datelt-ifexists",
       Conditional(R"({"DateLessThanIfExists":{"aws:CurrentTime":"2026-12-01"}})")},
      {"c-any-tagkeys",
       Conditional(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env","owner"]}})")},
      {"c-all-tagkeys",
       Conditional(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env","owner"]}})")},
      {"c-all-like", Conditional(R"({"ForAllValues:StringLike":{"aws:TagKeys":"team-*"}})")},
      {"c-any-ifexists",
       Conditional(R"({"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}})")},
      {"c-any-ne", Conditional(R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":"env"}})")},
      {"c-all-single",
       Conditional(R"({"ForAllValues:StringEquals":{"secretsmanager:ResourceTag/env":"dev"}})")},
      {"c-reqtag", Conditional(R"({"StringEquals":{"aws:RequestTag/env":"dev"}})")},
      {"c-stage", Conditional(R"({"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}})")},
      {"c-versionid", Conditional(R"({"StringLike":{"secretsmanager:VersionId":"0000*"}})")},
      {"c-secretid", Conditional(R"({"StringEquals":{"secretsmanager:SecretId":"dev/db"}})")},
      {"c-description",
       Conditional(R"({"StringLike":{"secretsmanager:Description":"*rotated*"}})")},
      {"c-aws-restag", Conditional(R"({"StringEquals":{"aws:ResourceTag/env":"dev"}})")},
      {"c-keycase", Conditional(R"({"StringEquals":{"SecretsManager:resourcetag/env":"dev"}})")},
      {"c-tagcase", Conditional(R"({"StringEquals":{"secretsmanager:ResourceTag/ENV":"dev"}})")},
      {"c-two-keys",
       Conditional(
           R"({"StringEquals":{"secretsmanager:ResourceTag/env":"dev","aws:PrincipalTag/team":"dev"}})")},
      {"c-two-ops", Conditional(R"({"StringEquals":{"secretsmanager:ResourceTag/env":"dev"},
                                     "IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")},
  };
  return *m;
}

}  // namespace cairn::iam::testing

#endif  // CAIRN_TESTS_IAM_MATRIX_WORLD_H_
