// Rotation schedules (API reference §3.6.1): RotationRules checked by AWS's
// rules, and the rotation windows they define. Pure and deterministic: time is
// always an argument, in Unix milliseconds, UTC.
//
//   AutomaticallyAfterDays N (1..1000)   = rate(N days)
//   ScheduleExpression: 1..256 characters of [0-9A-Za-z()#?*-/, ], then
//   rate(N hours) (4..24000), rate(N days) (1..1000); "hour"/"day" are
//     accepted as well as "hours"/"days", whatever N.
//   cron(Minutes Hours Day-of-month Month Day-of-week Year), UTC:
//     Minutes must be 0; Hours 0-23 with "," "-" "*" "/" ("2/10", "/8");
//     Day-of-month 1-31 with , - * /, or "L" (the last day) or "<DAY>L"
//     ("SUNL": the month's last Sunday) alone; Month 1-12 or JAN-DEC with
//     , - * /; Day-of-week 1-7 (1 = SUN) or SUN-SAT with , - * /, or alone
//     "<d>#<n>" (n 1..5, "TUE#3"), "<d>L" ("6L", "FRIL": the last such
//     weekday) or "L" (Saturday, as in Quartz); names in any case; ranges
//     do not wrap ("FRI-MON" is refused); "W" is not supported.
//     Year must be "*"; exactly one of Day-of-month and Day-of-week is "?".
//     Two consecutive windows of one day less than 4 hours apart are refused
//     (the 4-hour minimum), as are schedules that never fire (none in a
//     400-year Gregorian cycle, e.g. "cron(0 0 31 2 ? *)").
//   Duration "<N>h" (2-3 characters, N 1..24): the window's length.
//     Default: until the end of the UTC day for schedules with one window a
//     day at most (rate(N hours) with N >= 24 included), 1 hour for those
//     with several. A window may not reach into the next window of its day
//     or the next UTC day.
//
// Windows:
//   rate(N days):  windows start at 00:00 UTC; the next one starts N days
//                  after 00:00 of the day of the last rotation.
//   rate(N hours): windows start at 00:00 UTC and every N hours after, each
//                  day afresh; the next one is the first that starts at least
//                  N hours after the start of the window holding the last
//                  rotation (the slot it fell in).
//   cron(...):     a window starts at each matching hour; the next one is the
//                  first match strictly after the last rotation.
// "The last rotation" is LastRotatedDate, or, before the first, when rotation
// was configured.
#ifndef CAIRN_SERVICE_SCHEDULE_H_
#define CAIRN_SERVICE_SCHEDULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"

namespace cairn::service {

struct RotationWindow {
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // start + duration
};

class RotationSchedule {
 public:
  // InvalidArgument (InvalidParameterException at the API) with a message
  // naming the rule broken, e.g. "You can't specify both AutomaticallyAfterDays
  // and ScheduleExpression.", "Invalid ScheduleExpression rate(2 hours): the
  // minimum rotation interval is 4 hours.", "Invalid Duration 30h: ...".
  // Empty rules are InvalidArgument too (the caller checks empty() first).
  static Result<RotationSchedule> Parse(const projections::RotationRules& rules);

  // The first window after a rotation (or configuration) at `last_ms` (see above).
  RotationWindow NextWindow(int64_t last_ms) const;
  int64_t duration_ms() const { return duration_ms_; }

 private:
  enum class Kind { kRateDays, kRateHours, kCron };
  Kind kind_ = Kind::kRateDays;
  int64_t every_ = 1;  // days or hours for rate()
  int64_t duration_ms_ = 0;
  // cron: the fields expanded; day_of_month/day_of_week specials kept as rules.
  std::vector<bool> hours_;          // 24
  std::vector<bool> months_;         // 13, index 1..12
  std::vector<bool> days_of_month_;  // 32, index 1..31 (used when dom is not "?")
  bool dom_any_ = false;             // day-of-week decides ("?" in day-of-month, or "<DAY>L" there)
  bool dom_last_ = false;            // "L"
  std::vector<bool> days_of_week_;   // 8, index 1..7 (1 = Sunday)
  int dow_nth_ = 0;                  // "#n": the n-th such weekday of the month (1..5)
  bool dow_last_ = false;            // "<d>L": the last such weekday of the month

  // Parse's steps; each error message is the reason alone, Parse adds the context.
  Status ParseRate(std::string_view inner);
  Status ParseCron(std::string_view inner);
  Status ParseDayOfMonth(std::string_view field);
  Status ParseDayOfWeek(std::string_view field);
  Status CheckStarts() const;  // the 4-hour minimum between a day's windows
  Status SetDuration(const std::optional<std::string>& duration);
  // The hours (0..23) at which windows start on a day the schedule fires.
  std::vector<int> DayStartHours() const;
  // cron: whether the schedule fires on day_number (days since 1970-01-01).
  bool DayMatches(int64_t day_number) const;
  // cron: the first window start at or after hour `from_hour` (hours since
  // the epoch); nullopt if none within a 400-year Gregorian cycle, after which
  // the calendar repeats: the schedule never fires.
  std::optional<int64_t> FirstCronHour(int64_t from_hour) const;
};

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_SCHEDULE_H_
