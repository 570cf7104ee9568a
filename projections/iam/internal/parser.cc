#include "projections/iam/internal/parser.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "projections/iam/internal/actions.h"
#include "projections/iam/internal/condition.h"
#include "projections/iam/internal/principal.h"
#include "projections/iam/internal/text.h"

namespace cairn::iam::internal {
namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 16;  // a policy nests 4 deep; deeper is an attack

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters as IAM counts them: code points, without whitespace for
// identity policies.
Status CheckSize(std::string_view document, PolicyKind kind) {
  const bool identity = kind == PolicyKind::kIdentity;
  size_t chars = 0;
  for (char c : document) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // UTF-8 continuation
    if (identity && IsSpace(c)) continue;
    ++chars;
  }
  const size_t limit = identity ? kMaxIdentityPolicyChars : kMaxResourcePolicyChars;
  if (chars <= limit) return Status::Ok();
  return InvalidArgumentError(
      std::string("policy document is ") + std::to_string(chars) +
      (identity ? " characters without whitespace, over the identity policy limit of "
                : " characters, over the resource policy limit of ") +
      std::to_string(limit));
}

struct ParseAbort {
  std::string message;
};

// nlohmann keeps the last of duplicate keys silently; the callback refuses
// them (one hash set per open object), and refuses deep nesting.
Result<Json> ParseJson(std::string_view document) {
  std::vector<std::unordered_set<std::string>> open;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxDepth) throw ParseAbort{"policy document nests deeper than 16 levels"};
        if (event == Json::parse_event_t::object_start) open.emplace_back();
        break;
      case Json::parse_event_t::key:
        if (!open.empty() && !open.back().insert(parsed.get<std::string>()).second) {
          throw ParseAbort{"duplicate key " + Quote(parsed.get<std::string>())};
        }
        break;
      case Json::parse_event_t::object_end:
        if (!open.empty()) open.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(document.begin(), document.end(), callback);
  } catch (const ParseAbort& abort) {
    return InvalidArgumentError(abort.message);
  } catch (const Json::parse_error& e) {
    return InvalidArgumentError("policy document is not valid JSON (at byte " +
                                std::to_string(e.byte) + ")");
  } catch (const Json::exception&) {
    return InvalidArgumentError("policy document is not valid JSON");
  }
}

// A string, or a non-empty array of strings.
Result<std::vector<std::string>> StringList(const Json& v, std::string_view field) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() && !v.empty()) {
    for (const Json& e : v) {
      if (!e.is_string()) return InvalidArgumentError(std::string(field) + ": must list strings");
      out.push_back(e.get<std::string>());
    }
  } else {
    return InvalidArgumentError(std::string(field) +
                                ": must be a string or a non-empty list of strings");
  }
  return out;
}

Result<uint64_t> CompileActions(const Json& v, std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<std::string> patterns, StringList(v, field));
  uint64_t mask = 0;
  for (const std::string& p : patterns) {
    const uint64_t bits = ActionMask(p);
    if (bits == 0) {
      return InvalidArgumentError(std::string(field) + ": " + Quote(p) +
                                  " matches no known action, can never match");
    }
    mask |= bits;
  }
  return mask;
}

Result<std::vector<ResourcePattern>> CompileResources(const Json& v, std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<std::string> patterns, StringList(v, field));
  std::vector<ResourcePattern> out;
  for (std::string& p : patterns) {
    ResourcePattern r;
    r.any = p == "*";
    if (p.empty()) return InvalidArgumentError(std::string(field) + ": empty resource pattern");
    if (!r.any && p.starts_with("arn:")) {
      if (!CanMatchWithPrefix(p, "arn:aws:secretsmanager:") &&
          !CanMatchWithPrefix(p, "arn:aws:iam::")) {
        return InvalidArgumentError(std::string(field) + ": " + Quote(p) +
                                    " names a resource of another service, can never match");
      }
    } else if (!r.any) {
      r.is_name = true;
    }
    r.literal = std::min(p.find_first_of("*?"), p.size());
    r.exact = r.literal == p.size();
    r.prefix_only = r.literal + 1 == p.size() && p.back() == '*';
    r.pattern = std::move(p);
    out.push_back(std::move(r));
  }
  return out;
}

constexpr std::string_view kStatementKeys[] = {"Sid",          "Effect",      "Principal",
                                               "NotPrincipal", "Action",      "NotAction",
                                               "Resource",     "NotResource", "Condition"};

// Exactly one of `a` and `b` (or at most one when !required).
Result<const Json*> OneOf(const Json& s, const char* a, const char* b, bool* is_b, bool required) {
  const bool has_a = s.contains(a), has_b = s.contains(b);
  if (has_a && has_b) return InvalidArgumentError(std::string("has both ") + a + " and " + b);
  if (!has_a && !has_b) {
    if (!required) return static_cast<const Json*>(nullptr);
    return InvalidArgumentError(std::string("has neither ") + a + " nor " + b);
  }
  *is_b = has_b;
  return &s.at(has_b ? b : a);
}

Status CompileBody(const Json& s, PolicyKind kind, Statement* out) {
  for (const auto& [key, value] : s.items()) {
    if (std::find(std::begin(kStatementKeys), std::end(kStatementKeys), key) ==
        std::end(kStatementKeys)) {
      return InvalidArgumentError("unknown element " + Quote(key));
    }
  }
  if (!s.contains("Effect")) return InvalidArgumentError("Effect: missing");
  const Json& effect = s.at("Effect");
  if (effect != "Allow" && effect != "Deny") {
    return InvalidArgumentError(
        "Effect: must be \"Allow\" or \"Deny\", not " +
        Quote(effect.is_string() ? effect.get<std::string>() : effect.dump()));
  }
  out->allow = effect == "Allow";
  const bool resource_policy = kind == PolicyKind::kResource;
  if (!resource_policy && (s.contains("Principal") || s.contains("NotPrincipal"))) {
    return InvalidArgumentError(
        std::string(s.contains("Principal") ? "Principal" : "NotPrincipal") +
        ": not allowed in an identity policy");
  }
  if (resource_policy) {
    ASSIGN_OR_RETURN(const Json* p,
                     OneOf(s, "Principal", "NotPrincipal", &out->not_principal, true));
    out->has_principal = true;
    ASSIGN_OR_RETURN(out->principals,
                     CompilePrincipals(*p, out->not_principal ? "NotPrincipal" : "Principal"));
  }
  ASSIGN_OR_RETURN(const Json* actions, OneOf(s, "Action", "NotAction", &out->not_action, true));
  ASSIGN_OR_RETURN(out->actions,
                   CompileActions(*actions, out->not_action ? "NotAction" : "Action"));
  ASSIGN_OR_RETURN(const Json* resources,
                   OneOf(s, "Resource", "NotResource", &out->not_resource, true));
  ASSIGN_OR_RETURN(out->resources,
                   CompileResources(*resources, out->not_resource ? "NotResource" : "Resource"));
  if (s.contains("Condition")) {
    ASSIGN_OR_RETURN(out->conditions, CompileConditions(s.at("Condition")));
  }
  return Status::Ok();
}

bool Alphanumeric(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Status CompileStatement(const Json& s, size_t index, PolicyKind kind,
                        std::unordered_map<std::string, size_t>* sids, Statement* out) {
  std::string where = "Statement[" + std::to_string(index) + "]";
  if (!s.is_object()) return InvalidArgumentError(where + ": must be an object");
  out->label = where;
  if (s.contains("Sid")) {
    const Json& sid = s.at("Sid");
    if (!sid.is_string() || !Alphanumeric(sid.get<std::string>())) {
      return InvalidArgumentError(where + ": Sid: must be a non-empty alphanumeric string, not " +
                                  Quote(sid.is_string() ? sid.get<std::string>() : sid.dump()));
    }
    out->label = sid.get<std::string>();
    where += " (Sid " + Quote(out->label) + ")";
    auto [it, inserted] = sids->emplace(out->label, index);
    if (!inserted) {
      return InvalidArgumentError(where + ": Sid: " + Quote(out->label) +
                                  " is not unique (also Statement[" + std::to_string(it->second) +
                                  "])");
    }
  }
  Status status = CompileBody(s, kind, out);
  if (!status.ok()) return status.WithContext(where);
  return Status::Ok();
}

Status CheckTopLevel(const Json& doc) {
  if (!doc.is_object()) return InvalidArgumentError("policy document must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key != "Version" && key != "Id" && key != "Statement") {
      return InvalidArgumentError("unknown element " + Quote(key));
    }
  }
  if (doc.contains("Version")) {
    const Json& v = doc.at("Version");
    if (v != "2012-10-17" && v != "2008-10-17") {
      return InvalidArgumentError("Version: must be \"2012-10-17\" or \"2008-10-17\", not " +
                                  Quote(v.is_string() ? v.get<std::string>() : v.dump()));
    }
  }
  if (doc.contains("Id") && !doc.at("Id").is_string())
    return InvalidArgumentError("Id: must be a string");
  if (!doc.contains("Statement")) return InvalidArgumentError("Statement: missing");
  const Json& st = doc.at("Statement");
  if (!st.is_object() && !st.is_array()) {
    return InvalidArgumentError("Statement: must be an object or a list of objects");
  }
  if (st.is_array() && st.empty()) return InvalidArgumentError("Statement: is empty");
  return Status::Ok();
}

}  // namespace

Result<std::vector<Statement>> ParseStatements(std::string_view document,
                                               const CompileOptions& options) {
  RETURN_IF_ERROR(CheckSize(document, options.kind));
  ASSIGN_OR_RETURN(Json doc, ParseJson(document));
  RETURN_IF_ERROR(CheckTopLevel(doc));
  const Json& st = doc.at("Statement");
  std::vector<Statement> out;
  std::unordered_map<std::string, size_t> sids;
  if (st.is_object()) {
    RETURN_IF_ERROR(CompileStatement(st, 0, options.kind, &sids, &out.emplace_back()));
    return out;
  }
  for (size_t i = 0; i < st.size(); ++i) {
    RETURN_IF_ERROR(CompileStatement(st[i], i, options.kind, &sids, &out.emplace_back()));
  }
  return out;
}

}  // namespace cairn::iam::internal
