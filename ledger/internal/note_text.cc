// Text rules of c2sp.org/signed-note: well-formed UTF-8 (RFC 3629), no ASCII
// control characters but '\n', key names without spaces or '+'.
#include <string>

#include "ledger/internal/note.h"

namespace cairn::ledger::internal {
namespace {

// Decodes the code point at s[i] into *len bytes; -1 if it is ill-formed
// (bad lead or continuation byte, overlong, surrogate, above U+10FFFF, cut off).
int32_t DecodeRune(std::string_view s, size_t i, size_t* len) {
  const auto lead = static_cast<uint8_t>(s[i]);
  *len = 1;
  if (lead < 0x80) return lead;
  size_t n = 0;
  int32_t cp = 0;
  int32_t min = 0;
  if ((lead & 0xe0) == 0xc0) {
    n = 2;
    cp = lead & 0x1f;
    min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    n = 3;
    cp = lead & 0x0f;
    min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    n = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() - i < n) return -1;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<uint8_t>(s[i + k]);
    if ((c & 0xc0) != 0x80) return -1;
    cp = cp << 6 | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  *len = n;
  return cp;
}

bool IsAsciiControl(int32_t cp) { return cp < 0x20 || cp == 0x7f; }

// Go's unicode.IsSpace: the Unicode White_Space property.
bool IsSpace(int32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

}  // namespace

size_t FindInvalidTextByte(std::string_view text) {
  size_t len = 0;
  for (size_t i = 0; i < text.size(); i += len) {
    const int32_t cp = DecodeRune(text, i, &len);
    if (cp < 0 || (IsAsciiControl(cp) && cp != '\n')) return i;
  }
  return std::string_view::npos;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  size_t len = 0;
  for (size_t i = 0; i < name.size(); i += len) {
    const int32_t cp = DecodeRune(name, i, &len);
    if (cp < 0 || IsAsciiControl(cp) || IsSpace(cp) || cp == '+') return false;
  }
  return true;
}

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return "\"" + std::string(s) + "\"";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xc0) == 0x80) --cut;  // keep whole runes
  return "\"" + std::string(s.substr(0, cut)) + "\"...";
}

}  // namespace cairn::ledger::internal
