// HttpGateway: Secrets Manager's HTTP endpoint, so the aws CLI, boto3 and the
// AWS SDKs work against Cairn with nothing but an endpoint override.
//
//   client --HTTP/1.1 (keep-alive; TLS when configured)--> worker thread:
//     POST with X-Amz-Target: secretsmanager.<Op> -> SigV4 (gateway/sigv4.h:
//     scope, date, body hash, then the key's secret from AccessKeyLookup; the
//     derived signing keys kept in a SigningKeyCache per key and day) ->
//     body -> service::Request (gateway/aws_json.h) -> CallHandler (the daemon:
//     one event per call, answered once durable) -> AWS JSON answer.
//
// Requests that fail authentication get AWS's error (MissingAuthenticationToken,
// IncompleteSignature, InvalidSignature, UnrecognizedClient) and are counted,
// not logged one by one (TakeRefusals; the daemon turns the counts into its
// periodic UnauthenticatedAttempts event). An authenticated call always reaches
// the handler, even one whose body cannot be decoded. Malformed HTTP, oversized
// bodies (max_body_bytes, 413), duplicated signature headers, unknown targets
// and slow clients (read_timeout_ms) get an AWS-shaped error or a closed
// connection; nothing here stalls the other connections.
//
// The gateway calls the service only through CallHandler, as the bus side does
// through the daemon; it never touches the ledger. Secret values pass through
// in wiped buffers: the request body is wiped once parsed, the answer is
// written from a SecureBuffer.
#ifndef CAIRN_GATEWAY_HTTP_GATEWAY_H_
#define CAIRN_GATEWAY_HTTP_GATEWAY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "service/api.h"

namespace cairn::gateway {

struct GatewayOptions {
  std::string endpoint = "127.0.0.1:7780";  // host:port; port 0 picks a free one
  std::string tls_cert_file;                 // PEM; with tls_key_file: HTTPS
  std::string tls_key_file;
  std::string region = "us-east-1";          // the SigV4 scope's region
  int threads = 128;                         // connections served at once (an open connection holds one)
  size_t max_body_bytes = 256 * 1024;        // beyond AWS's largest request
  int read_timeout_ms = 10000;               // a client silent this long mid-request is dropped
  int keep_alive_timeout_s = 10;             // an idle connection is closed after this, freeing its thread
  std::function<int64_t()> now_unix_seconds; // default: the system clock (tests inject)
};

// One authenticated call, for the handler.
struct GatewayCall {
  service::Request request;
  std::string principal;
  std::string access_key_id;
  std::string source_ip;      // the peer's address
  std::string user_agent;     // as sent (not covered by the signature)
  std::string request_id;     // the x-amzn-RequestId of the answer (UUID)
  std::string invocation_id;  // amz-sdk-invocation-id, "" when not sent
};

struct AccessKeyGrant {
  std::string principal;
  std::shared_ptr<const crypto::SecureBuffer> secret;
};
// The enabled principal owning an Active key, with its secret; nullopt otherwise.
using AccessKeyLookup = std::function<std::optional<AccessKeyGrant>(std::string_view access_key_id)>;
// Runs the call (on the gateway's worker thread) and returns the service's
// answer. It may move the call's strings out; the gateway reads only
// call.request after it returns.
using CallHandler = std::function<service::Response(GatewayCall& call)>;

struct GatewayRefusals {
  uint64_t attempts = 0;       // requests refused before they authenticated
  uint64_t distinct_keys = 0;  // distinct access key ids among them
};

class HttpGateway {
 public:
  // Binds and starts serving. InvalidArgument for a bad endpoint or an unusable
  // certificate, Unavailable if the address cannot be bound.
  static Result<std::unique_ptr<HttpGateway>> Start(const GatewayOptions& options,
                                                   AccessKeyLookup lookup, CallHandler handler);
  ~HttpGateway();  // Stop()
  // Drains, then closes. Idempotent. From the call on, new requests (also on
  // kept-alive connections) get 503 ServiceUnavailable with Connection: close;
  // the calls in flight finish and their answers are written in full (up to
  // 15 s), then the listener stops.
  void Stop();
  std::string endpoint() const;  // "host:port" as bound
  bool tls() const;
  // Refusals since the last call.
  GatewayRefusals TakeRefusals();

 private:
  struct Impl;
  explicit HttpGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A self-signed certificate and its key (PEM files, the key mode 0600) for
// dev mode: EC P-256, valid for a year, subjectAltName 127.0.0.1, ::1 and
// localhost. Existing files are kept.
Status EnsureDevCertificate(const std::string& cert_file, const std::string& key_file);

}  // namespace cairn::gateway

#endif  // CAIRN_GATEWAY_HTTP_GATEWAY_H_
