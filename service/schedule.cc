// RotationSchedule (see schedule.h): AWS's RotationRules checks, and the
// windows they define, by pure date arithmetic in UTC. Civil dates come from
// Howard Hinnant's days<->civil algorithms (proleptic Gregorian calendar), so
// no time zone library or system clock is involved.
#include "service/schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <span>

namespace cairn::service {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDaysPer400Years = 146097;  // the Gregorian calendar's cycle (whole weeks too)
constexpr int64_t kMinIntervalHours = 4;
constexpr int64_t kMaxDays = 1000;
constexpr size_t kMaxExpressionLength = 256;
constexpr size_t kQuotedMax = 64;  // longest expression echoed in a message

// ---- Calendar -------------------------------------------------------------

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Hinnant's civil_from_days: day 0 is 1970-01-01.
CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, kDaysPer400Years);
  const int64_t doe = z - era * kDaysPer400Years;                             // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11], March = 0
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// 1 = Sunday .. 7 = Saturday (1970-01-01 was a Thursday).
int WeekdayFromDays(int64_t z) {
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6) + 1;
}

bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysInMonth(int64_t year, int month) {
  static constexpr std::array<int, 13> kDays = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month];
}

// ---- Messages -------------------------------------------------------------

// `text` for a message: at most `max` characters, unprintable bytes as '?'.
std::string Quoted(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  if (text.size() > max) out += "...";
  return out;
}

std::string HourName(int hour) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:00", hour);
  return buf;
}

// ---- Numbers and names ----------------------------------------------------

// A string of digits as a number, capped at 10^9 (so "too large" still
// compares as too large); nullopt if empty or not all digits.
std::optional<int64_t> ParseCount(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = std::min<int64_t>(n * 10 + (c - '0'), 1000000000);
  }
  return n;
}

std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(sep);
    std::string_view part = s.substr(0, at);
    if (!part.empty() || !skip_empty) out.push_back(part);
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// One cron field's vocabulary: numbers lo..hi, and names for lo.. if any.
struct FieldSpec {
  const char* name;
  int lo;
  int hi;
  std::span<const std::string_view> names;  // names[i] stands for lo + i
};

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
constexpr FieldSpec kHours = {"Hours", 0, 23, {}};
constexpr FieldSpec kMonths = {"Month", 1, 12, kMonthNames};
constexpr FieldSpec kDaysOfMonth = {"Day-of-month", 1, 31, {}};
constexpr FieldSpec kDaysOfWeek = {"Day-of-week", 1, 7, kDayNames};

Result<int> ParseValue(std::string_view token, const FieldSpec& spec) {
  if (token.empty()) return InvalidArgumentError(std::string(spec.name) + " has an empty value");
  for (size_t i = 0; i < spec.names.size(); ++i) {
    if (EqualsIgnoreCase(token, spec.names[i])) return spec.lo + static_cast<int>(i);
  }
  std::optional<int64_t> n = ParseCount(token);
  if (!n) {
    return InvalidArgumentError(std::string(spec.name) + " value " + Quoted(token, 12) +
                                " is not a number" + (spec.names.empty() ? "" : " or a name"));
  }
  if (*n < spec.lo || *n > spec.hi) {
    return InvalidArgumentError(std::string(spec.name) + " value " + Quoted(token, 12) +
                                " is out of range " + std::to_string(spec.lo) + "-" +
                                std::to_string(spec.hi));
  }
  return static_cast<int>(*n);
}

// One list item: "*", "N", "N-M", each optionally "/step"; "/step" alone
// starts at the field's lowest value. Marks the values it covers in `out`.
Status ParseItem(std::string_view item, const FieldSpec& spec, std::vector<bool>& out) {
  const std::string where = std::string(spec.name) + " item " + Quoted(item, 16);
  std::vector<std::string_view> parts = Split(item, '/', false);
  if (parts.size() > 2) return InvalidArgumentError(where + " has more than one /");
  int64_t step = 1;
  if (parts.size() == 2) {
    std::optional<int64_t> n = ParseCount(parts[1]);
    if (!n || *n == 0) return InvalidArgumentError(where + " needs a positive step after /");
    step = *n;
  }
  std::string_view base = parts[0];
  int first = spec.lo, last = spec.hi;
  if (base.empty() && parts.size() == 1) {
    return InvalidArgumentError(std::string(spec.name) + " has an empty item");
  }
  if (!base.empty() && base != "*") {
    std::vector<std::string_view> ends = Split(base, '-', false);
    if (ends.size() > 2) return InvalidArgumentError(where + " has more than one -");
    ASSIGN_OR_RETURN(first, ParseValue(ends[0], spec));
    last = parts.size() == 2 ? spec.hi : first;
    if (ends.size() == 2) {
      ASSIGN_OR_RETURN(last, ParseValue(ends[1], spec));
      if (last < first) return InvalidArgumentError(where + " is a range that runs backwards");
    }
  }
  for (int64_t v = first; v <= last; v += step) out[v] = true;
  return Status::Ok();
}

// A whole list field ("1,15", "MON-FRI", "8/8") of plain items.
Result<std::vector<bool>> ParseList(std::string_view field, const FieldSpec& spec) {
  for (char c : field) {
    if (c == '?' || c == '#' || c == 'L' || c == 'l' || c == 'W' || c == 'w') {
      bool name_letter = !spec.names.empty() && std::isalpha(static_cast<unsigned char>(c));
      if (!name_letter) {
        return InvalidArgumentError(std::string(spec.name) + " " + Quoted(field, 16) + " uses " +
                                    std::string(1, c) + ", which is not allowed there");
      }
    }
  }
  std::vector<bool> out(spec.hi + 1, false);
  for (std::string_view item : Split(field, ',', false)) {
    RETURN_IF_ERROR(ParseItem(item, spec, out));
  }
  return out;
}

Status BadExpression(std::string_view expression, std::string_view reason) {
  return InvalidArgumentError("Invalid ScheduleExpression " + Quoted(expression, kQuotedMax) +
                              ": " + std::string(reason) + ".");
}

Status CheckExpressionText(std::string_view expression) {
  if (expression.empty() || expression.size() > kMaxExpressionLength) {
    return InvalidArgumentError("Invalid ScheduleExpression: it must be 1 to 256 characters long.");
  }
  for (size_t i = 0; i < expression.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(expression[i]);
    if (std::isalnum(c) ||
        std::string_view("()#?*-/, ").find(static_cast<char>(c)) != std::string_view::npos) {
      continue;
    }
    char shown[8];
    if (std::isprint(c)) {
      std::snprintf(shown, sizeof shown, "'%c'", c);
    } else {
      std::snprintf(shown, sizeof shown, "0x%02x", c);
    }
    return InvalidArgumentError("Invalid ScheduleExpression: character " + std::to_string(i + 1) +
                                " (" + shown +
                                ") is not allowed; use 0-9 A-Z a-z ( ) # ? * - / , and spaces.");
  }
  return Status::Ok();
}

// "rate(" + inner + ")" -> inner; nullopt if `text` is not prefix(...).
std::optional<std::string_view> Inside(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size() + 1 || text.substr(0, prefix.size()) != prefix ||
      text.back() != ')') {
    return std::nullopt;
  }
  return text.substr(prefix.size(), text.size() - prefix.size() - 1);
}

}  // namespace

// ---- Parse ------------------------------------------------------------------

Result<RotationSchedule> RotationSchedule::Parse(const projections::RotationRules& rules) {
  if (rules.automatically_after_days && rules.schedule_expression) {
    return InvalidArgumentError(
        "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  if (!rules.automatically_after_days && !rules.schedule_expression) {
    return InvalidArgumentError(
        "RotationRules must include AutomaticallyAfterDays or ScheduleExpression.");
  }
  RotationSchedule s;
  if (rules.automatically_after_days) {
    const int64_t days = *rules.automatically_after_days;
    if (days < 1 || days > kMaxDays) {
      return InvalidArgumentError("Invalid AutomaticallyAfterDays " + std::to_string(days) +
                                  ": it must be between 1 and 1000.");
    }
    s.kind_ = Kind::kRateDays;
    s.every_ = days;
  } else {
    const std::string& expression = *rules.schedule_expression;
    RETURN_IF_ERROR(CheckExpressionText(expression));
    Status parsed;
    if (auto inner = Inside(expression, "rate(")) {
      parsed = s.ParseRate(*inner);
    } else if (auto inner = Inside(expression, "cron(")) {
      parsed = s.ParseCron(*inner);
    } else {
      parsed = InvalidArgumentError("it must be rate(value unit) or cron(fields)");
    }
    if (!parsed.ok()) return BadExpression(expression, parsed.message());
  }
  RETURN_IF_ERROR(s.SetDuration(rules.duration));
  return s;
}

Status RotationSchedule::ParseRate(std::string_view inner) {
  std::vector<std::string_view> words = Split(inner, ' ', true);
  if (words.size() != 2) {
    return InvalidArgumentError("rate() takes a value and a unit, e.g. rate(10 days)");
  }
  std::optional<int64_t> value = ParseCount(words[0]);
  if (!value || *value == 0) {
    return InvalidArgumentError("the rate value must be a positive whole number");
  }
  const std::string_view unit = words[1];
  if (unit == "hour" || unit == "hours") {
    kind_ = Kind::kRateHours;
    if (*value < kMinIntervalHours) {
      return InvalidArgumentError("the minimum rotation interval is 4 hours");
    }
    if (*value > kMaxDays * 24) {
      return InvalidArgumentError("the maximum rotation interval is 1000 days");
    }
  } else if (unit == "day" || unit == "days") {
    kind_ = Kind::kRateDays;
    if (*value > kMaxDays) {
      return InvalidArgumentError("the maximum rotation interval is 1000 days");
    }
  } else {
    return InvalidArgumentError("the rate unit must be hours or days");
  }
  every_ = *value;
  return Status::Ok();
}

Status RotationSchedule::ParseCron(std::string_view inner) {
  std::vector<std::string_view> f = Split(inner, ' ', true);
  if (f.size() != 6) {
    return InvalidArgumentError(
        "cron() takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), not " +
        std::to_string(f.size()));
  }
  kind_ = Kind::kCron;
  if (f[0] != "0") return InvalidArgumentError("Minutes must be 0");
  if (f[5] != "*") return InvalidArgumentError("Year must be *");
  if (f[2] == "?" && f[4] == "?") {
    return InvalidArgumentError("Day-of-month and Day-of-week can't both be ?");
  }
  if (f[2] != "?" && f[4] != "?") {
    return InvalidArgumentError(
        "you can't specify both Day-of-month and Day-of-week; use ? in one of them");
  }
  ASSIGN_OR_RETURN(hours_, ParseList(f[1], kHours));
  ASSIGN_OR_RETURN(months_, ParseList(f[3], kMonths));
  RETURN_IF_ERROR(f[2] == "?" ? ParseDayOfWeek(f[4]) : ParseDayOfMonth(f[2]));
  RETURN_IF_ERROR(CheckStarts());
  if (!FirstCronHour(0)) return InvalidArgumentError("it never fires");
  return Status::Ok();
}

// Day-of-month: "L" (the last day), "<DAY>L" (the month's last such
// weekday; kept as the day-of-week rule), or a list of 1..31.
Status RotationSchedule::ParseDayOfMonth(std::string_view field) {
  days_of_week_.assign(8, false);
  if (field == "L" || field == "l") {
    dom_last_ = true;
    return Status::Ok();
  }
  if (field.size() == 4 && (field.back() == 'L' || field.back() == 'l')) {
    Result<int> day = ParseValue(field.substr(0, 3), kDaysOfWeek);
    if (day.ok()) {
      dom_any_ = true;
      dow_last_ = true;
      days_of_week_[*day] = true;
      return Status::Ok();
    }
  }
  ASSIGN_OR_RETURN(days_of_month_, ParseList(field, kDaysOfMonth));
  return Status::Ok();
}

// Day-of-week: "<d>#<n>" (the n-th such weekday), "<d>L" (the last such
// weekday), "L" (Saturday, the week's last day, as in Quartz), or a list.
Status RotationSchedule::ParseDayOfWeek(std::string_view field) {
  dom_any_ = true;
  days_of_week_.assign(8, false);
  if (field == "L" || field == "l") {
    days_of_week_[7] = true;
    return Status::Ok();
  }
  if (size_t hash = field.find('#'); hash != std::string_view::npos) {
    ASSIGN_OR_RETURN(int day, ParseValue(field.substr(0, hash), kDaysOfWeek));
    std::optional<int64_t> nth = ParseCount(field.substr(hash + 1));
    if (!nth || *nth < 1 || *nth > 5) {
      return InvalidArgumentError("Day-of-week " + Quoted(field, 16) +
                                  " needs #1 to #5 after the day");
    }
    days_of_week_[day] = true;
    dow_nth_ = static_cast<int>(*nth);
    return Status::Ok();
  }
  if (field.size() >= 2 && (field.back() == 'L' || field.back() == 'l')) {
    ASSIGN_OR_RETURN(int day, ParseValue(field.substr(0, field.size() - 1), kDaysOfWeek));
    days_of_week_[day] = true;
    dow_last_ = true;
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(days_of_week_, ParseList(field, kDaysOfWeek));
  return Status::Ok();
}

Status RotationSchedule::CheckStarts() const {
  std::vector<int> starts = DayStartHours();
  for (size_t i = 1; i < starts.size(); ++i) {
    if (starts[i] - starts[i - 1] < kMinIntervalHours) {
      return InvalidArgumentError("windows at " + HourName(starts[i - 1]) + " and " +
                                  HourName(starts[i]) +
                                  " are less than 4 hours apart, the minimum rotation interval");
    }
  }
  return Status::Ok();
}

// Duration "<N>h", N in 1..24; default 1 hour when several windows start a
// day, else until the end of the UTC day. No window may reach the next one
// or the next UTC day.
Status RotationSchedule::SetDuration(const std::optional<std::string>& duration) {
  const std::vector<int> starts = DayStartHours();
  int64_t hours = starts.size() > 1 ? 1 : 24 - starts.front();
  std::string name = "default " + std::to_string(hours) + "h";
  if (duration) {
    const std::string& d = *duration;
    name = Quoted(d, 8);
    const std::string bad = "Invalid Duration " + name + ": ";
    std::optional<int64_t> n =
        d.size() >= 2 ? ParseCount(std::string_view(d).substr(0, d.size() - 1)) : std::nullopt;
    if (d.size() > 3 || !n || d.back() != 'h') {
      return InvalidArgumentError(bad + "it must be a number of hours such as 3h.");
    }
    if (*n < 1 || *n > 24) return InvalidArgumentError(bad + "it must be between 1h and 24h.");
    hours = *n;
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    const std::string window =
        "Invalid Duration " + name + ": the window starting at " + HourName(starts[i]);
    if (i + 1 < starts.size() && starts[i] + hours > starts[i + 1]) {
      return InvalidArgumentError(window + " would reach into the next one at " +
                                  HourName(starts[i + 1]) + ".");
    }
    if (starts[i] + hours > 24) {
      return InvalidArgumentError(window + " would cross into the next UTC day.");
    }
  }
  duration_ms_ = hours * kHourMs;
  return Status::Ok();
}

std::vector<int> RotationSchedule::DayStartHours() const {
  std::vector<int> starts;
  switch (kind_) {
    case Kind::kRateDays:
      starts.push_back(0);
      break;
    case Kind::kRateHours:
      for (int64_t h = 0; h < 24; h += every_) starts.push_back(static_cast<int>(h));
      break;
    case Kind::kCron:
      for (int h = 0; h < 24; ++h) {
        if (hours_[h]) starts.push_back(h);
      }
      break;
  }
  return starts;
}

// ---- Windows ----------------------------------------------------------------

bool RotationSchedule::DayMatches(int64_t day_number) const {
  const CivilDate date = CivilFromDays(day_number);
  if (!months_[date.month]) return false;
  const int month_days = DaysInMonth(date.year, date.month);
  if (!dom_any_) return dom_last_ ? date.day == month_days : days_of_month_[date.day];
  if (!days_of_week_[WeekdayFromDays(day_number)]) return false;
  if (dow_nth_ != 0) return (date.day - 1) / 7 + 1 == dow_nth_;
  if (dow_last_) return date.day + 7 > month_days;
  return true;
}

std::optional<int64_t> RotationSchedule::FirstCronHour(int64_t from_hour) const {
  int64_t day = FloorDiv(from_hour, 24);
  int hour = static_cast<int>(from_hour - day * 24);
  // Every calendar pattern recurs within 400 years; a month away covers the start.
  for (const int64_t last_day = day + kDaysPer400Years + 31; day <= last_day; ++day, hour = 0) {
    const CivilDate date = CivilFromDays(day);
    if (!months_[date.month]) {
      day += DaysInMonth(date.year, date.month) - date.day;  // to the month's last day; ++day
      continue;
    }
    if (!DayMatches(day)) continue;
    for (int h = hour; h < 24; ++h) {
      if (hours_[h]) return day * 24 + h;
    }
  }
  return std::nullopt;
}

RotationWindow RotationSchedule::NextWindow(int64_t last_ms) const {
  const int64_t last_hour = FloorDiv(last_ms, kHourMs);
  int64_t start_hour = 0;
  switch (kind_) {
    case Kind::kRateDays:
      start_hour = (FloorDiv(last_hour, 24) + every_) * 24;
      break;
    case Kind::kRateHours: {
      const int64_t day = FloorDiv(last_hour, 24);
      const int64_t slot = day * 24 + (last_hour - day * 24) / every_ * every_;
      const int64_t target = slot + every_;  // the first hour the next window may start
      const int64_t target_day = FloorDiv(target, 24);
      const int64_t in_day = (target - target_day * 24 + every_ - 1) / every_ * every_;
      start_hour = in_day < 24 ? target_day * 24 + in_day : (target_day + 1) * 24;
      break;
    }
    case Kind::kCron:
      // Parse refused schedules that never fire, so a start is always found.
      start_hour = FirstCronHour(last_hour + 1).value_or(last_hour + 1);
      break;
  }
  return {start_hour * kHourMs, start_hour * kHourMs + duration_ms_};
}

}  // namespace cairn::service
