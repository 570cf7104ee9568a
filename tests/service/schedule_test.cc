// RotationSchedule: AWS's RotationRules checks (API reference §2.12, §3.6.1)
// and the windows they define. Expected instants are worked out by hand in the
// comments and turned into Unix time by the C library's timegm, an oracle that
// shares no code with schedule.cc.
#include "service/schedule.h"

#include <catch2/catch.hpp>
#include <ctime>
#include <random>

namespace cairn::service {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

// Unix milliseconds of a UTC date and time.
int64_t Utc(int year, int month, int day, int hour = 0, int minute = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::tm Civil(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string Show(int64_t ms) {
  std::tm tm = Civil(ms);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %a %H:%M:%S", &tm);
  return buf;
}

projections::RotationRules Expression(std::string expression,
                                      std::optional<std::string> duration = {}) {
  projections::RotationRules rules;
  rules.schedule_expression = std::move(expression);
  rules.duration = std::move(duration);
  return rules;
}

projections::RotationRules Days(int64_t days, std::optional<std::string> duration = {}) {
  projections::RotationRules rules;
  rules.automatically_after_days = days;
  rules.duration = std::move(duration);
  return rules;
}

// The refusal's message; "" if the rules parse (the code must be InvalidArgument).
std::string Refusal(const projections::RotationRules& rules) {
  Result<RotationSchedule> s = RotationSchedule::Parse(rules);
  if (s.ok()) return "";
  CHECK(s.status().code() == StatusCode::kInvalidArgument);
  return s.status().message();
}

struct Expected {
  std::string expression;
  std::optional<std::string> duration;
  int64_t last;
  int64_t start;
  int64_t end;
};

void CheckWindows(const std::vector<Expected>& cases) {
  for (const Expected& c : cases) {
    INFO(c.expression << " Duration " << c.duration.value_or("-") << " after " << Show(c.last));
    Result<RotationSchedule> s = RotationSchedule::Parse(Expression(c.expression, c.duration));
    INFO(s.status().message());
    REQUIRE(s.ok());
    RotationWindow w = s->NextWindow(c.last);
    INFO("got " << Show(w.start_ms) << " to " << Show(w.end_ms));
    CHECK(w.start_ms == c.start);
    CHECK(w.end_ms == c.end);
  }
}

const std::vector<std::string> kDocumentedCrons = {
    "cron(0 /8 * * ? *)",   "cron(0 8/8 * * ? *)",     "cron(0 10 * * ? *)",
    "cron(0 18 ? * SAT *)", "cron(0 8 1 * ? *)",       "cron(0 1 ? 1/3 SUN#1 *)",
    "cron(0 17 L * ? *)",   "cron(0 8 ? * MON-FRI *)", "cron(0 16 1,15 * ? *)",
    "cron(0 0 ? * SUN#1 *)"};

TEST_CASE("the documentation's cron examples all parse", "[service][schedule]") {
  for (const std::string& e : kDocumentedCrons) {
    INFO(e);
    CHECK(Refusal(Expression(e)) == "");
  }
}

TEST_CASE("NextWindow finds each documented cron's next window after Monday 2026-11-23 09:30",
          "[service][schedule]") {
  const int64_t monday = Utc(2026, 11, 23, 9, 30);  // 2026-11-23 is a Monday
  CheckWindows({
      // 00:00, 08:00, 16:00: several a day, so 1 hour by default.
      {"cron(0 /8 * * ? *)", {}, monday, Utc(2026, 11, 23, 16), Utc(2026, 11, 23, 17)},
      // 08:00 and 16:00.
      {"cron(0 8/8 * * ? *)", {}, monday, Utc(2026, 11, 23, 16), Utc(2026, 11, 23, 17)},
      // Daily at 10:00: the window lasts until the end of the UTC day.
      {"cron(0 10 * * ? *)", {}, monday, Utc(2026, 11, 23, 10), Utc(2026, 11, 24)},
      // Saturday after Monday the 23rd is the 28th.
      {"cron(0 18 ? * SAT *)", {}, monday, Utc(2026, 11, 28, 18), Utc(2026, 11, 29)},
      {"cron(0 8 1 * ? *)", {}, monday, Utc(2026, 12, 1, 8), Utc(2026, 12, 2)},
      // Months 1, 4, 7, 10: next is January 2027; 2027-01-01 is a Friday, so
      // the first Sunday is the 3rd.
      {"cron(0 1 ? 1/3 SUN#1 *)", {}, monday, Utc(2027, 1, 3, 1), Utc(2027, 1, 4)},
      // November has 30 days.
      {"cron(0 17 L * ? *)", {}, monday, Utc(2026, 11, 30, 17), Utc(2026, 12, 1)},
      // 08:00 Monday has passed: Tuesday the 24th.
      {"cron(0 8 ? * MON-FRI *)", {}, monday, Utc(2026, 11, 24, 8), Utc(2026, 11, 25)},
      {"cron(0 16 1,15 * ? *)", {}, monday, Utc(2026, 12, 1, 16), Utc(2026, 12, 2)},
      // November's first Sunday was the 1st; 2026-12-01 is a Tuesday, so
      // December's is the 6th.
      {"cron(0 0 ? * SUN#1 *)", {}, monday, Utc(2026, 12, 6), Utc(2026, 12, 7)},
  });
}

TEST_CASE("NextWindow for cron is the first match strictly after the last rotation",
          "[service][schedule]") {
  CheckWindows({
      // At 10:00 sharp the 10:00 window is not "after": the next day's.
      {"cron(0 10 * * ? *)", {}, Utc(2026, 11, 23, 10), Utc(2026, 11, 24, 10), Utc(2026, 11, 25)},
      {"cron(0 10 * * ? *)",
       {},
       Utc(2026, 11, 23, 10) - 1,
       Utc(2026, 11, 23, 10),
       Utc(2026, 11, 24)},
      // Friday 2026-11-27 09:00 -> Monday the 30th.
      {"cron(0 8 ? * MON-FRI *)", {}, Utc(2026, 11, 27, 9), Utc(2026, 11, 30, 8), Utc(2026, 12, 1)},
      // 2027-01-03 is a Sunday, so are 01-31, 02-28, 03-28, 04-25, 05-30,
      // 06-27, 07-25 and 08-01: the first Sunday of August is the 1st.
      {"cron(0 0 ? * SUN#1 *)", {}, Utc(2027, 7, 5), Utc(2027, 8, 1), Utc(2027, 8, 2)},
      // ... and April's first Sunday is the 4th (03-28 + 7).
      {"cron(0 1 ? 1/3 SUN#1 *)", {}, Utc(2027, 1, 3, 1), Utc(2027, 4, 4, 1), Utc(2027, 4, 5)},
      // New Year.
      {"cron(0 0 1 1 ? *)", {}, Utc(2026, 12, 31, 23), Utc(2027, 1, 1), Utc(2027, 1, 2)},
      // Before the epoch: 1969-12-31 12:00 -> 1970-01-01 10:00.
      {"cron(0 10 * * ? *)", {}, Utc(1969, 12, 31, 12), Utc(1970, 1, 1, 10), Utc(1970, 1, 2)},
  });
}

TEST_CASE("NextWindow handles L, #, names, increments and leap days", "[service][schedule]") {
  const int64_t monday = Utc(2026, 11, 23, 9, 30);
  CheckWindows({
      // Last Friday of November 2026: the 27th (12-04 is December's).
      {"cron(0 9 ? * 6L *)", {}, monday, Utc(2026, 11, 27, 9), Utc(2026, 11, 28)},
      {"cron(0 9 ? * FRIL *)", {}, monday, Utc(2026, 11, 27, 9), Utc(2026, 11, 28)},
      // <DAY>L in Day-of-month: the last Sunday, the 29th.
      {"cron(0 9 SUNL * ? *)", {}, monday, Utc(2026, 11, 29, 9), Utc(2026, 11, 30)},
      // Third Tuesday: November's (17th) has passed; December 1, 8, 15.
      {"cron(0 9 ? * TUE#3 *)", {}, monday, Utc(2026, 12, 15, 9), Utc(2026, 12, 16)},
      // Fifth Monday: 2, 9, 16, 23, 30 November.
      {"cron(0 12 ? * 2#5 *)", {}, monday, Utc(2026, 11, 30, 12), Utc(2026, 12, 1)},
      // L alone in Day-of-week is Saturday (7).
      {"cron(0 9 ? * L *)", {}, monday, Utc(2026, 11, 28, 9), Utc(2026, 11, 29)},
      // 2/10 = 02:00, 12:00, 22:00, restarting each day.
      {"cron(0 2/10 * * ? *)",
       {},
       Utc(2026, 11, 23, 22, 30),
       Utc(2026, 11, 24, 2),
       Utc(2026, 11, 24, 3)},
      {"cron(0 2/10 * * ? *)", "2h", monday, Utc(2026, 11, 23, 12), Utc(2026, 11, 23, 14)},
      // Month names in any case.
      {"cron(0 6 1 JAN,jul ? *)", {}, monday, Utc(2027, 1, 1, 6), Utc(2027, 1, 2)},
      {"cron(0 6 1-3 * ? *)", "4h", Utc(2026, 12, 3, 6), Utc(2027, 1, 1, 6), Utc(2027, 1, 1, 10)},
      // February 29th: 2028 is the next leap year.
      {"cron(0 0 29 2 ? *)", {}, monday, Utc(2028, 2, 29), Utc(2028, 3, 1)},
      // The last day of February: the 28th in 2027, the 29th in 2028.
      {"cron(0 12 L 2 ? *)", {}, monday, Utc(2027, 2, 28, 12), Utc(2027, 3, 1)},
      {"cron(0 12 L 2 ? *)", {}, Utc(2027, 3, 1), Utc(2028, 2, 29, 12), Utc(2028, 3, 1)},
  });
}

TEST_CASE("rate windows start at midnight, or every N hours from midnight each day",
          "[service][schedule]") {
  const int64_t monday = Utc(2026, 11, 23, 9, 30);
  CheckWindows({
      // 00:00 of the 23rd + 10 days; a daily window lasts the whole day.
      {"rate(10 days)", {}, monday, Utc(2026, 12, 3), Utc(2026, 12, 4)},
      {"rate(1 day)", "3h", monday, Utc(2026, 11, 24), Utc(2026, 11, 24, 3)},
      // 2026-11-23 + 731 days (2028 is leap) = 2028-11-23; + 269 more: to
      // 2029-07-23 is 242, + 27 = 2029-08-19.
      {"rate(1000 days)", {}, monday, Utc(2029, 8, 19), Utc(2029, 8, 20)},
      // 09:30 is in the 08:00 slot; 08:00 + 4h = 12:00. Several a day: 1 hour.
      {"rate(4 hours)", {}, monday, Utc(2026, 11, 23, 12), Utc(2026, 11, 23, 13)},
      // Slots 00, 10, 20: 21:30 is in 20:00's; 20:00 + 10h = 06:00, so 10:00.
      {"rate(10 hours)", "4h", Utc(2026, 11, 23, 21, 30), Utc(2026, 11, 24, 10),
       Utc(2026, 11, 24, 14)},
      // Slots 00, 05, 10, 15, 20: 20:00 + 5h = 01:00, so 05:00.
      {"rate(5 hours)", "4h", Utc(2026, 11, 23, 22), Utc(2026, 11, 24, 5), Utc(2026, 11, 24, 9)},
      // One slot a day: 00:00 + 24h.
      {"rate(24 hours)", {}, monday, Utc(2026, 11, 24), Utc(2026, 11, 25)},
      // 00:00 of the 23rd + 36h = 24th 12:00; the next midnight is the 25th's.
      {"rate(36 hours)", {}, monday, Utc(2026, 11, 25), Utc(2026, 11, 26)},
      {"rate( 7   hour )", {}, monday, Utc(2026, 11, 23, 14), Utc(2026, 11, 23, 15)},
  });
}

TEST_CASE("AutomaticallyAfterDays is rate(N days)", "[service][schedule]") {
  Result<RotationSchedule> s = RotationSchedule::Parse(Days(30, "3h"));
  REQUIRE(s.ok());
  // 2026-11-23 + 30 days = 2026-12-23 (November has 30 days).
  RotationWindow w = s->NextWindow(Utc(2026, 11, 23, 9, 30));
  CHECK(w.start_ms == Utc(2026, 12, 23));
  CHECK(w.end_ms == Utc(2026, 12, 23, 3));
  CHECK(s->duration_ms() == 3 * kHour);
}

TEST_CASE("Parse refuses rules that break AWS's rules, naming the rule", "[service][schedule]") {
  const std::string bad = "Invalid ScheduleExpression ";
  SECTION("the combination") {
    CHECK(Refusal({}) ==
          "RotationRules must include AutomaticallyAfterDays or ScheduleExpression.");
    projections::RotationRules only_duration;
    only_duration.duration = "3h";
    CHECK(Refusal(only_duration) ==
          "RotationRules must include AutomaticallyAfterDays or ScheduleExpression.");
    projections::RotationRules both = Days(10);
    both.schedule_expression = "rate(10 days)";
    CHECK(Refusal(both) == "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  SECTION("AutomaticallyAfterDays") {
    CHECK(Refusal(Days(0)) == "Invalid AutomaticallyAfterDays 0: it must be between 1 and 1000.");
    CHECK(Refusal(Days(1001)) ==
          "Invalid AutomaticallyAfterDays 1001: it must be between 1 and 1000.");
    CHECK(Refusal(Days(-5)) == "Invalid AutomaticallyAfterDays -5: it must be between 1 and 1000.");
    CHECK(Refusal(Days(1)) == "");
    CHECK(Refusal(Days(1000)) == "");
  }
  SECTION("rate()") {
    CHECK(Refusal(Expression("rate(2 hours)")) ==
          bad + "rate(2 hours): the minimum rotation interval is 4 hours.");
    CHECK(Refusal(Expression("rate(0 days)")) ==
          bad + "rate(0 days): the rate value must be a positive whole number.");
    CHECK(Refusal(Expression("rate(ten days)")) ==
          bad + "rate(ten days): the rate value must be a positive whole number.");
    CHECK(Refusal(Expression("rate(5 minutes)")) ==
          bad + "rate(5 minutes): the rate unit must be hours or days.");
    CHECK(Refusal(Expression("rate(1001 days)")) ==
          bad + "rate(1001 days): the maximum rotation interval is 1000 days.");
    CHECK(Refusal(Expression("rate(99999999999999999999 days)")) ==
          bad + "rate(99999999999999999999 days): the maximum rotation interval is 1000 days.");
    CHECK(Refusal(Expression("rate(10)")) ==
          bad + "rate(10): rate() takes a value and a unit, e.g. rate(10 days).");
    CHECK(Refusal(Expression("rate(4 hours)")) == "");
  }
  SECTION("cron() fields") {
    CHECK(Refusal(Expression("cron(30 10 * * ? *)")) ==
          bad + "cron(30 10 * * ? *): Minutes must be 0.");
    CHECK(Refusal(Expression("cron(0 10 * * ? 2027)")) ==
          bad + "cron(0 10 * * ? 2027): Year must be *.");
    CHECK(Refusal(Expression("cron(0 10 1 * MON *)")) ==
          bad +
              "cron(0 10 1 * MON *): you can't specify both Day-of-month and Day-of-week; use ? in "
              "one of them.");
    CHECK(Refusal(Expression("cron(0 10 * * * *)")) ==
          bad +
              "cron(0 10 * * * *): you can't specify both Day-of-month and Day-of-week; use ? in "
              "one of them.");
    CHECK(Refusal(Expression("cron(0 10 ? * ? *)")) ==
          bad + "cron(0 10 ? * ? *): Day-of-month and Day-of-week can't both be ?.");
    CHECK(Refusal(Expression("cron(0 10 * * ?)")) ==
          bad +
              "cron(0 10 * * ?): cron() takes 6 fields (Minutes Hours Day-of-month Month "
              "Day-of-week Year), not 5.");
    CHECK(Refusal(Expression("cron(0 24 * * ? *)")) ==
          bad + "cron(0 24 * * ? *): Hours value 24 is out of range 0-23.");
    CHECK(Refusal(Expression("cron(0 10 * 13 ? *)")) ==
          bad + "cron(0 10 * 13 ? *): Month value 13 is out of range 1-12.");
    CHECK(Refusal(Expression("cron(0 10 * FOO ? *)")) ==
          bad + "cron(0 10 * FOO ? *): Month value FOO is not a number or a name.");
    CHECK(Refusal(Expression("cron(0 10 32 * ? *)")) ==
          bad + "cron(0 10 32 * ? *): Day-of-month value 32 is out of range 1-31.");
    CHECK(Refusal(Expression("cron(0 10 ? * 0 *)")) ==
          bad + "cron(0 10 ? * 0 *): Day-of-week value 0 is out of range 1-7.");
    CHECK(Refusal(Expression("cron(0 10-8 * * ? *)")) ==
          bad + "cron(0 10-8 * * ? *): Hours item 10-8 is a range that runs backwards.");
    CHECK(Refusal(Expression("cron(0 10 ? * FRI-MON *)")) ==
          bad +
              "cron(0 10 ? * FRI-MON *): Day-of-week item FRI-MON is a range that runs backwards.");
    CHECK(Refusal(Expression("cron(0 /0 * * ? *)")) ==
          bad + "cron(0 /0 * * ? *): Hours item /0 needs a positive step after /.");
    CHECK(Refusal(Expression("cron(0 1,,9 * * ? *)")) ==
          bad + "cron(0 1,,9 * * ? *): Hours has an empty item.");
    CHECK(Refusal(Expression("cron(0 ? * * ? *)")) ==
          bad + "cron(0 ? * * ? *): Hours ? uses ?, which is not allowed there.");
    CHECK(Refusal(Expression("cron(0 10 15W * ? *)")) ==
          bad + "cron(0 10 15W * ? *): Day-of-month 15W uses W, which is not allowed there.");
    CHECK(Refusal(Expression("cron(0 10 ? * MON#6 *)")) ==
          bad + "cron(0 10 ? * MON#6 *): Day-of-week MON#6 needs #1 to #5 after the day.");
    CHECK(Refusal(Expression("cron(0 10 ? * MON,TUE#2 *)")) ==
          bad + "cron(0 10 ? * MON,TUE#2 *): Day-of-week value MON,TUE is not a number or a name.");
  }
  SECTION("the 4-hour minimum and schedules that never fire") {
    CHECK(Refusal(Expression("cron(0 1,3 * * ? *)")) ==
          bad +
              "cron(0 1,3 * * ? *): windows at 01:00 and 03:00 are less than 4 hours apart, the "
              "minimum "
              "rotation interval.");
    CHECK(Refusal(Expression("cron(0 * * * ? *)")) ==
          bad +
              "cron(0 * * * ? *): windows at 00:00 and 01:00 are less than 4 hours apart, the "
              "minimum "
              "rotation interval.");
    CHECK(Refusal(Expression("cron(0 /4 * * ? *)")) == "");
    CHECK(Refusal(Expression("cron(0 0 31 2 ? *)")) == bad + "cron(0 0 31 2 ? *): it never fires.");
    CHECK(Refusal(Expression("cron(0 0 30 FEB ? *)")) ==
          bad + "cron(0 0 30 FEB ? *): it never fires.");
    CHECK(Refusal(Expression("cron(0 0 31 4,6,9,11 ? *)")) ==
          bad + "cron(0 0 31 4,6,9,11 ? *): it never fires.");
    // Rare but real: February with five Sundays (a leap year starting
    // February on a Sunday, e.g. 2032).
    CHECK(Refusal(Expression("cron(0 0 ? 2 SUN#5 *)")) == "");
  }
  SECTION("Duration") {
    const std::string daily = "cron(0 10 * * ? *)";
    CHECK(Refusal(Expression(daily, "25h")) ==
          "Invalid Duration 25h: it must be between 1h and 24h.");
    CHECK(Refusal(Expression(daily, "0h")) ==
          "Invalid Duration 0h: it must be between 1h and 24h.");
    for (std::string d : {"3", "h", "3H", "100h", "h3", "-1h", "3 h"}) {
      INFO(d);
      CHECK(Refusal(Expression(daily, d)) ==
            "Invalid Duration " + d + ": it must be a number of hours such as 3h.");
    }
    CHECK(Refusal(Expression("rate(4 hours)", "5h")) ==
          "Invalid Duration 5h: the window starting at 00:00 would reach into the next one at "
          "04:00.");
    CHECK(Refusal(Expression("rate(4 hours)", "4h")) == "");
    CHECK(Refusal(Expression("cron(0 22 * * ? *)", "3h")) ==
          "Invalid Duration 3h: the window starting at 22:00 would cross into the next UTC day.");
    CHECK(Refusal(Expression("cron(0 22 * * ? *)", "2h")) == "");
    CHECK(Refusal(Expression("rate(10 hours)", "5h")) ==
          "Invalid Duration 5h: the window starting at 20:00 would cross into the next UTC day.");
    CHECK(Refusal(Days(7, "24h")) == "");
    CHECK(Refusal(Expression("cron(0 1 ? * MON *)", "24h")) ==
          "Invalid Duration 24h: the window starting at 01:00 would cross into the next UTC day.");
  }
  SECTION("garbage and the expression's text") {
    CHECK(Refusal(Expression("every tuesday")) ==
          bad + "every tuesday: it must be rate(value unit) or cron(fields).");
    CHECK(Refusal(Expression("RATE(1 day)")) ==
          bad + "RATE(1 day): it must be rate(value unit) or cron(fields).");
    CHECK(Refusal(Expression("rate(1 day")) ==
          bad + "rate(1 day: it must be rate(value unit) or cron(fields).");
    CHECK(Refusal(Expression("rate(1 day);")) ==
          "Invalid ScheduleExpression: character 12 (';') is not allowed; use 0-9 A-Z a-z ( ) # ? "
          "* - / , and "
          "spaces.");
    CHECK(Refusal(Expression("rate(1\nday)")) ==
          "Invalid ScheduleExpression: character 7 (0x0a) is not allowed; use 0-9 A-Z a-z ( ) # ? "
          "* - / , and "
          "spaces.");
    CHECK(Refusal(Expression("")) ==
          "Invalid ScheduleExpression: it must be 1 to 256 characters long.");
    CHECK(Refusal(Expression("rate(1 day)" + std::string(246, ' '))) ==
          "Invalid ScheduleExpression: it must be 1 to 256 characters long.");
  }
}

TEST_CASE("refusal messages stay short even for long expressions", "[service][schedule]") {
  std::string hours = "cron(0 ";
  while (hours.size() < 240) hours += "1,";
  hours += "25 * * ? *)";
  REQUIRE(hours.size() <= 256);
  std::string message = Refusal(Expression(hours));
  INFO(message);
  CHECK(message.find("Hours value 25 is out of range 0-23.") != std::string::npos);
  CHECK(message.find("...") != std::string::npos);
  CHECK(message.size() <= 200);
  std::string word = "cron(0 10 * " + std::string(200, 'X') + " ? *)";
  message = Refusal(Expression(word));
  INFO(message);
  CHECK(message.size() <= 200);
}

// Windows in a whole year, checked against gmtime: no window missed, none
// extra, none overlapping the next or crossing midnight.
std::vector<RotationWindow> WindowsIn2027(const std::string& expression) {
  Result<RotationSchedule> s = RotationSchedule::Parse(Expression(expression));
  REQUIRE(s.ok());
  std::vector<RotationWindow> out;
  for (int64_t last = Utc(2027, 1, 1) - 1;;) {
    RotationWindow w = s->NextWindow(last);
    REQUIRE(w.start_ms > last);
    if (w.start_ms >= Utc(2028, 1, 1)) return out;
    CHECK(w.end_ms <= (w.start_ms / kDay + 1) * kDay);
    if (!out.empty()) CHECK(out.back().end_ms <= w.start_ms);
    out.push_back(w);
    last = w.start_ms;
  }
}

TEST_CASE("a year of windows matches the calendar", "[service][schedule]") {
  SECTION("weekdays at 08:00: 2027 has 52 weeks and a Friday, 52 * 5 + 1") {
    std::vector<RotationWindow> ws = WindowsIn2027("cron(0 8 ? * MON-FRI *)");
    CHECK(ws.size() == 261);
    for (const RotationWindow& w : ws) {
      std::tm tm = Civil(w.start_ms);
      INFO(Show(w.start_ms));
      CHECK((tm.tm_wday >= 1 && tm.tm_wday <= 5));
      CHECK(tm.tm_hour == 8);
    }
  }
  SECTION("the last day of each month") {
    std::vector<RotationWindow> ws = WindowsIn2027("cron(0 17 L * ? *)");
    CHECK(ws.size() == 12);
    for (const RotationWindow& w : ws) {
      INFO(Show(w.start_ms));
      CHECK(Civil(w.start_ms + kDay).tm_mday == 1);
    }
  }
  SECTION("every 8 hours") {
    std::vector<RotationWindow> ws = WindowsIn2027("cron(0 /8 * * ? *)");
    CHECK(ws.size() == 3 * 365);
    for (size_t i = 1; i < ws.size(); ++i) CHECK(ws[i].start_ms - ws[i - 1].start_ms == 8 * kHour);
  }
  SECTION("the first Sunday of each month") {
    std::vector<RotationWindow> ws = WindowsIn2027("cron(0 0 ? * SUN#1 *)");
    CHECK(ws.size() == 12);
    for (const RotationWindow& w : ws) {
      std::tm tm = Civil(w.start_ms);
      INFO(Show(w.start_ms));
      CHECK(tm.tm_wday == 0);
      CHECK(tm.tm_mday <= 7);
    }
  }
  SECTION("the 1st and the 15th") {
    std::vector<RotationWindow> ws = WindowsIn2027("cron(0 16 1,15 * ? *)");
    CHECK(ws.size() == 24);
    for (const RotationWindow& w : ws) {
      std::tm tm = Civil(w.start_ms);
      CHECK((tm.tm_mday == 1 || tm.tm_mday == 15));
    }
  }
  SECTION("rate(10 hours): slots 00, 10, 20, each at least 10 hours after the last") {
    // From 2026-12-31's 20:00 slot the next may start at 06:00, so 10:00; then
    // 20:00, then 10:00 again: 00:00 is always within 10 hours of 20:00.
    std::vector<RotationWindow> ws = WindowsIn2027("rate(10 hours)");
    CHECK(ws.size() == 2 * 365);
    for (const RotationWindow& w : ws) {
      int hour = Civil(w.start_ms).tm_hour;
      CHECK((hour == 10 || hour == 20));
    }
  }
}

// Random text inside rate()/cron(): Parse must answer, never crash, and what
// it accepts must give sane windows. Deterministic seed.
TEST_CASE("Parse survives random text inside rate() and cron()", "[service][schedule]") {
  std::mt19937 rng(20261123);
  auto pick = [&rng](const std::vector<std::string>& pool) {
    return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
  };
  // Per field: mostly valid tokens, some broken ones.
  const std::vector<std::vector<std::string>> fields = {
      {"0", "0", "0", "30", "*", ""},
      {"0", "10", "/8", "2/10", "1,13", "*", "5-7", "24", "x", "/", "0-23/6", "23"},
      {"?", "?", "1", "L", "31", "SUNL", "1,15", "1-31/2", "0", "15W", "*"},
      {"*", "*", "JAN", "2", "1/3", "FEB-APR", "13", "jul,DEC", "?"},
      {"?", "?", "MON", "SUN#1", "6L", "MON-FRI", "FRI-MON", "#", "L", "2#6", "*", "1/2"},
      {"*", "*", "*", "2027", "?"}};
  size_t accepted = 0, refused = 0;
  const int64_t last = Utc(2026, 11, 23, 9, 30);
  for (int i = 0; i < 600; ++i) {
    std::string expression;
    if (i % 3 == 0) {  // printable bytes
      int length = std::uniform_int_distribution<int>(0, 40)(rng);
      for (int k = 0; k < length; ++k) {
        expression += static_cast<char>(std::uniform_int_distribution<int>(32, 126)(rng));
      }
      expression = (rng() % 2 == 0 ? "rate(" : "cron(") + expression + ")";
    } else if (i % 3 == 1) {  // cron-like fields, now and then one too few or too many
      size_t count = fields.size() - (rng() % 8 == 0 ? 1 : 0);
      for (size_t k = 0; k < count; ++k) expression += (k == 0 ? "" : " ") + pick(fields[k]);
      if (rng() % 8 == 0) expression += " *";
      expression = "cron(" + expression + ")";
    } else {
      expression = "rate(" + pick({"0", "1", "4", "10", "1000", "1001", "-1", "x", "", "007"}) +
                   " " + pick({"day", "days", "hour", "hours", "minutes", "", "1"}) + ")";
    }
    INFO(expression);
    Result<RotationSchedule> s = RotationSchedule::Parse(Expression(expression));
    if (!s.ok()) {
      ++refused;
      CHECK(s.status().code() == StatusCode::kInvalidArgument);
      CHECK(!s.status().message().empty());
      CHECK(s.status().message().size() <= 200);
      continue;
    }
    ++accepted;
    RotationWindow w = s->NextWindow(last);
    CHECK(w.start_ms > last);
    CHECK(w.start_ms % kHour == 0);
    CHECK(w.end_ms > w.start_ms);
    CHECK(w.end_ms <= (w.start_ms / kDay + 1) * kDay);
  }
  CHECK(accepted >= 20);
  CHECK(refused > 0);
}

}  // namespace
}  // namespace cairn::service
