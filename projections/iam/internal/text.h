// String helpers of the policy language: IAM's `*`/`?` wildcards, ASCII case
// folding, and quoting of user text in error messages. None allocates except
// Lower and Quote.
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_TEXT_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_TEXT_H_

#include <string>
#include <string_view>

namespace cairn::iam::internal {

inline char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string Lower(std::string_view s);

// True when `text` matches `pattern`, where `*` matches any run of characters
// (also empty) and `?` exactly one. With `ignore_case`, ASCII letters fold.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case = false);

// True when some string that starts with `prefix` matches `pattern`.
bool CanMatchWithPrefix(std::string_view pattern, std::string_view prefix);

// `"<s>"` with control bytes escaped, cut to 64 bytes ("..." marks the cut):
// error messages never echo a large input.
std::string Quote(std::string_view s);

}  // namespace cairn::iam::internal

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_TEXT_H_
