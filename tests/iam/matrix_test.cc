// The authorization matrix: each row is one call (who, which policies, what
// action on what, with which request facts) and the decision IAM would reach,
// with the statement that decides it. The world it names is matrix_world.h.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "projections/iam/policy.h"
#include "tests/iam/matrix_world.h"

namespace cairn::iam::testing {
namespace {

// Request facts beyond principal, action and secret; unset means missing.
struct Facts {
  std::optional<std::string> source_ip = std::nullopt;
  int64_t time_ms = 0;
  std::optional<std::vector<std::string>> tag_keys = std::nullopt;
  std::optional<Tags> request_tags = std::nullopt;
  std::optional<std::string> version_stage = std::nullopt;
  std::optional<std::string> version_id = std::nullopt;
  std::optional<std::string> secret_id = std::nullopt;
  std::optional<std::string> description = std::nullopt;
};

struct Row {
  std::string name;
  std::string principal;
  std::vector<std::string> identity;
  std::string resource_policy;  // "" for none
  std::string action;
  std::string secret;
  Facts facts;
  Verdict verdict;
  std::string policy;     // deciding policy, "" when implicit
  std::string statement;  // its Sid or "Statement[i]"
};

constexpr Verdict A = Verdict::kAllow;
constexpr Verdict D = Verdict::kExplicitDeny;
constexpr Verdict I = Verdict::kImplicitDeny;
const std::string kGet = "secretsmanager:GetSecretValue";
const std::string kDescribe = "secretsmanager:DescribeSecret";

Facts Ip(std::string ip) { return Facts{.source_ip = std::move(ip)}; }
Facts At(int64_t ms) { return Facts{.time_ms = ms}; }
Facts Keys(std::vector<std::string> keys) { return Facts{.tag_keys = std::move(keys)}; }

// A row of one conditional policy ("C" allows GetSecretValue on "*").
Row Cond(std::string name, std::string policy, std::string principal, std::string secret,
         Facts facts, Verdict v) {
  const bool allow = v == A;
  return {std::move(name),
          std::move(principal),
          {policy},
          "",
          kGet,
          std::move(secret),
          std::move(facts),
          v,
          allow ? policy : "",
          allow ? "C" : ""};
}

// One row per line, so the rows read as a table.
// clang-format off
std::vector<Row> SeedAndPolicyRows() {
  return {
      // The seed case: a role may read every secret tagged env=dev and nothing else.
      {"dev role reads a dev secret", "dev-role", {"dev-read"}, "", kGet, "dev-db", {}, A, "dev-read", "ReadDev"},
      {"dev role describes a dev secret", "dev-role", {"dev-read"}, "", kDescribe, "dev-db", {}, A, "dev-read", "ReadDev"},
      {"dev role reads another dev secret", "dev-role", {"dev-read"}, "", kGet, "dev-api", {}, A, "dev-read", "ReadDev"},
      {"dev role reads a dev secret in another region", "dev-role", {"dev-read"}, "", kGet, "eu-db", {}, A, "dev-read", "ReadDev"},
      {"dev role may not read a prod secret", "dev-role", {"dev-read"}, "", kGet, "prod-db", {}, I, "", ""},
      {"dev role may not describe a prod secret", "dev-role", {"dev-read"}, "", kDescribe, "prod-db", {}, I, "", ""},
      {"dev role may not read an untagged secret", "dev-role", {"dev-read"}, "", kGet, "untagged", {}, I, "", ""},
      {"dev role may not write a dev secret", "dev-role", {"dev-read"}, "", "secretsmanager:PutSecretValue", "dev-db", {}, I, "", ""},
      {"dev role may not delete a dev secret", "dev-role", {"dev-read"}, "", "secretsmanager:DeleteSecret", "dev-db", {}, I, "", ""},
      {"dev role may not tag a dev secret", "dev-role", {"dev-read"}, "", "secretsmanager:TagResource", "dev-db", {}, I, "", ""},
      {"dev role may not list secrets", "dev-role", {"dev-read"}, "", "secretsmanager:ListSecrets", "*", {}, I, "", ""},
      {"dev role may not read the audit log", "dev-role", {"dev-read"}, "", "cairn:ReadAuditLog", "*", {}, I, "", ""},
      {"dev role matches the action case-insensitively", "dev-role", {"dev-read"}, "", "SECRETSMANAGER:getsecretvalue", "dev-db", {}, A, "dev-read", "ReadDev"},
      {"dev role: tag values are case-sensitive", "dev-role", {"dev-read"}, "", kGet, "Prod-DB", {}, I, "", ""},
      {"dev role: an unknown action is never allowed", "dev-role", {"dev-read"}, "", "secretsmanager:Frobnicate", "dev-db", {}, I, "", ""},
      {"no policies at all is an implicit deny", "alice", {}, "", kGet, "dev-db", {}, I, "", ""},
      // Deny wins, in any order.
      {"admin reads prod", "alice", {"admin"}, "", kGet, "prod-db", {}, A, "admin", "Everything"},
      {"admin is denied prod by a later deny", "alice", {"admin", "deny-prod"}, "", kGet, "prod-db", {}, D, "deny-prod", "NoProd"},
      {"admin is denied prod by an earlier deny", "alice", {"deny-prod", "admin"}, "", kGet, "prod-db", {}, D, "deny-prod", "NoProd"},
      {"deny on prod leaves dev to the allow", "alice", {"deny-prod", "admin"}, "", kGet, "dev-db", {}, A, "admin", "Everything"},
      {"deny on prod does not touch cairn actions", "alice", {"deny-prod", "admin"}, "", "cairn:CreatePrincipal", "user-bob", {}, A, "admin", "Everything"},
      {"deny on prod covers every secretsmanager action", "alice", {"admin", "deny-prod"}, "", "secretsmanager:DeleteSecret", "prod-db", {}, D, "deny-prod", "NoProd"},
      {"a deny alone is still a deny", "alice", {"deny-prod"}, "", kGet, "prod-db", {}, D, "deny-prod", "NoProd"},
      {"first of two denies in order decides", "alice", {"deny-a", "deny-b"}, "", kGet, "dev-db", {}, D, "deny-a", "DenyA"},
      {"first of two denies in the other order decides", "alice", {"deny-b", "deny-a"}, "", kGet, "dev-db", {}, D, "deny-b", "DenyB"},
      {"second deny alone matches its own action", "alice", {"deny-a", "deny-b"}, "", "secretsmanager:GetResourcePolicy", "dev-db", {}, D, "deny-b", "DenyB"},
      {"first of two allows decides", "dev-role", {"dev-read", "admin"}, "", kGet, "dev-db", {}, A, "dev-read", "ReadDev"},
      {"first of two allows in the other order decides", "dev-role", {"admin", "dev-read"}, "", kGet, "dev-db", {}, A, "admin", "Everything"},
      {"a later allow decides when the first does not apply", "dev-role", {"dev-read", "admin"}, "", kGet, "prod-db", {}, A, "admin", "Everything"},
      {"statements without Sid are named by index: deny", "bob", {"nosid"}, "", "secretsmanager:DeleteSecret", "dev-db", {}, D, "nosid", "Statement[0]"},
      {"statements without Sid are named by index: allow", "bob", {"nosid"}, "", kGet, "dev-db", {}, A, "nosid", "Statement[1]"},
      {"a 2008-10-17 single-statement object policy allows", "bob", {"legacy"}, "", "secretsmanager:ListSecrets", "*", {}, A, "legacy", "Statement[0]"},
      {"a 2008-10-17 policy allows only what it names", "bob", {"legacy"}, "", kGet, "dev-db", {}, I, "", ""},
      // Resource policies.
      {"resource policy alone grants its principal", "bob", {}, "rp-bob", kGet, "dev-db", {}, A, "rp-bob", "BobReads"},
      {"resource policy grants only its actions", "bob", {}, "rp-bob", kDescribe, "dev-db", {}, I, "", ""},
      {"resource policy: principal mismatch", "alice", {}, "rp-bob", kGet, "dev-db", {}, I, "", ""},
      {"resource policy: principal ARNs are case-sensitive", "alice", {}, "rp-case", kGet, "dev-db", {}, I, "", ""},
      {"identity deny overrides a resource policy allow", "bob", {"deny-get"}, "rp-bob", kGet, "dev-db", {}, D, "deny-get", "NoGet"},
      {"identity allow and resource deny is a deny", "dev-role", {"dev-read"}, "rp-deny-get", kGet, "dev-db", {}, D, "rp-deny-get", "NoReads"},
      {"resource deny on another action leaves the identity allow", "dev-role", {"dev-read"}, "rp-deny-get", kDescribe, "dev-db", {}, A, "dev-read", "ReadDev"},
      {"identity allow is named before a resource allow", "bob", {"admin"}, "rp-bob", kGet, "dev-db", {}, A, "admin", "Everything"},
      {"NotPrincipal deny applies to everyone else", "bob", {"admin"}, "rp-only-alice", kGet, "dev-db", {}, D, "rp-only-alice", "OnlyAlice"},
      {"NotPrincipal deny spares the named principal", "alice", {"admin"}, "rp-only-alice", kGet, "dev-db", {}, A, "admin", "Everything"},
      {"NotPrincipal deny covers other accounts", "mallory", {"admin"}, "rp-only-alice", kDescribe, "dev-db", {}, D, "rp-only-alice", "OnlyAlice"},
      {"NotPrincipal deny leaves cairn actions alone", "bob", {"admin"}, "rp-only-alice", "cairn:ReadAuditLog", "*", {}, A, "admin", "Everything"},
      {"NotPrincipal allow grants everyone but the account", "bob", {}, "rp-not-principal-allow", "secretsmanager:ListSecretVersionIds", "dev-db", {}, A, "rp-not-principal-allow", "AllButMallory"},
      {"NotPrincipal allow excludes the named account", "mallory", {}, "rp-not-principal-allow", "secretsmanager:ListSecretVersionIds", "dev-db", {}, I, "", ""},
      {"an account principal matches its users", "bob", {}, "rp-account", kDescribe, "dev-db", {}, A, "rp-account", "Account"},
      {"an account principal matches its roles", "dev-role", {}, "rp-account", kDescribe, "dev-db", {}, A, "rp-account", "Account"},
      {"an account principal does not match another account", "mallory", {}, "rp-account", kDescribe, "dev-db", {}, I, "", ""},
      {"a root principal matches its account", "mallory", {}, "rp-account", kGet, "dev-db", {}, A, "rp-account", "PartnerRoot"},
      {"a root principal does not match another account", "bob", {}, "rp-account", kGet, "dev-db", {}, I, "", ""},
      {"Principal star grants everyone", "mallory", {}, "rp-public", kDescribe, "prod-db", {}, A, "rp-public", "Public"},
      {"Principal star grants only its action", "mallory", {}, "rp-public", kGet, "prod-db", {}, I, "", ""},
      {"resource deny with AWS star hits every principal", "mallory", {}, "rp-deny-get", kGet, "prod-db", {}, D, "rp-deny-get", "NoReads"},
      {"identity deny beats a public resource allow", "mallory", {"deny-prod"}, "rp-public", kDescribe, "prod-db", {}, D, "deny-prod", "NoProd"},
      // NotAction, NotResource.
      {"NotAction allows what it does not name", "bob", {"not-action"}, "", kGet, "prod-db", {}, A, "not-action", "AllButDelete"},
      {"NotAction does not allow what it names", "bob", {"not-action"}, "", "secretsmanager:DeleteSecret", "prod-db", {}, I, "", ""},
      {"NotAction wildcard excludes a whole service", "bob", {"not-action"}, "", "cairn:ReadAuditLog", "*", {}, I, "", ""},
      {"NotAction matches an action not in KnownActions", "bob", {"not-action"}, "", "secretsmanager:Frobnicate", "dev-db", {}, A, "not-action", "AllButDelete"},
      {"NotAction matches the action case-insensitively", "bob", {"not-action"}, "", "secretsmanager:deletesecret", "dev-db", {}, I, "", ""},
      {"NotResource allows outside the pattern", "bob", {"not-resource"}, "", kGet, "dev-db", {}, A, "not-resource", "NotProd"},
      {"NotResource refuses inside the pattern", "bob", {"not-resource"}, "", kGet, "prod-db", {}, I, "", ""},
      {"NotResource is case-sensitive", "bob", {"not-resource"}, "", kGet, "Prod-DB", {}, A, "not-resource", "NotProd"},
      {"NotResource applies to resource star", "bob", {"not-resource"}, "", kGet, "*", {}, A, "not-resource", "NotProd"},
      {"NotResource with star excludes everything", "alice", {"admin", "deny-not-resource"}, "", kGet, "prod-db", {}, A, "admin", "Everything"},
  };
}

std::vector<Row> PatternRows() {
  return {
      {"trailing star matches the rest", "bob", {"wild"}, "", kGet, "dev-db", {}, A, "wild", "StarEnd"},
      {"trailing star does not cross the region", "bob", {"wild"}, "", kGet, "eu-db", {}, I, "", ""},
      {"trailing star does not match another prefix", "bob", {"wild"}, "", kGet, "prod-db", {}, I, "", ""},
      {"leading star in a name pattern", "bob", {"wild"}, "", "secretsmanager:ListSecretVersionIds", "prod-db", {}, A, "wild", "StarStart"},
      {"leading star in a name pattern, other name", "bob", {"wild"}, "", "secretsmanager:ListSecretVersionIds", "dev-db", {}, A, "wild", "StarStart"},
      {"leading star in a name pattern needs the suffix", "bob", {"wild"}, "", "secretsmanager:ListSecretVersionIds", "dev-api", {}, I, "", ""},
      {"name pattern never matches a call without a secret", "bob", {"wild"}, "", "secretsmanager:ListSecretVersionIds", "*", {}, I, "", ""},
      {"middle star matches a region", "bob", {"wild"}, "", "secretsmanager:PutSecretValue", "eu-db", {}, A, "wild", "StarMiddle"},
      {"middle star matches another region", "bob", {"wild"}, "", "secretsmanager:PutSecretValue", "dev-db", {}, A, "wild", "StarMiddle"},
      {"middle star still needs the rest", "bob", {"wild"}, "", "secretsmanager:PutSecretValue", "dev-api", {}, I, "", ""},
      {"question marks match one character each", "bob", {"wild"}, "", "secretsmanager:UpdateSecret", "dev-api", {}, A, "wild", "Question"},
      {"question marks need exactly that many characters", "bob", {"wild"}, "", "secretsmanager:UpdateSecret", "dev-db", {}, I, "", ""},
      {"star matches an empty segment", "bob", {"wild"}, "", "secretsmanager:TagResource", "dev-db", {}, A, "wild", "EmptySegment"},
      {"star with empty segment still needs the literal", "bob", {"wild"}, "", "secretsmanager:TagResource", "eu-db", {}, I, "", ""},
      {"resource patterns are case-sensitive", "bob", {"wild"}, "", "secretsmanager:RotateSecret", "dev-db", {}, I, "", ""},
      {"action patterns are case-insensitive", "bob", {"wild"}, "", "secretsmanager:RestoreSecret", "prod-db", {}, A, "wild", "ActionCase"},
      {"action pattern star ends the name", "bob", {"wild"}, "", "secretsmanager:RestoreSecrets", "prod-db", {}, I, "", ""},
      {"question mark in an action", "bob", {"wild"}, "", "cairn:GetPolicy", "*", {}, A, "wild", "ActionQuestion"},
      {"question mark in an action needs one character", "bob", {"wild"}, "", "cairn:ListPolicies", "*", {}, I, "", ""},
      {"action star in the middle", "bob", {"wild"}, "", "secretsmanager:ListSecretVersionIds", "prod-db", {}, A, "wild", "StarStart"},
      {"action star in the middle, other action", "bob", {"wild"}, "", "secretsmanager:UpdateSecretVersionStage", "prod-db", {}, A, "wild", "ActionMiddle"},
      {"action star in the middle, wrong resource", "bob", {"wild"}, "", "secretsmanager:UpdateSecretVersionStage", "dev-db", {}, I, "", ""},
      {"a name pattern matches the name", "bob", {"by-name"}, "", kGet, "dev-db", {}, A, "by-name", "DevByName"},
      {"a name pattern matches the name in any region", "bob", {"by-name"}, "", kGet, "eu-db", {}, A, "by-name", "DevByName"},
      {"a name pattern refuses another name", "bob", {"by-name"}, "", kGet, "prod-db", {}, I, "", ""},
      {"a name pattern refuses a call without a secret", "bob", {"by-name"}, "", kGet, "*", {}, I, "", ""},
      {"a name pattern refuses a principal resource", "bob", {"by-name"}, "", kGet, "user-bob", {}, I, "", ""},
      {"an ARN pattern matches the ARN", "bob", {"by-name"}, "", kDescribe, "dev-api", {}, A, "by-name", "DevByArn"},
      {"an ARN pattern refuses another ARN", "bob", {"by-name"}, "", kDescribe, "untagged", {}, I, "", ""},
      {"an exact name pattern", "bob", {"by-name"}, "", "secretsmanager:PutSecretValue", "untagged", {}, A, "by-name", "ExactName"},
      {"an exact name pattern refuses others", "bob", {"by-name"}, "", "secretsmanager:PutSecretValue", "dev-db", {}, I, "", ""},
      {"cairn actions on principal ARNs", "alice", {"iam-admin"}, "", "cairn:CreatePrincipal", "user-bob", {}, A, "iam-admin", "ManageUsers"},
      {"cairn action pattern in the middle", "alice", {"iam-admin"}, "", "cairn:AttachPrincipalPolicy", "user-bob", {}, A, "iam-admin", "ManageUsers"},
      {"cairn actions refuse roles outside the pattern", "alice", {"iam-admin"}, "", "cairn:CreatePrincipal", "role-dev", {}, I, "", ""},
      {"cairn action pattern refuses other cairn actions", "alice", {"iam-admin"}, "", "cairn:CreatePolicy", "user-bob", {}, I, "", ""},
      {"cairn action pattern refuses a star resource", "alice", {"iam-admin"}, "", "cairn:ListPrincipals", "*", {}, I, "", ""},
  };
}

std::vector<Row> ConditionRows() {
  return {
      Cond("StringEquals, one of the values", "c-streq", "alice", "dev-db", {}, A),
      Cond("StringEquals, the other value", "c-streq", "dev-role", "dev-db", {}, A),
      Cond("StringEquals, another value", "c-streq", "carol", "dev-db", {}, I),
      Cond("StringEquals, missing key", "c-streq", "bob", "dev-db", {}, I),
      Cond("StringNotEquals, a listed value (NOR)", "c-strne", "alice", "dev-db", {}, I),
      Cond("StringNotEquals, the other listed value", "c-strne", "dev-role", "dev-db", {}, I),
      Cond("StringNotEquals, an unlisted value", "c-strne", "carol", "dev-db", {}, A),
      Cond("StringNotEquals, missing key is true", "c-strne", "bob", "dev-db", {}, A),
      Cond("StringEqualsIgnoreCase, lower-case tag", "c-streq-ic", "bob", "prod-db", {}, A),
      Cond("StringEqualsIgnoreCase, mixed-case tag", "c-streq-ic", "bob", "Prod-DB", {}, A),
      Cond("StringEqualsIgnoreCase, other value", "c-streq-ic", "bob", "dev-db", {}, I),
      Cond("StringEqualsIgnoreCase, missing key", "c-streq-ic", "bob", "untagged", {}, I),
      Cond("StringNotEqualsIgnoreCase, equal but for case", "c-strne-ic", "bob", "Prod-DB", {}, I),
      Cond("StringNotEqualsIgnoreCase, other value", "c-strne-ic", "bob", "dev-db", {}, A),
      Cond("StringNotEqualsIgnoreCase, missing key is true", "c-strne-ic", "bob", "untagged", {}, A),
      Cond("StringLike, matching name", "c-strlike", "bob", "dev-db", {}, A),
      Cond("StringLike, other name", "c-strlike", "bob", "prod-db", {}, I),
      Cond("StringLike, no secret", "c-strlike", "bob", "*", {}, I),
      Cond("StringNotLike, name matching neither", "c-strnotlike", "bob", "dev-db", {}, A),
      Cond("StringNotLike, name matching one", "c-strnotlike", "bob", "prod-db", {}, I),
      Cond("StringNotLike, name matching the other", "c-strnotlike", "bob", "Prod-DB", {}, I),
      Cond("StringNotLike, no secret is true", "c-strnotlike", "bob", "*", {}, A),
      Cond("NumericLessThan, smaller", "c-num-lt", "alice", "dev-db", {}, A),
      Cond("NumericLessThan, larger", "c-num-lt", "carol", "dev-db", {}, I),
      Cond("NumericLessThan, missing key", "c-num-lt", "bob", "dev-db", {}, I),
      Cond("NumericLessThan, request value not a number", "c-num-lt", "dave", "dev-db", {}, I),
      Cond("NumericEquals, equal", "c-num-eq", "alice", "dev-db", {}, A),
      Cond("NumericEquals, not equal", "c-num-eq", "carol", "dev-db", {}, I),
      Cond("NumericNotEquals, equal", "c-num-ne", "alice", "dev-db", {}, I),
      Cond("NumericNotEquals, not equal", "c-num-ne", "carol", "dev-db", {}, A),
      Cond("NumericNotEquals, missing key is true", "c-num-ne", "bob", "dev-db", {}, A),
      Cond("NumericNotEquals, not a number is false", "c-num-ne", "dave", "dev-db", {}, I),
      Cond("NumericLessThanEquals, equal", "c-num-le", "alice", "dev-db", {}, A),
      Cond("NumericLessThanEquals, larger", "c-num-le", "carol", "dev-db", {}, I),
      Cond("NumericGreaterThan, equal", "c-num-gt", "alice", "dev-db", {}, I),
      Cond("NumericGreaterThan, larger", "c-num-gt", "carol", "dev-db", {}, A),
      Cond("NumericGreaterThanEquals, equal as 3.0", "c-num-ge", "alice", "dev-db", {}, A),
      Cond("NumericGreaterThanEquals, missing key", "c-num-ge", "bob", "dev-db", {}, I),
      Cond("DateLessThan, before", "c-date-lt", "bob", "dev-db", At(kNov23), A),
      Cond("DateLessThan, after", "c-date-lt", "bob", "dev-db", At(kDec02), I),
      Cond("DateLessThan, no current time", "c-date-lt", "bob", "dev-db", {}, I),
      Cond("DateLessThanEquals, at the instant in another zone", "c-date-le", "bob", "dev-db", At(kNov23Noon), A),
      Cond("DateLessThanEquals, one ms later", "c-date-le", "bob", "dev-db", At(kNov23Noon + 1), I),
      Cond("DateGreaterThan epoch seconds, later", "c-date-gt", "bob", "dev-db", At(kNov23Noon), A),
      Cond("DateGreaterThan epoch seconds, at the instant", "c-date-gt", "bob", "dev-db", At(kNov23), I),
      Cond("DateGreaterThanEquals a date, at midnight", "c-date-ge", "bob", "dev-db", At(kNov23), A),
      Cond("DateGreaterThanEquals a date, before", "c-date-ge", "bob", "dev-db", At(kNov23 - 1), I),
      Cond("DateEquals, equal", "c-date-eq", "bob", "dev-db", At(kNov23Noon), A),
      Cond("DateEquals, not equal", "c-date-eq", "bob", "dev-db", At(kNov23), I),
      Cond("DateNotEquals, not equal", "c-date-ne", "bob", "dev-db", At(kNov23), A),
      Cond("DateNotEquals, equal", "c-date-ne", "bob", "dev-db", At(kNov23Noon), I),
      Cond("DateNotEquals, no current time is true", "c-date-ne", "bob", "dev-db", {}, A),
      Cond("Bool, true", "c-bool", "alice", "dev-db", {}, A),
      Cond("Bool, false", "c-bool", "carol", "dev-db", {}, I),
      Cond("Bool, missing key", "c-bool", "bob", "dev-db", {}, I),
      Cond("Bool, request value neither true nor false", "c-bool", "dave", "dev-db", {}, I),
      Cond("Null true, key missing", "c-null-true", "bob", "untagged", {}, A),
      Cond("Null true, key present", "c-null-true", "bob", "dev-db", {}, I),
      Cond("Null true, no secret at all", "c-null-true", "bob", "*", {}, A),
      Cond("Null false, key present", "c-null-false", "bob", "dev-db", Keys({"env"}), A),
      Cond("Null false, key missing", "c-null-false", "bob", "dev-db", {}, I),
      Cond("Null false, empty set is missing", "c-null-false", "bob", "dev-db", Keys({}), I),
      Cond("IpAddress, IPv4 inside", "c-ip", "bob", "dev-db", Ip("10.1.2.3"), A),
      Cond("IpAddress, IPv4 outside", "c-ip", "bob", "dev-db", Ip("192.168.1.1"), I),
      Cond("IpAddress, IPv6 inside", "c-ip", "bob", "dev-db", Ip("2001:db8::1"), A),
      Cond("IpAddress, IPv6 outside", "c-ip", "bob", "dev-db", Ip("::1"), I),
      Cond("IpAddress, missing key", "c-ip", "bob", "dev-db", {}, I),
      Cond("IpAddress, garbage address", "c-ip", "bob", "dev-db", Ip("10.1.2"), I),
      Cond("NotIpAddress, outside", "c-notip", "bob", "dev-db", Ip("192.168.1.1"), A),
      Cond("NotIpAddress, inside", "c-notip", "bob", "dev-db", Ip("10.0.0.1"), I),
      Cond("NotIpAddress, IPv6 is outside an IPv4 block", "c-notip", "bob", "dev-db", Ip("::1"), A),
      Cond("NotIpAddress, missing key is true", "c-notip", "bob", "dev-db", {}, A),
      Cond("ArnLike, inside", "c-arn-like", "alice", "dev-db", {}, A),
      Cond("ArnLike, a role", "c-arn-like", "dev-role", "dev-db", {}, I),
      Cond("ArnLike, another account", "c-arn-like", "mallory", "dev-db", {}, I),
      Cond("ArnEquals, equal", "c-arn-eq", "dev-role", "dev-db", {}, A),
      Cond("ArnEquals, not equal", "c-arn-eq", "alice", "dev-db", {}, I),
      Cond("ArnNotLike, other account", "c-arn-notlike", "alice", "dev-db", {}, A),
      Cond("ArnNotLike, matching account", "c-arn-notlike", "mallory", "dev-db", {}, I),
      Cond("ArnNotEquals, equal", "c-arn-ne", "alice", "dev-db", {}, I),
      Cond("ArnNotEquals, not equal", "c-arn-ne", "bob", "dev-db", {}, A),
      Cond("StringEqualsIfExists, present and equal", "c-streq-ifexists", "dev-role", "dev-db", {}, A),
      Cond("StringEqualsIfExists, present and not equal", "c-streq-ifexists", "alice", "dev-db", {}, I),
      Cond("StringEqualsIfExists, missing is true", "c-streq-ifexists", "bob", "dev-db", {}, A),
      Cond("NumericLessThanIfExists, missing is true", "c-numlt-ifexists", "bob", "dev-db", {}, A),
      Cond("NumericLessThanIfExists, present and larger", "c-numlt-ifexists", "carol", "dev-db", {}, I),
      Cond("IpAddressIfExists, missing is true", "c-ip-ifexists", "bob", "dev-db", {}, A),
      Cond("IpAddressIfExists, present and outside", "c-ip-ifexists", "bob", "dev-db", Ip("192.0.2.1"), I),
      Cond("DateLessThanIfExists, no time is true", "c-datelt-ifexists", "bob", "dev-db", {}, A),
      Cond("DateLessThanIfExists, after", "c-datelt-ifexists", "bob", "dev-db", At(kDec02), I),
      Cond("ForAnyValue, one key listed", "c-any-tagkeys", "bob", "dev-db", Keys({"x", "env"}), A),
      Cond("ForAnyValue, no key listed", "c-any-tagkeys", "bob", "dev-db", Keys({"x"}), I),
      Cond("ForAnyValue, empty set is false", "c-any-tagkeys", "bob", "dev-db", Keys({}), I),
      Cond("ForAnyValue, missing key is false", "c-any-tagkeys", "bob", "dev-db", {}, I),
      Cond("ForAllValues, all keys listed", "c-all-tagkeys", "bob", "dev-db", Keys({"env", "owner"}), A),
      Cond("ForAllValues, one key not listed", "c-all-tagkeys", "bob", "dev-db", Keys({"env", "x"}), I),
      Cond("ForAllValues, empty set is true", "c-all-tagkeys", "bob", "dev-db", Keys({}), A),
      Cond("ForAllValues, missing key is true", "c-all-tagkeys", "bob", "dev-db", {}, A),
      Cond("ForAllValues StringLike, all match", "c-all-like", "bob", "dev-db", Keys({"team-a", "team-b"}), A),
      Cond("ForAllValues StringLike, one does not", "c-all-like", "bob", "dev-db", Keys({"team-a", "env"}), I),
      Cond("ForAnyValue IfExists, missing is true", "c-any-ifexists", "bob", "dev-db", {}, A),
      Cond("ForAnyValue IfExists, present and not listed", "c-any-ifexists", "bob", "dev-db", Keys({"x"}), I),
      Cond("ForAnyValue StringNotEquals, only the excluded key", "c-any-ne", "bob", "dev-db", Keys({"env"}), I),
      Cond("ForAnyValue StringNotEquals, another key too", "c-any-ne", "bob", "dev-db", Keys({"env", "x"}), A),
      Cond("ForAllValues on a single-valued key, equal", "c-all-single", "bob", "dev-db", {}, A),
      Cond("ForAllValues on a single-valued key, missing is true", "c-all-single", "bob", "untagged", {}, A),
      Cond("ForAllValues on a single-valued key, other value", "c-all-single", "bob", "prod-db", {}, I),
      Cond("RequestTag, equal", "c-reqtag", "bob", "dev-db", Facts{.request_tags = Tags{{"env", "dev"}}}, A),
      Cond("RequestTag, other value", "c-reqtag", "bob", "dev-db", Facts{.request_tags = Tags{{"env", "prod"}}}, I),
      Cond("RequestTag, missing", "c-reqtag", "bob", "dev-db", {}, I),
      Cond("VersionStage, equal", "c-stage", "bob", "dev-db", Facts{.version_stage = "AWSCURRENT"}, A),
      Cond("VersionStage, other", "c-stage", "bob", "dev-db", Facts{.version_stage = "AWSPREVIOUS"}, I),
      Cond("VersionStage, missing", "c-stage", "bob", "dev-db", {}, I),
      Cond("VersionId, like", "c-versionid", "bob", "dev-db", Facts{.version_id = "00000000-aaaa"}, A),
      Cond("VersionId, not like", "c-versionid", "bob", "dev-db", Facts{.version_id = "1000"}, I),
      Cond("SecretId as given, equal", "c-secretid", "bob", "dev-db", Facts{.secret_id = "dev/db"}, A),
      Cond("SecretId as given, an ARN is not the name", "c-secretid", "bob", "dev-db", Facts{.secret_id = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf"}, I),
      Cond("Description, like", "c-description", "bob", "dev-db", Facts{.description = "gets rotated weekly"}, A),
      Cond("Description, missing", "c-description", "bob", "dev-db", {}, I),
      Cond("aws:ResourceTag reads the secret's tags", "c-aws-restag", "bob", "dev-db", {}, A),
      Cond("aws:ResourceTag, other value", "c-aws-restag", "bob", "prod-db", {}, I),
      Cond("condition key names are case-insensitive", "c-keycase", "bob", "dev-db", {}, A),
      Cond("tag keys are case-sensitive", "c-tagcase", "bob", "dev-db", {}, I),
      Cond("two keys AND, both hold", "c-two-keys", "dev-role", "dev-db", {}, A),
      Cond("two keys AND, one fails", "c-two-keys", "alice", "dev-db", {}, I),
      Cond("two operators AND, both hold", "c-two-ops", "bob", "dev-db", Ip("10.9.9.9"), A),
      Cond("two operators AND, one fails", "c-two-ops", "bob", "dev-db", Ip("11.0.0.1"), I),
      Cond("two operators AND, a missing key fails", "c-two-ops", "bob", "dev-db", {}, I),
      // Conditions in Deny statements.
      {"deny off-network: inside the network", "alice", {"admin", "deny-off-net"}, "", kGet, "dev-db", Ip("10.0.0.7"), A, "admin", "Everything"},
      {"deny off-network: loopback IPv6 listed", "alice", {"admin", "deny-off-net"}, "", kGet, "dev-db", Ip("::1"), A, "admin", "Everything"},
      {"deny off-network: outside", "alice", {"admin", "deny-off-net"}, "", kGet, "dev-db", Ip("203.0.113.5"), D, "deny-off-net", "OffNet"},
      {"deny off-network: missing source is denied", "alice", {"admin", "deny-off-net"}, "", kGet, "dev-db", {}, D, "deny-off-net", "OffNet"},
      {"deny untagged: Null true on an untagged secret", "alice", {"admin", "deny-untagged"}, "", kGet, "untagged", {}, D, "deny-untagged", "NeedsEnv"},
      {"deny untagged: a tagged secret passes", "alice", {"admin", "deny-untagged"}, "", kGet, "prod-db", {}, A, "admin", "Everything"},
  };
}

// clang-format on

std::vector<Row> AllRows() {
  std::vector<Row> rows = SeedAndPolicyRows();
  for (auto* more : {&PatternRows, &ConditionRows}) {
    for (Row& r : more()) rows.push_back(std::move(r));
  }
  return rows;
}

std::map<std::string, std::shared_ptr<const CompiledPolicy>> CompileAll() {
  std::map<std::string, std::shared_ptr<const CompiledPolicy>> out;
  for (const auto& [name, doc] : PolicyDocs()) {
    auto compiled = Compile(doc.json, {doc.kind, "111122223333"});
    INFO("policy " << name << ": " << compiled.status().message());
    REQUIRE(compiled.ok());
    out[name] = *compiled;
  }
  return out;
}

Decision Decide(const Row& row,
                const std::map<std::string, std::shared_ptr<const CompiledPolicy>>& policies) {
  const Principal& who = Principals().at(row.principal);
  const Secret& what = Secrets().at(row.secret);
  std::vector<NamedPolicy> identity;
  for (const std::string& name : row.identity) identity.push_back({name, policies.at(name).get()});
  NamedPolicy resource{row.resource_policy, nullptr};
  if (!row.resource_policy.empty()) resource.policy = policies.at(row.resource_policy).get();
  const Facts& f = row.facts;
  RequestContext ctx;
  ctx.action = row.action;
  ctx.resource = what.arn;
  ctx.principal_arn = who.arn;
  ctx.principal_tags = &who.tags;
  if (!what.name.empty()) {
    ctx.resource_tags = &what.tags;
    ctx.secret_name = what.name;
  }
  if (f.secret_id) ctx.secret_id = *f.secret_id;
  if (f.version_id) ctx.version_id = *f.version_id;
  if (f.version_stage) ctx.version_stage = *f.version_stage;
  if (f.description) ctx.description = *f.description;
  if (f.request_tags) ctx.request_tags = &*f.request_tags;
  if (f.tag_keys) ctx.tag_keys = &*f.tag_keys;
  if (f.source_ip) ctx.source_ip = *f.source_ip;
  ctx.current_time_ms = f.time_ms;
  return Evaluate(identity, row.resource_policy.empty() ? nullptr : &resource, ctx);
}

TEST_CASE("every row of the authorization matrix decides as IAM does and names its statement",
          "[iam][matrix]") {
  const auto policies = CompileAll();
  const std::vector<Row> rows = AllRows();
  CHECK(rows.size() >= 160);
  for (const Row& row : rows) {
    INFO("row \"" << row.name << "\": " << row.principal << " calls " << row.action << " on "
                  << row.secret);
    const Decision d = Decide(row, policies);
    CHECK(VerdictName(d.verdict) == VerdictName(row.verdict));
    CHECK(std::string(d.policy_name) == row.policy);
    CHECK(std::string(d.statement) == row.statement);
  }
}

TEST_CASE("the matrix rows have distinct names", "[iam][matrix]") {
  std::map<std::string, int> seen;
  for (const Row& row : AllRows()) {
    INFO(row.name);
    CHECK(++seen[row.name] == 1);
  }
}

}  // namespace
}  // namespace cairn::iam::testing
