#include "projections/iam/internal/scalars.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace cairn::iam::internal {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidDay(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// "HH:MM[:SS[.fff]]" then "Z", "+hh:mm", "-hh:mm", "+hhmm" or nothing, from `pos`.
std::optional<int64_t> ParseTimeOfDay(std::string_view s, size_t pos) {
  int hh, mm, ss = 0, ms = 0;
  if (!Digits(s, pos, 2, &hh) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !Digits(s, pos + 3, 2, &mm)) {
    return std::nullopt;
  }
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &ss)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      size_t n = 0;
      int scale = 100;
      for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n) {
        ms += (s[pos] - '0') * scale;
        scale /= 10;
      }
      if (n == 0) return std::nullopt;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '+' ? 1 : -1;
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh)) return std::nullopt;
      size_t at = pos + 3;
      if (at < s.size() && s[at] == ':') ++at;
      if (!Digits(s, at, 2, &om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
      pos = at + 2;
    }
  }
  if (pos != s.size()) return std::nullopt;
  return ((hh * 60 + mm - offset_min) * 60 + ss) * int64_t{1000} + ms;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const char* begin = s.data();
  if (*begin == '+') ++begin;
  double v = 0;
  auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseTime(std::string_view s) {
  if (!s.empty() && s.size() <= 12 && s.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    std::from_chars(s.data(), s.data() + s.size(), seconds);
    return seconds * 1000;
  }
  int y, m, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &m) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || !ValidDay(y, m, d)) {
    return std::nullopt;
  }
  const int64_t day_ms = DaysFromCivil(y, m, d) * 86'400'000;
  if (s.size() == 10) return day_ms;
  if (s[10] != 'T' && s[10] != 't') return std::nullopt;
  auto time = ParseTimeOfDay(s, 11);
  if (!time) return std::nullopt;
  return day_ms + *time;
}

std::optional<IpNet> ParseIpNet(std::string_view s) {
  IpNet net;
  const size_t slash = s.find('/');
  const std::string_view addr = s.substr(0, slash);
  char buf[INET6_ADDRSTRLEN + 1];
  if (addr.empty() || addr.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  if (inet_pton(AF_INET, buf, net.bytes.data()) == 1) {
    net.prefix_bits = 32;
  } else if (inet_pton(AF_INET6, buf, net.bytes.data()) == 1) {
    net.v6 = true;
    net.prefix_bits = 128;
  } else {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    const std::string_view bits = s.substr(slash + 1);
    int n = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
    if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || n < 0 ||
        n > net.prefix_bits) {
      return std::nullopt;
    }
    net.prefix_bits = n;
  }
  return net;
}

bool NetContains(const IpNet& net, const IpNet& address) {
  if (net.v6 != address.v6) return false;
  const int full = net.prefix_bits / 8, rest = net.prefix_bits % 8;
  if (std::memcmp(net.bytes.data(), address.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (net.bytes[full] & mask) == (address.bytes[full] & mask);
}

}  // namespace cairn::iam::internal
