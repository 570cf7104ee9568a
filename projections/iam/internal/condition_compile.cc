// Compiling a Condition element: operator names, keys and typed values.
#include <array>
#include <string>

#include "projections/iam/internal/condition.h"
#include "projections/iam/internal/scalars.h"
#include "projections/iam/internal/text.h"

namespace cairn::iam::internal {
namespace {

using Json = nlohmann::json;

struct OperatorSpec {
  std::string_view name;
  OpFamily family;
  Comparison comparison;
  bool negated;
};

constexpr OperatorSpec kOperators[] = {
    {"StringEquals", OpFamily::kStringEquals, Comparison::kEquals, false},
    {"StringNotEquals", OpFamily::kStringEquals, Comparison::kEquals, true},
    {"StringEqualsIgnoreCase", OpFamily::kStringEqualsIgnoreCase, Comparison::kEquals, false},
    {"StringNotEqualsIgnoreCase", OpFamily::kStringEqualsIgnoreCase, Comparison::kEquals, true},
    {"StringLike", OpFamily::kStringLike, Comparison::kEquals, false},
    {"StringNotLike", OpFamily::kStringLike, Comparison::kEquals, true},
    {"NumericEquals", OpFamily::kNumeric, Comparison::kEquals, false},
    {"NumericNotEquals", OpFamily::kNumeric, Comparison::kEquals, true},
    {"NumericLessThan", OpFamily::kNumeric, Comparison::kLessThan, false},
    {"NumericLessThanEquals", OpFamily::kNumeric, Comparison::kLessThanEquals, false},
    {"NumericGreaterThan", OpFamily::kNumeric, Comparison::kGreaterThan, false},
    {"NumericGreaterThanEquals", OpFamily::kNumeric, Comparison::kGreaterThanEquals, false},
    {"DateEquals", OpFamily::kDate, Comparison::kEquals, false},
    {"DateNotEquals", OpFamily::kDate, Comparison::kEquals, true},
    {"DateLessThan", OpFamily::kDate, Comparison::kLessThan, false},
    {"DateLessThanEquals", OpFamily::kDate, Comparison::kLessThanEquals, false},
    {"DateGreaterThan", OpFamily::kDate, Comparison::kGreaterThan, false},
    {"DateGreaterThanEquals", OpFamily::kDate, Comparison::kGreaterThanEquals, false},
    {"Bool", OpFamily::kBool, Comparison::kEquals, false},
    {"Null", OpFamily::kNull, Comparison::kEquals, false},
    {"IpAddress", OpFamily::kIpAddress, Comparison::kEquals, false},
    {"NotIpAddress", OpFamily::kIpAddress, Comparison::kEquals, true},
    {"ArnEquals", OpFamily::kArnLike, Comparison::kEquals, false},
    {"ArnLike", OpFamily::kArnLike, Comparison::kEquals, false},
    {"ArnNotEquals", OpFamily::kArnLike, Comparison::kEquals, true},
    {"ArnNotLike", OpFamily::kArnLike, Comparison::kEquals, true},
};

struct KeySpec {
  std::string_view lower_name;  // tag keys: the prefix up to and with '/'
  KeyKind kind;
  bool tagged;
};

constexpr KeySpec kKeys[] = {
    {"secretsmanager:resourcetag/", KeyKind::kResourceTag, true},
    {"aws:resourcetag/", KeyKind::kResourceTag, true},
    {"aws:principaltag/", KeyKind::kPrincipalTag, true},
    {"aws:requesttag/", KeyKind::kRequestTag, true},
    {"aws:tagkeys", KeyKind::kTagKeys, false},
    {"secretsmanager:name", KeyKind::kName, false},
    {"secretsmanager:secretid", KeyKind::kSecretId, false},
    {"secretsmanager:versionid", KeyKind::kVersionId, false},
    {"secretsmanager:versionstage", KeyKind::kVersionStage, false},
    {"secretsmanager:description", KeyKind::kDescription, false},
    {"aws:sourceip", KeyKind::kSourceIp, false},
    {"aws:currenttime", KeyKind::kCurrentTime, false},
    {"aws:principalarn", KeyKind::kPrincipalArn, false},
};

Status Invalid(std::string_view field, const std::string& what) {
  return InvalidArgumentError(std::string(field) + ": " + what);
}

// "ForAnyValue:StringLikeIfExists" -> the spec, the set operator, IfExists.
Status ParseOperator(std::string_view name, Condition* c) {
  std::string_view base = name;
  if (base.starts_with("ForAnyValue:")) {
    c->set_op = SetOp::kForAnyValue;
    base.remove_prefix(12);
  } else if (base.starts_with("ForAllValues:")) {
    c->set_op = SetOp::kForAllValues;
    base.remove_prefix(13);
  }
  if (base.ends_with("IfExists")) {
    c->if_exists = true;
    base.remove_suffix(8);
  }
  for (const OperatorSpec& spec : kOperators) {
    if (spec.name != base) continue;
    if (spec.family == OpFamily::kNull && (c->if_exists || c->set_op != SetOp::kNone)) {
      return InvalidArgumentError("Condition: Null takes neither IfExists nor a set operator, in " +
                                  Quote(name));
    }
    c->family = spec.family;
    c->comparison = spec.comparison;
    c->negated = spec.negated;
    return Status::Ok();
  }
  return InvalidArgumentError("Condition: unknown condition operator " + Quote(name));
}

Status ParseKey(std::string_view field, std::string_view name, Condition* c) {
  const std::string lower = Lower(name);
  for (const KeySpec& spec : kKeys) {
    const bool match =
        spec.tagged ? lower.starts_with(spec.lower_name) && lower.size() > spec.lower_name.size()
                    : lower == spec.lower_name;
    if (!match) continue;
    c->key = spec.kind;
    if (spec.tagged) c->tag = std::string(name.substr(spec.lower_name.size()));
    if (spec.kind == KeyKind::kTagKeys && c->set_op == SetOp::kNone &&
        c->family != OpFamily::kNull) {
      return Invalid(field,
                     Quote(name) + " is multi-valued: use ForAnyValue: or ForAllValues: with it");
    }
    if (spec.kind == KeyKind::kCurrentTime && c->family != OpFamily::kDate &&
        c->family != OpFamily::kNull) {
      return Invalid(field, Quote(name) + " takes a Date operator (or Null)");
    }
    return Status::Ok();
  }
  return Invalid(field, "unknown condition key " + Quote(name));
}

// IAM stringifies scalar condition values: "10", "true".
Result<std::string> Stringify(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) return v.dump();
  return InvalidArgumentError("a condition value must be a string, number or boolean");
}

Status ParseValue(std::string_view field, const Condition& c, const Json& json,
                  ConditionValue* out) {
  Result<std::string> text = Stringify(json);
  if (!text.ok()) return Invalid(field, text.status().message());
  out->text = std::move(text).value();
  const std::string& t = out->text;
  switch (c.family) {
    case OpFamily::kStringEquals:
    case OpFamily::kStringLike:
      return Status::Ok();
    case OpFamily::kStringEqualsIgnoreCase:
      out->text = Lower(t);
      return Status::Ok();
    case OpFamily::kNumeric: {
      auto n = ParseNumber(t);
      if (!n) return Invalid(field, Quote(t) + " is not a number");
      out->number = *n;
      return Status::Ok();
    }
    case OpFamily::kDate: {
      auto ms = ParseTime(t);
      if (!ms) return Invalid(field, Quote(t) + " is not a date (ISO 8601 or epoch seconds)");
      out->time_ms = *ms;
      return Status::Ok();
    }
    case OpFamily::kBool:
    case OpFamily::kNull:
      if (EqualsIgnoreCase(t, "true") || EqualsIgnoreCase(t, "false")) {
        out->flag = EqualsIgnoreCase(t, "true");
        return Status::Ok();
      }
      return Invalid(field, Quote(t) + " is not \"true\" or \"false\"");
    case OpFamily::kIpAddress: {
      auto net = ParseIpNet(t);
      if (!net) return Invalid(field, Quote(t) + " is not an IP address or CIDR block");
      out->net = *net;
      return Status::Ok();
    }
    case OpFamily::kArnLike: {
      size_t start = 0;
      for (int i = 0; i < 5; ++i) {
        const size_t colon = t.find(':', start);
        if (colon == std::string::npos) return Invalid(field, Quote(t) + " is not an ARN");
        out->arn_parts.push_back(t.substr(start, colon - start));
        start = colon + 1;
      }
      out->arn_parts.push_back(t.substr(start));
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Result<Condition> CompileOne(std::string_view op_field, const Condition& op, const std::string& key,
                             const Json& values) {
  Condition c = op;
  RETURN_IF_ERROR(ParseKey(op_field, key, &c));
  const std::string field = std::string(op_field) + ": " + Quote(key);
  if (values.is_array()) {
    if (values.empty()) return Invalid(field, "no values");
    for (const Json& v : values) {
      RETURN_IF_ERROR(ParseValue(field, c, v, &c.values.emplace_back()));
    }
  } else {
    RETURN_IF_ERROR(ParseValue(field, c, values, &c.values.emplace_back()));
  }
  return c;
}

}  // namespace

Result<std::vector<Condition>> CompileConditions(const Json& block) {
  if (!block.is_object()) return InvalidArgumentError("Condition: must be an object");
  std::vector<Condition> out;
  for (const auto& [op_name, keys] : block.items()) {
    Condition op;
    RETURN_IF_ERROR(ParseOperator(op_name, &op));
    const std::string field = "Condition." + op_name;
    if (!keys.is_object()) return Invalid(field, "must be an object of condition keys");
    if (keys.empty()) return Invalid(field, "names no condition key");
    for (const auto& [key, values] : keys.items()) {
      ASSIGN_OR_RETURN(Condition c, CompileOne(field, op, key, values));
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace cairn::iam::internal
