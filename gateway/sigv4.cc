// AWS Signature Version 4, the verifying side. See sigv4.h for the contract and
// reference/aws-secretsmanager-api.md §6.2 for the steps this follows. One file
// over the usual length on purpose: the header parser, the canonical forms and
// the checks are one algorithm and read best top to bottom.
#include "gateway/sigv4.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>

namespace cairn::gateway {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr size_t kMaxEcho = 256;  // longest piece of client input quoted in a message

template <typename T>
SigV4Result<T> Ok(T value) {
  SigV4Result<T> result;
  result.value = std::move(value);
  result.has_value = true;
  return result;
}

// Converts to a failed SigV4Result of any T.
struct Failure {
  SigV4Error error;
  template <typename T>
  operator SigV4Result<T>() const {  // NOLINT: implicit by design
    SigV4Result<T> result;
    result.error = error;
    return result;
  }
};

Failure Fail(SigV4Failure failure, std::string message) {
  return Failure{{failure, std::move(message)}};
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    parts.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Client input quoted in a message: printable ASCII only, bounded.
std::string Echo(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxEcho)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > kMaxEcho) out += "...";
  return out;
}

// The Authorization value for a message, with every Signature value hidden.
std::string Redacted(std::string_view value) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t p = i;
    while (p < value.size() && !StartsWithIgnoreCase(value.substr(p), "signature=")) ++p;
    out.append(value.substr(i, p - i));
    if (p >= value.size()) break;
    out.append(value.substr(p, 10)).append("<redacted>");
    const size_t end = value.find(',', p);
    i = end == std::string_view::npos ? value.size() : end;
  }
  return Echo(out);
}

// "Authorization=<value>", as AWS appends it to IncompleteSignature messages.
std::string AuthorizationEcho(std::string_view value) { return "Authorization=" + Redacted(value); }

bool IsHeaderNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// SignedHeaders: non-empty names of token characters, lower case, strictly ascending.
bool ValidSignedHeaders(const std::vector<std::string_view>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() || !std::all_of(names[i].begin(), names[i].end(), IsHeaderNameChar))
      return false;
    if (i > 0 && !(names[i - 1] < names[i])) return false;
  }
  return true;
}

SigV4Result<CredentialScope> ParseCredential(std::string_view credential) {
  const std::vector<std::string_view> parts = Split(credential, '/');
  if (parts.size() != 5 ||
      std::any_of(parts.begin(), parts.begin() + 4, [](auto p) { return p.empty(); })) {
    return Fail(SigV4Failure::kIncompleteSignature,
                "Credential must have exactly 5 slash-delimited elements, e.g. "
                "keyid/date/region/service/term, got '" +
                    Echo(credential) + "'");
  }
  if (parts[4] != kTerminator) {
    return Fail(SigV4Failure::kBadScope,
                "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    Echo(parts[4]) + "'. ");
  }
  return Ok(CredentialScope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                            std::string(parts[3])});
}

// The three key=value parameters after the algorithm name.
struct AuthorizationParts {
  std::optional<std::string_view> credential, signed_headers, signature;
};

SigV4Result<AuthorizationParts> SplitParameters(std::string_view params,
                                                std::string_view header_value) {
  AuthorizationParts parts;
  for (std::string_view item : Split(params, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      const std::string quoted =
          StartsWithIgnoreCase(item, "signature") ? "Signature<redacted>" : Echo(item);
      return Fail(SigV4Failure::kIncompleteSignature,
                  "'" + quoted +
                      "' not a valid key=value pair (missing equal-sign) in "
                      "Authorization header: '" +
                      Redacted(header_value) + "'.");
    }
    const std::string_view key = item.substr(0, eq);
    std::optional<std::string_view>* slot = key == "Credential"      ? &parts.credential
                                            : key == "SignedHeaders" ? &parts.signed_headers
                                            : key == "Signature"     ? &parts.signature
                                                                     : nullptr;
    if (slot == nullptr) continue;  // unknown parameters are ignored
    if (slot->has_value()) {
      return Fail(SigV4Failure::kIncompleteSignature, "Authorization header has more than one '" +
                                                          std::string(key) + "' parameter. " +
                                                          AuthorizationEcho(header_value));
    }
    *slot = item.substr(eq + 1);
  }
  return Ok(parts);
}

std::string MissingParameters(const AuthorizationParts& parts) {
  std::string missing;
  const auto absent = [](const std::optional<std::string_view>& p) {
    return !p.has_value() || p->empty();
  };
  if (absent(parts.credential)) missing += "Authorization header requires 'Credential' parameter. ";
  if (absent(parts.signature)) missing += "Authorization header requires 'Signature' parameter. ";
  if (absent(parts.signed_headers))
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  return missing;
}

// Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, UTC).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string FormatAmzDate(int64_t unix_seconds) {
  const int64_t limit = int64_t{1} << 50;  // keeps the arithmetic below in range
  const int64_t t = std::clamp(unix_seconds, -limit, limit);
  const int64_t days = (t >= 0 ? t : t - 86399) / 86400;
  const int64_t secs = t - days * 86400;
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld%02lld%02lldT%02lld%02lld%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

struct AmzDate {
  std::string_view text;  // into the request's header
  int64_t unix_seconds = 0;
};

// The request's single, well-formed X-Amz-Date; `authorization` is quoted on failure.
SigV4Result<AmzDate> RequestAmzDate(const HttpRequestView& request, std::string_view authorization) {
  const std::string_view* first = nullptr;
  size_t count = 0;
  for (const auto& header : request.headers) {
    if (!EqualsIgnoreCase(header.first, "x-amz-date")) continue;
    if (count++ == 0) first = &header.second;
  }
  if (count == 0) {
    return Fail(SigV4Failure::kIncompleteSignature,
                "Authorization header requires existence of a 'X-Amz-Date' header. " +
                    AuthorizationEcho(authorization));
  }
  if (count > 1) {
    return Fail(SigV4Failure::kIncompleteSignature,
                "X-Amz-Date header must be sent exactly once. " + AuthorizationEcho(authorization));
  }
  AmzDate date{Trim(*first)};
  if (!ParseAmzDate(date.text, &date.unix_seconds)) {
    return Fail(SigV4Failure::kIncompleteSignature,
                "Date must be in ISO-8601 'basic format'. Got '" + Echo(date.text) +
                    "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  return Ok(std::move(date));
}

bool Lists(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// host and x-amz-date signed, the session token signed when sent, every signed header sent.
std::optional<SigV4Error> CheckSignedHeaderSet(const HttpRequestView& request,
                                               const ParsedAuthorization& parsed) {
  const auto require = [&](std::string_view name,
                           std::string_view shown) -> std::optional<SigV4Error> {
    if (Lists(parsed.signed_headers, name)) return std::nullopt;
    return SigV4Error{
        SigV4Failure::kIncompleteSignature,
        "'" + std::string(shown) + "' must be a 'SignedHeader' in the AWS Authorization."};
  };
  if (auto e = require("host", "Host")) return e;
  if (auto e = require("x-amz-date", "X-Amz-Date")) return e;
  if (CountHeader(request, "x-amz-security-token") > 0) {
    if (auto e = require("x-amz-security-token", "X-Amz-Security-Token")) return e;
  }
  for (const std::string& name : parsed.signed_headers) {
    if (FindHeader(request, name) == nullptr) {
      return SigV4Error{
          SigV4Failure::kIncompleteSignature,
          "Header '" + Echo(name) + "' is listed in SignedHeaders but absent from the request."};
    }
  }
  return std::nullopt;
}

std::optional<SigV4Error> CheckScope(const CredentialScope& scope, const AmzDate& date,
                                     const VerifyOptions& options) {
  if (scope.service != options.service) {
    return SigV4Error{SigV4Failure::kBadScope, "Credential should be scoped to correct service: '" +
                                                   options.service + "'. "};
  }
  if (!options.region.empty() && scope.region != options.region) {
    return SigV4Error{SigV4Failure::kBadScope, "Credential should be scoped to a valid region. "};
  }
  if (scope.date != std::string_view(date.text).substr(0, 8)) {
    return SigV4Error{SigV4Failure::kBadScope,
                      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                      "date from HTTP: '" +
                          Echo(scope.date) + "' != '" + std::string(date.text.substr(0, 8)) +
                          "', from '" + std::string(date.text) + "'."};
  }
  return std::nullopt;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? INT64_MAX : INT64_MIN;
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? INT64_MAX : INT64_MIN;
}

std::optional<SigV4Error> CheckSkew(const AmzDate& date, const VerifyOptions& options) {
  const int64_t now = options.now_unix_seconds;
  const int64_t earliest = SaturatingSub(now, options.max_skew_seconds);
  const int64_t latest = SaturatingAdd(now, options.max_skew_seconds);
  const std::string window = options.max_skew_seconds % 60 == 0
                                 ? std::to_string(options.max_skew_seconds / 60) + " min.)"
                                 : std::to_string(options.max_skew_seconds) + " sec.)";
  if (date.unix_seconds < earliest) {
    return SigV4Error{SigV4Failure::kExpired,
                      "Signature expired: " + std::string(date.text) + " is now earlier than " +
                          FormatAmzDate(earliest) + " (" + FormatAmzDate(now) + " - " + window};
  }
  if (date.unix_seconds > latest) {
    return SigV4Error{SigV4Failure::kExpired, "Signature not yet current: " + std::string(date.text) +
                                                  " is still later than " + FormatAmzDate(latest) +
                                                  " (" + FormatAmzDate(now) + " + " + window};
  }
  return std::nullopt;
}

// Every x-amz-content-sha256 the client sent must be the hash of the body we hold.
std::optional<SigV4Error> CheckBodyHash(const HttpRequestView& request) {
  if (CountHeader(request, "x-amz-content-sha256") == 0) return std::nullopt;
  const std::string body_hash = crypto::ToHex(crypto::Sha256(crypto::AsBytes(request.body)));
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "x-amz-content-sha256") &&
        !EqualsIgnoreCase(Trim(value), body_hash)) {
      return SigV4Error{
          SigV4Failure::kBodyHashMismatch,
          "The provided 'x-amz-content-sha256' header does not match what was computed."};
    }
  }
  return std::nullopt;
}

// Appends the value trimmed, inner runs of white space collapsed to one space.
void AppendCanonicalHeaderValue(std::string_view value, std::string& out) {
  bool any = false;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    any = true;
    out += c;
  }
}

void AppendLower(std::string_view s, std::string& out) {
  for (char c : s) out += LowerAscii(c);
}

std::string JoinLower(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ';';
    AppendLower(names[i], out);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; a '%' not followed by two hex digits is kept; '+' stays '+'.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// HMAC-SHA-256(signing key, string to sign); the signing key is wiped.
crypto::Digest Sign(crypto::ByteView secret, const CredentialScope& scope,
                    std::string_view string_to_sign) {
  crypto::Digest key = SigningKey(secret, scope.date, scope.region, scope.service);
  const crypto::Digest signature =
      crypto::HmacSha256(crypto::ByteView(key.data(), key.size()), crypto::AsBytes(string_to_sign));
  crypto::SecureWipe(key.data(), key.size());
  return signature;
}

}  // namespace

std::string CredentialScope::String() const {
  return date + "/" + region + "/" + service + "/" + std::string(kTerminator);
}

SigV4Result<ParsedAuthorization> ParseAuthorization(std::string_view header_value) {
  // Quoted in failure messages only: built when one is.
  const auto echo = [header_value] { return AuthorizationEcho(header_value); };
  const std::string_view value = Trim(header_value);
  const size_t space = value.find(' ');
  const std::string_view algorithm = value.substr(0, space);
  const std::string_view params = space == std::string_view::npos ? "" : value.substr(space + 1);
  SigV4Result<AuthorizationParts> parts = SplitParameters(params, header_value);
  if (!parts.ok()) return Failure{parts.error};
  if (std::string missing = MissingParameters(parts.value); !missing.empty()) {
    return Fail(SigV4Failure::kIncompleteSignature, missing + echo());
  }
  if (algorithm != kAlgorithm) {
    return Fail(SigV4Failure::kIncompleteSignature, "Unsupported AWS 'algorithm': '" +
                                                        Echo(algorithm) +
                                                        "', expected 'AWS4-HMAC-SHA256'. " + echo());
  }
  SigV4Result<CredentialScope> scope = ParseCredential(*parts.value.credential);
  if (!scope.ok()) return Failure{scope.error};
  const std::vector<std::string_view> names = Split(*parts.value.signed_headers, ';');
  if (!ValidSignedHeaders(names)) {
    return Fail(
        SigV4Failure::kIncompleteSignature,
        "SignedHeaders must be lower-case header names, sorted, without duplicates. " + echo());
  }
  const std::string_view signature = *parts.value.signature;
  if (signature.size() != 64 || !IsLowerHex(signature)) {
    return Fail(SigV4Failure::kIncompleteSignature,
                "Signature must be 64 lower-case hexadecimal digits. " + echo());
  }
  ParsedAuthorization parsed{
      std::move(scope.value), {names.begin(), names.end()}, std::string(signature)};
  return Ok(std::move(parsed));
}

const std::string_view* FindHeader(const HttpRequestView& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (EqualsIgnoreCase(header, name)) return &value;
  }
  return nullptr;
}

size_t CountHeader(const HttpRequestView& request, std::string_view name) {
  return std::count_if(request.headers.begin(), request.headers.end(),
                       [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

std::string UriEncode(std::string_view raw, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += c;
    } else {
      const auto byte = static_cast<uint8_t>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path) {
  std::vector<std::string_view> segments;
  for (std::string_view segment : Split(raw_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += UriEncode(segments[i], /*keep_slash=*/false);
  }
  if (!segments.empty() && raw_path.back() == '/') out += '/';
  return out;
}

std::string CanonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view item : Split(raw_query, '&')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    params.emplace_back(UriEncode(PercentDecode(name), false),
                        UriEncode(PercentDecode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    out += (i ? "&" : "") + params[i].first + "=" + params[i].second;
  }
  return out;
}

SigV4Result<std::string> CanonicalRequest(const HttpRequestView& request,
                                          const std::vector<std::string>& signed_headers,
                                          std::string_view payload_hash_hex) {
  std::string out;
  size_t estimate = request.method.size() + request.path.size() + request.query.size() + 128;
  for (const auto& [header, value] : request.headers) estimate += header.size() + value.size() + 2;
  out.reserve(estimate);
  out.append(request.method).append("\n");
  if (request.path == "/") {
    out.append("/\n");  // the usual case, already canonical
  } else {
    out.append(CanonicalUri(request.path)).append("\n");
  }
  if (!request.query.empty()) out.append(CanonicalQuery(request.query));
  out.append("\n");
  for (const std::string& name : signed_headers) {
    AppendLower(name, out);
    out += ':';
    bool found = false;
    for (const auto& [header, value] : request.headers) {
      if (!EqualsIgnoreCase(header, name)) continue;
      if (found) out += ',';
      AppendCanonicalHeaderValue(value, out);
      found = true;
    }
    if (!found) {
      return Fail(
          SigV4Failure::kIncompleteSignature,
          "Header '" + Echo(name) + "' is listed in SignedHeaders but absent from the request.");
    }
    out.append("\n");
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    AppendLower(signed_headers[i], out);
  }
  out.append("\n").append(payload_hash_hex);
  return Ok(std::move(out));
}

std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  const crypto::Digest hash = crypto::Sha256(crypto::AsBytes(canonical_request));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.date.size() + scope.region.size() +
              scope.service.size() + kTerminator.size() + 8 + 2 * hash.size());
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n");
  out.append(scope.date).append("/").append(scope.region).append("/").append(scope.service);
  out.append("/").append(kTerminator).append("\n");
  for (uint8_t byte : hash) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

crypto::Digest SigningKey(crypto::ByteView secret_access_key, std::string_view date,
                          std::string_view region, std::string_view service) {
  crypto::SecureBuffer k_secret(4 + secret_access_key.size());
  std::memcpy(k_secret.data(), "AWS4", 4);
  if (!secret_access_key.empty()) {
    std::memcpy(k_secret.data() + 4, secret_access_key.data(), secret_access_key.size());
  }
  crypto::Digest k_date = crypto::HmacSha256(k_secret.view(), crypto::AsBytes(date));
  k_secret.Clear();
  crypto::Digest k_region =
      crypto::HmacSha256(crypto::ByteView(k_date.data(), 32), crypto::AsBytes(region));
  crypto::SecureWipe(k_date.data(), k_date.size());
  crypto::Digest k_service =
      crypto::HmacSha256(crypto::ByteView(k_region.data(), 32), crypto::AsBytes(service));
  crypto::SecureWipe(k_region.data(), k_region.size());
  const crypto::Digest k_signing =
      crypto::HmacSha256(crypto::ByteView(k_service.data(), 32), crypto::AsBytes(kTerminator));
  crypto::SecureWipe(k_service.data(), k_service.size());
  return k_signing;
}

bool ParseAmzDate(std::string_view amz_date, int64_t* unix_seconds) {
  if (amz_date.size() != 16 || amz_date[8] != 'T' || amz_date[15] != 'Z') return false;
  const auto number = [&](size_t pos, size_t len, int64_t* out) {
    *out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (amz_date[i] < '0' || amz_date[i] > '9') return false;
      *out = *out * 10 + (amz_date[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, s;
  if (!number(0, 4, &y) || !number(4, 2, &mo) || !number(6, 2, &d) || !number(9, 2, &h) ||
      !number(11, 2, &mi) || !number(13, 2, &s)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
      s > 59) {
    return false;
  }
  *unix_seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return true;
}

SigV4Result<ParsedAuthorization> CheckRequest(const HttpRequestView& request,
                                              const VerifyOptions& options) {
  const size_t count = CountHeader(request, "authorization");
  if (count == 0) return Fail(SigV4Failure::kMissingAuthentication, "Missing Authentication Token");
  if (count > 1) {
    return Fail(SigV4Failure::kIncompleteSignature,
                "Authorization header must be sent exactly once.");
  }
  const std::string_view authorization = *FindHeader(request, "authorization");
  SigV4Result<ParsedAuthorization> parsed = ParseAuthorization(authorization);
  if (!parsed.ok()) return parsed;
  SigV4Result<AmzDate> date = RequestAmzDate(request, authorization);
  if (!date.ok()) return Failure{date.error};
  if (auto e = CheckSignedHeaderSet(request, parsed.value)) return Failure{*e};
  if (auto e = CheckScope(parsed.value.scope, date.value, options)) return Failure{*e};
  if (auto e = CheckSkew(date.value, options)) return Failure{*e};
  if (auto e = CheckBodyHash(request)) return Failure{*e};
  return parsed;
}

SigV4Result<Verified> VerifySignature(const HttpRequestView& request,
                                      const ParsedAuthorization& parsed,
                                      crypto::ByteView secret_access_key,
                                      SigningKeyCache* cache) {
  const std::string_view* authorization = FindHeader(request, "authorization");
  SigV4Result<AmzDate> date = RequestAmzDate(request, authorization ? *authorization : "");
  if (!date.ok()) return Failure{date.error};
  if (auto e = CheckSignedHeaderSet(request, parsed)) return Failure{*e};
  const std::string payload_hash = crypto::ToHex(crypto::Sha256(crypto::AsBytes(request.body)));
  SigV4Result<std::string> canonical =
      CanonicalRequest(request, parsed.signed_headers, payload_hash);
  if (!canonical.ok()) return Failure{canonical.error};
  const std::string string_to_sign = StringToSign(date.value.text, parsed.scope, canonical.value);
  crypto::Digest computed =
      cache != nullptr
          ? cache->Hmac(parsed.scope, secret_access_key, crypto::AsBytes(string_to_sign))
          : Sign(secret_access_key, parsed.scope, string_to_sign);
  const crypto::SecureBuffer expected(computed.data(), computed.size());
  crypto::SecureWipe(computed.data(), computed.size());
  Result<std::vector<uint8_t>> provided = crypto::FromHex(parsed.signature_hex);
  if (!provided.ok() || !expected.Equals(*provided)) {
    return Fail(
        SigV4Failure::kSignatureMismatch,
        "The request signature we calculated does not match the signature you provided. Check your "
        "AWS "
        "Secret Access Key and signing method. Consult the service documentation for details.");
  }
  return Ok(Verified{parsed.scope.access_key_id, std::string(date.value.text),
                     CountHeader(request, "x-amz-security-token") > 0});
}

// One derived key: the scope it belongs to, the secret it came from (an
// entry answers for that secret only) and the key itself.
struct SigningKeyCache::Impl {
  struct Entry {
    uint64_t hash = 0;
    std::string access_key_id, date, region, service;
    crypto::SecureBuffer secret;
    crypto::SecureBuffer key;
    uint64_t last_used = 0;
  };
  explicit Impl(size_t capacity) : capacity(std::max<size_t>(1, capacity)) { entries.reserve(this->capacity); }
  void Find(const CredentialScope& scope, crypto::ByteView secret_access_key, crypto::Digest& key);
  const size_t capacity;
  mutable std::mutex mu;
  std::vector<Entry> entries;
  uint64_t tick = 0;
  uint64_t misses = 0;
};

namespace {

// FNV-1a over the scope's parts (with separators): finds the candidate entry
// without building a combined string.
uint64_t ScopeHash(const CredentialScope& scope) {
  uint64_t h = 1469598103934665603ull;
  for (std::string_view part : {std::string_view(scope.access_key_id), std::string_view(scope.date),
                                std::string_view(scope.region), std::string_view(scope.service)}) {
    for (char c : part) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;
  }
  return h;
}

}  // namespace

SigningKeyCache::SigningKeyCache(size_t capacity) : impl_(std::make_unique<Impl>(capacity)) {}
SigningKeyCache::~SigningKeyCache() = default;  // the entries' SecureBuffers wipe themselves

crypto::Digest SigningKeyCache::Hmac(const CredentialScope& scope, crypto::ByteView secret_access_key,
                                     crypto::ByteView data) {
  crypto::Digest key{};  // a copy for the HMAC outside the lock; wiped below
  impl_->Find(scope, secret_access_key, key);
  const crypto::Digest mac = crypto::HmacSha256(crypto::ByteView(key.data(), key.size()), data);
  crypto::SecureWipe(key.data(), key.size());
  return mac;
}

// Copies the scope's signing key into `key`, deriving it first on a miss.
void SigningKeyCache::Impl::Find(const CredentialScope& scope, crypto::ByteView secret_access_key,
                                 crypto::Digest& key) {
  const uint64_t hash = ScopeHash(scope);
  std::lock_guard<std::mutex> lock(mu);
  Entry* slot = nullptr;
  for (Entry& e : entries) {
    if (e.hash == hash && e.access_key_id == scope.access_key_id && e.date == scope.date &&
        e.region == scope.region && e.service == scope.service) {
      slot = &e;
      break;
    }
  }
  if (slot != nullptr && !slot->secret.Equals(secret_access_key)) {
    slot->key.Clear();  // the key's secret changed: derive again in place
    slot->secret = crypto::SecureBuffer(secret_access_key);
  } else if (slot == nullptr) {
    if (entries.size() < capacity) {
      slot = &entries.emplace_back();
    } else {
      slot = &*std::min_element(entries.begin(), entries.end(),
                                [](const Entry& a, const Entry& b) { return a.last_used < b.last_used; });
      slot->key.Clear();
    }
    slot->hash = hash;
    slot->access_key_id = scope.access_key_id;
    slot->date = scope.date;
    slot->region = scope.region;
    slot->service = scope.service;
    slot->secret = crypto::SecureBuffer(secret_access_key);
  }
  if (slot->key.size() == 0) {
    crypto::Digest derived = SigningKey(secret_access_key, scope.date, scope.region, scope.service);
    slot->key = crypto::SecureBuffer(derived.data(), derived.size());
    crypto::SecureWipe(derived.data(), derived.size());
    ++misses;
  }
  slot->last_used = ++tick;
  std::memcpy(key.data(), slot->key.data(), key.size());
}

size_t SigningKeyCache::size() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->entries.size();
}

uint64_t SigningKeyCache::misses() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->misses;
}

std::string SignRequest(const HttpRequestView& request,
                        const std::vector<std::string>& signed_headers,
                        const CredentialScope& scope, std::string_view amz_date,
                        crypto::ByteView secret_access_key) {
  const std::string payload_hash = crypto::ToHex(crypto::Sha256(crypto::AsBytes(request.body)));
  SigV4Result<std::string> canonical = CanonicalRequest(request, signed_headers, payload_hash);
  if (!canonical.ok()) return "";
  crypto::Digest signature =
      Sign(secret_access_key, scope, StringToSign(amz_date, scope, canonical.value));
  std::string out = std::string(kAlgorithm) + " Credential=" + scope.access_key_id + "/" +
                    scope.String() + ", SignedHeaders=" + JoinLower(signed_headers) +
                    ", Signature=" + crypto::ToHex(signature);
  crypto::SecureWipe(signature.data(), signature.size());
  return out;
}

}  // namespace cairn::gateway
