#include "projections/iam/internal/principal.h"

#include <string>

#include "projections/iam/internal/text.h"

namespace cairn::iam::internal {
namespace {

bool IsAccount(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string AccountPrefix(std::string_view account) {
  return "arn:aws:iam::" + std::string(account) + ":";
}

Status AddAws(const std::string& p, const std::string& field, PrincipalSet* set) {
  if (p == "*") {
    set->any = true;
    return Status::Ok();
  }
  if (IsAccount(p)) {
    set->prefixes.push_back(AccountPrefix(p));
    return Status::Ok();
  }
  if (!p.starts_with("arn:")) {
    return InvalidArgumentError(field + ": " + Quote(p) + " is not \"*\", an account ID or an ARN");
  }
  if (p.find_first_of("*?") != std::string::npos) {
    return InvalidArgumentError(field + ": " + Quote(p) +
                                " has a wildcard (only \"*\" alone names every principal)");
  }
  constexpr std::string_view kIam = "arn:aws:iam::";
  if (p.starts_with(kIam) && p.ends_with(":root") && p.size() == kIam.size() + 12 + 5 &&
      IsAccount(std::string_view(p).substr(kIam.size(), 12))) {
    set->prefixes.push_back(AccountPrefix(std::string_view(p).substr(kIam.size(), 12)));
    return Status::Ok();
  }
  set->arns.push_back(p);
  return Status::Ok();
}

}  // namespace

Result<PrincipalSet> CompilePrincipals(const nlohmann::json& element, std::string_view field) {
  PrincipalSet set;
  const std::string name(field);
  if (element.is_string()) {
    if (element != "*") {
      return InvalidArgumentError(name + ": must be \"*\" or {\"AWS\": ...}, not " +
                                  Quote(element.get<std::string>()));
    }
    set.any = true;
    return set;
  }
  if (!element.is_object() || element.empty()) {
    return InvalidArgumentError(name + ": must be \"*\" or {\"AWS\": ...}");
  }
  for (const auto& [type, value] : element.items()) {
    if (type != "AWS") {
      return InvalidArgumentError(name + ": principal type " + Quote(type) +
                                  " is not supported (only \"AWS\")");
    }
    const std::string aws = name + ".AWS";
    std::vector<std::string> list;
    if (value.is_string()) {
      list.push_back(value.get<std::string>());
    } else if (value.is_array() && !value.empty()) {
      for (const auto& v : value) {
        if (!v.is_string()) return InvalidArgumentError(aws + ": must list strings");
        list.push_back(v.get<std::string>());
      }
    } else {
      return InvalidArgumentError(aws + ": must be a string or a non-empty list of strings");
    }
    for (const std::string& p : list) RETURN_IF_ERROR(AddAws(p, aws, &set));
  }
  return set;
}

bool PrincipalMatches(const PrincipalSet& set, std::string_view principal_arn) {
  if (set.any) return true;
  for (const std::string& arn : set.arns) {
    if (arn == principal_arn) return true;
  }
  for (const std::string& prefix : set.prefixes) {
    if (principal_arn.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace cairn::iam::internal
