#include "service/internal/params.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace cairn::service::internal {

size_t CodePointLength(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::optional<int64_t> ParseTimeMs(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 12) return std::nullopt;
    return std::stoll(text) * 1000;
  }
  std::tm tm{};
  int year, month, day, hour, minute, second;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour, &minute,
                  &second, &z) != 7 ||
      z != 'Z' || text.size() != 20) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

Status CheckLength(std::string_view what, std::string_view value, size_t min_len, size_t max_len) {
  size_t n = CodePointLength(value);
  if (n < min_len) {
    return InvalidArgumentError("Invalid " + std::string(what) + ": must be at least " +
                                std::to_string(min_len) + " characters long");
  }
  if (n > max_len) {
    return InvalidArgumentError("Invalid " + std::string(what) + ": must be at most " +
                                std::to_string(max_len) + " characters long");
  }
  return Status::Ok();
}

const Json* Params::Find(std::string_view name) const {
  if (!params_.is_object()) return nullptr;
  auto it = params_.find(name);
  if (it == params_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::optional<std::string>> Params::String(std::string_view name, size_t min_len,
                                                  size_t max_len) const {
  const Json* j = Find(name);
  if (j == nullptr) return std::optional<std::string>();
  if (!j->is_string())
    return InvalidArgumentError("Invalid " + std::string(name) + ": must be a string");
  std::string value = j->get<std::string>();
  RETURN_IF_ERROR(CheckLength(name, value, min_len, max_len));
  return std::optional<std::string>(std::move(value));
}

Result<std::string> Params::RequiredString(std::string_view name, size_t min_len,
                                           size_t max_len) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, String(name, min_len, max_len));
  if (!value.has_value())
    return InvalidArgumentError("Missing required parameter " + std::string(name));
  return std::move(*value);
}

Result<std::optional<bool>> Params::Bool(std::string_view name) const {
  const Json* j = Find(name);
  if (j == nullptr) return std::optional<bool>();
  if (!j->is_boolean())
    return InvalidArgumentError("Invalid " + std::string(name) + ": must be a boolean");
  return std::optional<bool>(j->get<bool>());
}

Result<std::optional<int64_t>> Params::Int(std::string_view name, int64_t min, int64_t max) const {
  const Json* j = Find(name);
  if (j == nullptr) return std::optional<int64_t>();
  if (!j->is_number_integer()) {
    return InvalidArgumentError("Invalid " + std::string(name) + ": must be an integer");
  }
  bool in_range = j->is_number_unsigned() ? j->get<uint64_t>() <= static_cast<uint64_t>(max) &&
                                                static_cast<int64_t>(j->get<uint64_t>()) >= min
                                          : j->get<int64_t>() >= min && j->get<int64_t>() <= max;
  if (!in_range) {
    return InvalidArgumentError("Invalid " + std::string(name) + ": must be between " +
                                std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<int64_t>(j->get<int64_t>());
}

Result<std::optional<int64_t>> Params::Time(std::string_view name) const {
  const Json* j = Find(name);
  if (j == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> ms;
  if (j->is_number()) {
    const double seconds = j->get<double>();
    // Epoch seconds from 1970 to 9999 (the model's timestamps).
    if (std::isfinite(seconds) && seconds >= 0 && seconds < 253402300800.0)
      ms = static_cast<int64_t>(std::llround(seconds * 1000));
  } else if (j->is_string()) {
    ms = ParseTimeMs(j->get<std::string>());
  }
  if (!ms) {
    return InvalidArgumentError("Invalid " + std::string(name) +
                                ": must be epoch seconds or a time like 2026-11-23T10:00:00Z");
  }
  return ms;
}

Result<std::optional<std::vector<std::string>>> Params::StringList(std::string_view name,
                                                                   size_t min_items,
                                                                   size_t max_items, size_t min_len,
                                                                   size_t max_len) const {
  const Json* j = Find(name);
  if (j == nullptr) return std::optional<std::vector<std::string>>();
  std::string what(name);
  if (!j->is_array())
    return InvalidArgumentError("Invalid " + what + ": must be a list of strings");
  if (j->size() < min_items || j->size() > max_items) {
    return InvalidArgumentError("Invalid " + what + ": must have between " +
                                std::to_string(min_items) + " and " + std::to_string(max_items) +
                                " items");
  }
  std::vector<std::string> out;
  for (const Json& item : *j) {
    if (!item.is_string())
      return InvalidArgumentError("Invalid " + what + ": must be a list of strings");
    out.push_back(item.get<std::string>());
    RETURN_IF_ERROR(CheckLength(what + " item", out.back(), min_len, max_len));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace cairn::service::internal
