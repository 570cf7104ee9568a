// The compiled form of a policy: what Compile builds and Evaluate walks. Every
// pattern is checked and every condition value parsed here, once, so that
// evaluation only compares (and never allocates or fails).
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_COMPILED_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_COMPILED_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "projections/iam/policy.h"

namespace cairn::iam::internal {

// An IPv4 or IPv6 network; an address alone is a /32 or /128.
struct IpNet {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  int prefix_bits = 0;
};

enum class KeyKind : uint8_t {
  kResourceTag,   // secretsmanager:ResourceTag/<k>, aws:ResourceTag/<k>
  kPrincipalTag,  // aws:PrincipalTag/<k>
  kRequestTag,    // aws:RequestTag/<k>
  kTagKeys,       // aws:TagKeys, the one multi-valued key
  kName,          // secretsmanager:Name
  kSecretId,      // secretsmanager:SecretId
  kVersionId,     // secretsmanager:VersionId
  kVersionStage,  // secretsmanager:VersionStage
  kDescription,   // secretsmanager:Description
  kSourceIp,      // aws:SourceIp
  kCurrentTime,   // aws:CurrentTime
  kPrincipalArn,  // aws:PrincipalArn
};

enum class OpFamily : uint8_t {
  kStringEquals,
  kStringEqualsIgnoreCase,
  kStringLike,
  kNumeric,
  kDate,
  kBool,
  kNull,
  kIpAddress,
  kArnLike,  // ArnEquals and ArnLike: both match component-wise with wildcards
};

enum class Comparison : uint8_t {
  kEquals,
  kLessThan,
  kLessThanEquals,
  kGreaterThan,
  kGreaterThanEquals
};

enum class SetOp : uint8_t { kNone, kForAnyValue, kForAllValues };

// One value of a condition, stringified as IAM does, plus its parsed form for
// the operator's family (only the member the family reads is set).
struct ConditionValue {
  std::string text;  // as written (StringIgnoreCase: lower-cased)
  double number = 0;
  int64_t time_ms = 0;
  bool flag = false;  // Bool, Null
  IpNet net;
  std::vector<std::string> arn_parts;  // ArnLike: the six components
};

// One (operator, key) pair of a Condition block, with all its values.
struct Condition {
  OpFamily family = OpFamily::kStringEquals;
  Comparison comparison = Comparison::kEquals;
  bool negated = false;    // StringNotEquals, NotIpAddress, ArnNotLike, ...
  bool if_exists = false;  // ...IfExists
  SetOp set_op = SetOp::kNone;
  KeyKind key = KeyKind::kName;
  std::string tag;  // the tag key of a *Tag/<k> key, case-sensitive
  std::vector<ConditionValue> values;
};

// A pattern of Resource/NotResource.
struct ResourcePattern {
  std::string pattern;
  bool any = false;      // "*"
  bool is_name = false;  // not an ARN: matched against the secret's name
  // Fast paths: the length of the literal text before the first wildcard
  // (compared first, with memcmp), and whether the rest is exactly one `*`
  // (then a prefix test decides) or empty (then equality does).
  size_t literal = 0;
  bool prefix_only = false;
  bool exact = false;
};

// Principal/NotPrincipal: "*" or a list of ARNs and accounts.
struct PrincipalSet {
  bool any = false;
  std::vector<std::string> arns;      // exact, case-sensitive
  std::vector<std::string> prefixes;  // "arn:aws:iam::<account>:" per account named
};

struct Statement {
  std::string label;  // the Sid, or "Statement[<index>]"
  bool allow = false;
  bool not_action = false;
  uint64_t actions = 0;  // bit i: KnownActions()[i]
  bool not_resource = false;
  std::vector<ResourcePattern> resources;
  bool has_principal = false;  // resource policies: always
  bool not_principal = false;
  PrincipalSet principals;
  std::vector<Condition> conditions;
};

}  // namespace cairn::iam::internal

namespace cairn::iam {

// Immutable once built; shared by every evaluation. Besides the statements
// it keeps, per action, the indexes of the statements whose Action/NotAction
// admits it (in document order), so evaluation visits only those.
class CompiledPolicy {
 public:
  CompiledPolicy(PolicyKind kind, std::vector<internal::Statement> statements, size_t action_count)
      : kind_(kind), statements_(std::move(statements)), by_action_(action_count + 1) {
    for (uint32_t i = 0; i < statements_.size(); ++i) {
      const internal::Statement& s = statements_[i];
      for (size_t a = 0; a < action_count; ++a) {
        if ((((s.actions >> a) & 1) != 0) != s.not_action) by_action_[a].push_back(i);
      }
      if (s.not_action) by_action_[action_count].push_back(i);  // actions not in KnownActions()
    }
  }
  PolicyKind kind() const { return kind_; }
  const std::vector<internal::Statement>& statements() const { return statements_; }
  // The statements that apply to action `index` of KnownActions(), or (-1) to
  // an action not in it.
  const std::vector<uint32_t>& ForAction(int index) const {
    return by_action_[index < 0 ? by_action_.size() - 1 : static_cast<size_t>(index)];
  }

 private:
  PolicyKind kind_;
  std::vector<internal::Statement> statements_;
  std::vector<std::vector<uint32_t>> by_action_;
};

}  // namespace cairn::iam

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_COMPILED_H_
