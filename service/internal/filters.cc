#include "service/internal/filters.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace cairn::service::internal {
namespace {

constexpr std::array<std::string_view, 7> kFilterKeys = {
    "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"};

bool IsFilterChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view(" :_@/+=.-!").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasPrefix(std::string_view text, std::string_view prefix, bool case_sensitive) {
  if (case_sensitive) return text.starts_with(prefix);
  return Lower(text).starts_with(Lower(prefix));
}

Result<Filter> ReadFilter(const Json& j) {
  if (!j.is_object()) return InvalidArgumentError("Invalid Filters: each filter must be an object");
  Filter f;
  auto key = j.find("Key");
  if (key == j.end() || !key->is_string() ||
      std::find(kFilterKeys.begin(), kFilterKeys.end(), key->get<std::string>()) ==
          kFilterKeys.end()) {
    return InvalidArgumentError(
        "Invalid filter key. Valid keys: description, name, tag-key, tag-value, primary-region, "
        "owning-service, all");
  }
  f.key = key->get<std::string>();
  Params params(j);
  ASSIGN_OR_RETURN(auto values, params.StringList("Values", 1, 10, 0, 512));
  if (!values.has_value())
    return InvalidArgumentError("Invalid filter " + f.key + ": Values is required");
  for (const std::string& v : *values) {
    if (!std::all_of(v.begin(), v.end(), IsFilterChar)) {
      return InvalidArgumentError("Invalid filter value for " + f.key +
                                  ": only letters, digits, spaces and :_@/+=.-! are allowed");
    }
  }
  f.values = std::move(*values);
  return f;
}

bool AllMatches(const projections::Secret& secret, std::string_view value) {
  std::vector<std::string> haystack = SplitWords(secret.name);
  auto add = [&haystack](std::string_view text) {
    for (std::string& w : SplitWords(text)) haystack.push_back(std::move(w));
  };
  if (secret.description.has_value()) add(*secret.description);
  for (const auto& [k, v] : secret.tags) {
    add(k);
    add(v);
  }
  for (const std::string& word : SplitWords(value)) {
    bool found = std::any_of(haystack.begin(), haystack.end(),
                             [&word](const std::string& w) { return HasPrefix(w, word, false); });
    if (!found) return false;
  }
  return true;
}

bool ValueMatches(const projections::Secret& secret, const std::string& key, std::string_view value,
                  const projections::LedgerInfo& info) {
  if (key == "name") return HasPrefix(secret.name, value, true);
  if (key == "description") {
    return secret.description.has_value() && HasPrefix(*secret.description, value, false);
  }
  if (key == "tag-key" || key == "tag-value") {
    return std::any_of(secret.tags.begin(), secret.tags.end(), [&](const auto& tag) {
      return HasPrefix(key == "tag-key" ? tag.first : tag.second, value, true);
    });
  }
  if (key == "primary-region") return HasPrefix(info.region, value, true);
  if (key == "all") return AllMatches(secret, value);
  return false;  // owning-service: no Cairn secret is owned by another service
}

bool FilterMatches(const projections::Secret& secret, const Filter& filter,
                   const projections::LedgerInfo& info) {
  bool has_plain = false;
  bool plain_matched = false;
  for (const std::string& v : filter.values) {
    if (v.starts_with("!")) {
      if (ValueMatches(secret, filter.key, std::string_view(v).substr(1), info)) return false;
    } else {
      has_plain = true;
      plain_matched = plain_matched || ValueMatches(secret, filter.key, v, info);
    }
  }
  return !has_plain || plain_matched;
}

}  // namespace

Result<std::vector<Filter>> ReadFilters(const Params& params) {
  const Json* j = params.Find("Filters");
  std::vector<Filter> filters;
  if (j == nullptr) return filters;
  if (!j->is_array()) return InvalidArgumentError("Invalid Filters: must be a list");
  if (j->size() > 10)
    return InvalidArgumentError("Invalid Filters: at most 10 filters are allowed");
  for (const Json& item : *j) {
    ASSIGN_OR_RETURN(Filter f, ReadFilter(item));
    filters.push_back(std::move(f));
  }
  return filters;
}

bool MatchesFilters(const projections::Secret& secret, const std::vector<Filter>& filters,
                    const projections::LedgerInfo& info) {
  return std::all_of(filters.begin(), filters.end(),
                     [&](const Filter& f) { return FilterMatches(secret, f, info); });
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!std::isalnum(u)) {
      flush();
      continue;
    }
    if (!word.empty()) {
      unsigned char prev = static_cast<unsigned char>(word.back());
      bool case_change = std::islower(prev) && std::isupper(u);
      bool kind_change = (std::isdigit(prev) != 0) != (std::isdigit(u) != 0);
      if (case_change || kind_change) flush();
    }
    word.push_back(c);
  }
  flush();
  return words;
}

}  // namespace cairn::service::internal
