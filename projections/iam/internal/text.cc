#include "projections/iam/internal/text.h"

#include <cstdio>
#include <vector>

namespace cairn::iam::internal {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

// The classic greedy matcher: on a mismatch, back up to the last `*` and let
// it swallow one more character. O(pattern × text) at worst, no allocation.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() &&
               (pattern[p] == '?' || pattern[p] == text[t] ||
                (ignore_case && LowerAscii(pattern[p]) == LowerAscii(text[t])))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Simulates the pattern as an automaton over `prefix`: the set of pattern
// positions reachable after reading it. Any live position can be completed
// (whatever pattern remains matches some suffix).
bool CanMatchWithPrefix(std::string_view pattern, std::string_view prefix) {
  std::vector<bool> live(pattern.size() + 1, false), next(pattern.size() + 1, false);
  auto close = [&](std::vector<bool>& set) {
    for (size_t p = 0; p < pattern.size(); ++p) {
      if (set[p] && pattern[p] == '*') set[p + 1] = true;
    }
  };
  live[0] = true;
  close(live);
  for (char c : prefix) {
    std::fill(next.begin(), next.end(), false);
    bool any = false;
    for (size_t p = 0; p < pattern.size(); ++p) {
      if (!live[p]) continue;
      if (pattern[p] == '*') {
        next[p] = any = true;
      } else if (pattern[p] == '?' || pattern[p] == c) {
        next[p + 1] = any = true;
      }
    }
    if (!any) return false;
    close(next);
    live.swap(next);
  }
  return true;
}

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

}  // namespace cairn::iam::internal
