// Deciding a compiled Condition against a request; see condition.h for the
// rules on missing keys. Nothing here allocates.
#include <optional>
#include <string_view>

#include "projections/iam/internal/condition.h"
#include "projections/iam/internal/scalars.h"
#include "projections/iam/internal/text.h"

namespace cairn::iam::internal {
namespace {

// One value of the key in the request: text, or (aws:CurrentTime) a time.
struct RequestValue {
  std::string_view text;
  std::optional<int64_t> time_ms;
};

std::optional<std::string_view> FindTag(const Tags* tags, std::string_view key) {
  if (tags == nullptr) return std::nullopt;
  for (const auto& [k, v] : *tags) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

// The key's single value in the request, or nullopt when it is missing.
// aws:CurrentTime is missing when current_time_ms is 0 (not set).
std::optional<RequestValue> Lookup(const Condition& c, const RequestContext& ctx) {
  auto text = [](std::optional<std::string_view> v) -> std::optional<RequestValue> {
    if (!v) return std::nullopt;
    return RequestValue{*v, std::nullopt};
  };
  switch (c.key) {
    case KeyKind::kResourceTag:
      return text(FindTag(ctx.resource_tags, c.tag));
    case KeyKind::kPrincipalTag:
      return text(FindTag(ctx.principal_tags, c.tag));
    case KeyKind::kRequestTag:
      return text(FindTag(ctx.request_tags, c.tag));
    case KeyKind::kName:
      return text(ctx.secret_name);
    case KeyKind::kSecretId:
      return text(ctx.secret_id);
    case KeyKind::kVersionId:
      return text(ctx.version_id);
    case KeyKind::kVersionStage:
      return text(ctx.version_stage);
    case KeyKind::kDescription:
      return text(ctx.description);
    case KeyKind::kSourceIp:
      return text(ctx.source_ip);
    case KeyKind::kPrincipalArn:
      if (ctx.principal_arn.empty()) return std::nullopt;
      return RequestValue{ctx.principal_arn, std::nullopt};
    case KeyKind::kCurrentTime:
      if (ctx.current_time_ms == 0) return std::nullopt;
      return RequestValue{{}, ctx.current_time_ms};
    case KeyKind::kTagKeys:
      return std::nullopt;  // multi-valued: see ForEachValue
  }
  return std::nullopt;
}

template <typename T>
bool Compare(Comparison op, T request, T policy) {
  switch (op) {
    case Comparison::kEquals:
      return request == policy;
    case Comparison::kLessThan:
      return request < policy;
    case Comparison::kLessThanEquals:
      return request <= policy;
    case Comparison::kGreaterThan:
      return request > policy;
    case Comparison::kGreaterThanEquals:
      return request >= policy;
  }
  return false;
}

bool ArnMatches(const ConditionValue& v, std::string_view arn) {
  for (size_t i = 0; i < 6; ++i) {
    std::string_view part = arn;
    if (i < 5) {
      const size_t colon = arn.find(':');
      if (colon == std::string_view::npos) return false;
      part = arn.substr(0, colon);
      arn.remove_prefix(colon + 1);
    }
    if (!WildcardMatch(v.arn_parts[i], part)) return false;
  }
  return true;
}

// Whether the request value matches at least one policy value (the positive
// reading), or nullopt when it does not parse as the operator's type.
std::optional<bool> MatchesAny(const Condition& c, const RequestValue& rv) {
  std::optional<double> number;
  std::optional<int64_t> time;
  std::optional<IpNet> address;
  switch (c.family) {
    case OpFamily::kNumeric:
      if (!(number = ParseNumber(rv.text))) return std::nullopt;
      break;
    case OpFamily::kDate:
      if (!(time = rv.time_ms ? rv.time_ms : ParseTime(rv.text))) return std::nullopt;
      break;
    case OpFamily::kBool:
      if (!EqualsIgnoreCase(rv.text, "true") && !EqualsIgnoreCase(rv.text, "false"))
        return std::nullopt;
      break;
    case OpFamily::kIpAddress:
      address = ParseIpNet(rv.text);
      if (!address || address->prefix_bits != (address->v6 ? 128 : 32)) return std::nullopt;
      break;
    default:
      break;
  }
  for (const ConditionValue& v : c.values) {
    bool m = false;
    switch (c.family) {
      case OpFamily::kStringEquals:
        m = rv.text == v.text;
        break;
      case OpFamily::kStringEqualsIgnoreCase:
        m = EqualsIgnoreCase(rv.text, v.text);
        break;
      case OpFamily::kStringLike:
        m = WildcardMatch(v.text, rv.text);
        break;
      case OpFamily::kNumeric:
        m = Compare(c.comparison, *number, v.number);
        break;
      case OpFamily::kDate:
        m = Compare(c.comparison, *time, v.time_ms);
        break;
      case OpFamily::kBool:
        m = EqualsIgnoreCase(rv.text, "true") == v.flag;
        break;
      case OpFamily::kIpAddress:
        m = NetContains(v.net, *address);
        break;
      case OpFamily::kArnLike:
        m = ArnMatches(v, rv.text);
        break;
      case OpFamily::kNull:
        break;  // handled by ConditionHolds
    }
    if (m) return true;
  }
  return false;
}

// One request value against the operator: OR over the values, NOR when negated;
// a value of the wrong type satisfies neither reading.
bool ValueHolds(const Condition& c, const RequestValue& rv) {
  const std::optional<bool> any = MatchesAny(c, rv);
  if (!any) return false;
  return c.negated ? !*any : *any;
}

bool KeyPresent(const Condition& c, const RequestContext& ctx) {
  if (c.key == KeyKind::kTagKeys) return ctx.tag_keys != nullptr && !ctx.tag_keys->empty();
  return Lookup(c, ctx).has_value();
}

// ForAnyValue / ForAllValues over the key's set of values (a single-valued
// key is a set of zero or one).
bool SetHolds(const Condition& c, const RequestContext& ctx) {
  const bool any_op = c.set_op == SetOp::kForAnyValue;
  size_t count = 0;
  bool found = false, all = true;
  auto visit = [&](const RequestValue& rv) {
    ++count;
    const bool holds = ValueHolds(c, rv);
    found |= holds;
    all &= holds;
  };
  if (c.key == KeyKind::kTagKeys) {
    if (ctx.tag_keys != nullptr) {
      for (const std::string& k : *ctx.tag_keys) visit(RequestValue{k, std::nullopt});
    }
  } else if (auto rv = Lookup(c, ctx)) {
    visit(*rv);
  }
  if (count == 0) return c.if_exists || !any_op;
  return any_op ? found : all;
}

}  // namespace

bool ConditionHolds(const Condition& c, const RequestContext& ctx) {
  if (c.family == OpFamily::kNull) {
    const bool missing = !KeyPresent(c, ctx);
    for (const ConditionValue& v : c.values) {
      if (v.flag == missing) return true;
    }
    return false;
  }
  if (c.set_op != SetOp::kNone) return SetHolds(c, ctx);
  const std::optional<RequestValue> rv = Lookup(c, ctx);
  if (!rv) return c.if_exists || c.negated;
  return ValueHolds(c, *rv);
}

}  // namespace cairn::iam::internal
