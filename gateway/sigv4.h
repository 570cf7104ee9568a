// AWS Signature Version 4, the verifying side (API reference §6; the aws-wire
// fixtures' sigv4-vectors.json). Pure functions over the request as received:
// no sockets, no clock (the caller passes "now"), no key store (the caller
// looks the secret up by the access key id the header names). Links only
// cairn_crypto.
//
// A request verifies when:
//   - Authorization is "AWS4-HMAC-SHA256 Credential=<akid>/<yyyymmdd>/<region>/
//     <service>/aws4_request, SignedHeaders=<h1;h2;...>, Signature=<64 hex>";
//   - SignedHeaders is sorted, lower case, without duplicates, and includes
//     host and x-amz-date (and x-amz-security-token when the request has one);
//     every signed header is present in the request;
//   - X-Amz-Date is yyyymmddThhmmssZ, its date equals the scope's date, and it
//     is within 15 minutes of now (either way);
//   - the scope's service is the expected one ("secretsmanager") and its region
//     the expected one;
//   - x-amz-content-sha256, when sent, equals the SHA-256 of the body (the
//     server hashes the body itself; the header is never trusted);
//   - HMAC-SHA-256(signing key, string to sign) equals Signature, compared in
//     constant time.
#ifndef CAIRN_GATEWAY_SIGV4_H_
#define CAIRN_GATEWAY_SIGV4_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/hash.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::gateway {

// A request's headers, borrowed (names in any case, in arrival order): the
// gateway points into the HTTP library's copy instead of copying each one.
// Built from an owned list it borrows that list's strings, so a temporary
// list is refused.
struct HeaderList : std::vector<std::pair<std::string_view, std::string_view>> {
  using vector::vector;
  HeaderList() = default;
  HeaderList(const std::vector<std::pair<std::string, std::string>>& owned) {  // NOLINT: implicit by design
    reserve(owned.size());
    for (const auto& [name, value] : owned) emplace_back(name, value);
  }
  HeaderList(std::vector<std::pair<std::string, std::string>>&&) = delete;
};

// The parts of an HTTP request the signature covers, as received.
struct HttpRequestView {
  std::string_view method;  // "POST"
  std::string_view path;    // raw, undecoded ("/")
  std::string_view query;   // raw, without '?' ("" usually)
  HeaderList headers;       // names in any case, in arrival order
  std::string_view body;
};

struct CredentialScope {
  std::string access_key_id;
  std::string date;     // yyyymmdd
  std::string region;
  std::string service;
  std::string String() const;  // "<date>/<region>/<service>/aws4_request"
};

struct ParsedAuthorization {
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // lower case, in the header's order
  std::string signature_hex;                // lower-case hex, 64 characters
};

// Why a request does not verify, each mapped by the gateway onto AWS's error
// name (in parentheses) with `message` as AWS words it.
enum class SigV4Failure {
  kMissingAuthentication,  // no Authorization header (MissingAuthenticationTokenException)
  kIncompleteSignature,    // Authorization malformed, a part or a signed header missing,
                           // X-Amz-Date absent or malformed (IncompleteSignatureException)
  kBadScope,               // wrong service, region or terminator, date mismatch (InvalidSignatureException)
  kExpired,                // X-Amz-Date more than 15 minutes from now (InvalidSignatureException)
  kBodyHashMismatch,       // x-amz-content-sha256 disagrees with the body (InvalidSignatureException)
  kSignatureMismatch,      // the signature does not match (InvalidSignatureException)
};

struct SigV4Error {
  SigV4Failure failure;
  std::string message;  // never contains the secret key or a signature we computed
};

template <typename T>
struct SigV4Result {
  // Exactly one is meaningful: ok() ? value : error.
  T value{};
  SigV4Error error{SigV4Failure::kIncompleteSignature, ""};
  bool has_value = false;
  bool ok() const { return has_value; }
};

// Parses the Authorization header's value. kIncompleteSignature with AWS's
// wording for a missing part; kMissingAuthentication never comes from here.
SigV4Result<ParsedAuthorization> ParseAuthorization(std::string_view header_value);

// The value of the first header named `name` (case-insensitive), or nullptr.
const std::string_view* FindHeader(const HttpRequestView& request, std::string_view name);
// How many headers are named `name` (case-insensitive).
size_t CountHeader(const HttpRequestView& request, std::string_view name);

// RFC 3986 URI encoding as SigV4 uses it: unreserved characters kept, every
// other byte %XX upper case; '/' kept when `keep_slash`.
std::string UriEncode(std::string_view raw, bool keep_slash);
// The canonical URI of a raw path: dot segments and empty segments normalised
// away ("/a/./b/../c//" -> "/a/c/", a trailing '/' kept), then each segment
// UriEncode'd as it appears on the wire, without decoding it first. That is
// what the SDKs do for non-S3 services: a client that sent "/a%20b" signed
// "/a%2520b" (the path is encoded twice overall), and the test suite's raw
// "/example space/" signs as "/example%20space/". "" becomes "/".
std::string CanonicalUri(std::string_view raw_path);
// The canonical query string: parameters decoded then UriEncode'd, sorted by
// name then value, joined with '&'; a parameter without '=' has an empty value.
std::string CanonicalQuery(std::string_view raw_query);

// The canonical request (the vectors' "canonical_request"): method, canonical
// URI, canonical query, the signed headers as "name:value\n" (values trimmed,
// inner runs of spaces collapsed, repeated headers joined with ','), the signed
// header list, and the payload hash (hex). kIncompleteSignature if a signed
// header is absent from the request.
SigV4Result<std::string> CanonicalRequest(const HttpRequestView& request,
                                          const std::vector<std::string>& signed_headers,
                                          std::string_view payload_hash_hex);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of the canonical request>"
std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);

// HMAC chain: "AWS4"+secret -> date -> region -> service -> "aws4_request".
crypto::Digest SigningKey(crypto::ByteView secret_access_key, std::string_view date,
                          std::string_view region, std::string_view service);

// Signing keys already derived, per (access key id, date, region, service):
// the four HMACs of SigningKey run once per key and day instead of once per
// request. Bounded (the least recently used entry makes room); an entry
// answers only for the very secret it was derived from, so a key whose secret
// changed is derived again. Keys and secrets are held in SecureBuffers (wiped
// when evicted or destroyed) and never leave the cache except into the
// caller's HMAC. Thread-safe.
class SigningKeyCache {
 public:
  explicit SigningKeyCache(size_t capacity = 256);
  ~SigningKeyCache();
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // HMAC-SHA-256(signing key of the scope, data), deriving the key on a miss.
  crypto::Digest Hmac(const CredentialScope& scope, crypto::ByteView secret_access_key,
                      crypto::ByteView data);
  size_t size() const;
  uint64_t misses() const;  // key derivations so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Seconds since the Unix epoch of "yyyymmddThhmmssZ"; false if malformed.
bool ParseAmzDate(std::string_view amz_date, int64_t* unix_seconds);

struct VerifyOptions {
  std::string service = "secretsmanager";
  std::string region;                 // expected scope region; empty: any
  int64_t now_unix_seconds = 0;
  int64_t max_skew_seconds = 15 * 60;
};

// What a verified request proved.
struct Verified {
  std::string access_key_id;
  std::string amz_date;
  bool has_security_token = false;  // X-Amz-Security-Token was sent (and signed)
};

// Step 1 of verification, before any key lookup: the header parses, the scope
// and date are acceptable, the body hash header (if any) matches. The caller
// then looks up parsed.scope.access_key_id and calls VerifySignature.
SigV4Result<ParsedAuthorization> CheckRequest(const HttpRequestView& request,
                                              const VerifyOptions& options);
// Step 2: recomputes the signature with the secret and compares in constant
// time; with a cache, the signing key comes from it.
SigV4Result<Verified> VerifySignature(const HttpRequestView& request,
                                      const ParsedAuthorization& parsed,
                                      crypto::ByteView secret_access_key,
                                      SigningKeyCache* cache = nullptr);

// Signs a request (client side; tests and the benchmark's pre-signed request):
// the Authorization header value for these signed headers, which must already
// be present in `request` (host and x-amz-date among them); "" if one is not.
std::string SignRequest(const HttpRequestView& request, const std::vector<std::string>& signed_headers,
                        const CredentialScope& scope, std::string_view amz_date,
                        crypto::ByteView secret_access_key);

}  // namespace cairn::gateway

#endif  // CAIRN_GATEWAY_SIGV4_H_
