#include "gateway/http_gateway.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/random.h"
#include "gateway/aws_json.h"
#include "gateway/sigv4.h"

namespace cairn::gateway {
namespace {

// AWS's names for the errors the gateway answers itself.
constexpr char kMissingAuthentication[] = "MissingAuthenticationTokenException";
constexpr char kIncompleteSignature[] = "IncompleteSignatureException";
constexpr char kInvalidSignature[] = "InvalidSignatureException";
constexpr char kUnrecognizedClient[] = "UnrecognizedClientException";
constexpr char kUnknownOperation[] = "UnknownOperationException";
constexpr char kSerialization[] = "SerializationException";
// AWS's code for a 503; the SDKs retry it.
constexpr char kServiceUnavailable[] = "ServiceUnavailable";
// How long Stop() waits for the calls in flight to be answered.
constexpr auto kDrainLimit = std::chrono::seconds(15);

// "Sun, 22 Nov 2026 20:07:23 GMT": the JS SDK keeps its clock offset from it.
// Formatted at most once per second per thread.
const std::string& HttpDate(int64_t unix_seconds) {
  thread_local int64_t formatted_for = INT64_MIN;
  thread_local std::string text;
  if (unix_seconds != formatted_for) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    formatted_for = unix_seconds;
  }
  return text;
}

// A request id (UUID v4) from a per-thread pool of system randomness: one
// getrandom per 32 requests instead of one each.
std::string NewRequestId() {
  constexpr size_t kPool = 16 * 32;
  thread_local uint8_t pool[kPool];
  thread_local size_t used = kPool;
  if (used == kPool) {
    crypto::SystemRandom().Fill(pool, kPool);
    used = 0;
  }
  uint8_t* b = pool + used;
  used += 16;
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t pos = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++pos;  // the dashes stay
    out[pos++] = kHex[b[i] >> 4];
    out[pos++] = kHex[b[i] & 0xf];
  }
  return out;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsLower(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (LowerAscii(name[i]) != lower[i]) return false;
  }
  return true;
}

AwsError FromSigV4(const SigV4Error& error) {
  switch (error.failure) {
    case SigV4Failure::kMissingAuthentication:
      return {400, kMissingAuthentication, error.message};
    case SigV4Failure::kIncompleteSignature:
      return {400, kIncompleteSignature, error.message};
    case SigV4Failure::kBadScope:
    case SigV4Failure::kExpired:
    case SigV4Failure::kBodyHashMismatch:
    case SigV4Failure::kSignatureMismatch:
      break;
  }
  return {400, kInvalidSignature, error.message};
}

// Headers whose repetition makes a request ambiguous: refused, not guessed at.
constexpr std::string_view kSingleHeaders[] = {"authorization", "x-amz-date", "x-amz-target", "host",
                                               "x-amz-content-sha256", "x-amz-security-token",
                                               "content-type"};
constexpr size_t kSingleCount = std::size(kSingleHeaders);
enum SingleHeader : size_t { kAuthorization = 0, kAmzTarget = 2, kSecurityToken = 5 };

// What the gateway reads from the headers, found in one pass over them.
struct HeaderScan {
  std::array<size_t, kSingleCount> count{};
  std::array<const std::string_view*, kSingleCount> first{};
  std::string_view user_agent;     // the first User-Agent
  std::string_view invocation_id;  // the first amz-sdk-invocation-id
};

HeaderScan ScanHeaders(const HeaderList& headers) {
  HeaderScan scan;
  bool user_agent = false;
  bool invocation_id = false;
  for (const auto& header : headers) {
    const std::string_view name = header.first;
    for (size_t i = 0; i < kSingleCount; ++i) {
      if (!EqualsLower(name, kSingleHeaders[i])) continue;
      if (scan.count[i]++ == 0) scan.first[i] = &header.second;
      break;
    }
    if (!user_agent && EqualsLower(name, "user-agent")) {
      scan.user_agent = header.second;
      user_agent = true;
    } else if (!invocation_id && EqualsLower(name, "amz-sdk-invocation-id")) {
      scan.invocation_id = header.second;
      invocation_id = true;
    }
  }
  return scan;
}

// Debian's libcpp-httplib is built with a listen backlog of 5: 64 clients
// connecting at once overflow it and wait a second or more for a SYN retry.
// Linux lets listen() be called again on a listening socket to change the
// backlog, so the listening socket on `port` is found and given a deep one.
void DeepenBacklog(int port) {
  for (int fd = 3; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) continue;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) ::listen(fd, 1024);
  }
}

}  // namespace

struct HttpGateway::Impl {
  GatewayOptions options;
  AccessKeyLookup lookup;
  CallHandler handler;
  std::unique_ptr<httplib::Server> server;
  std::string bound;
  std::thread listener;
  std::atomic<bool> stopped{false};
  SigningKeyCache signing_keys;
  std::mutex refusals_mu;
  uint64_t refused = 0;
  std::set<std::string> refused_keys;

  int64_t Now() const {
    if (options.now_unix_seconds) return options.now_unix_seconds();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }
  void CountRefusal(std::string_view access_key_id) {
    std::lock_guard<std::mutex> lock(refusals_mu);
    ++refused;
    if (!access_key_id.empty() && refused_keys.size() < 100000) refused_keys.emplace(access_key_id);
  }
  // Stop() drains: the calls in flight are counted until their answers are
  // written (httplib stops writing a streamed body once stop() has run).
  std::mutex drain_mu;
  std::condition_variable drained;
  size_t in_flight = 0;
  bool draining = false;
  // A call's token, held by Serve and by its answer until written; nullptr
  // once Stop() has begun.
  std::shared_ptr<Impl> Enter() {
    std::lock_guard<std::mutex> lock(drain_mu);
    if (draining) return nullptr;
    ++in_flight;
    return std::shared_ptr<Impl>(this, [](Impl* p) { p->Leave(); });
  }
  void Leave() {
    std::lock_guard<std::mutex> lock(drain_mu);
    if (--in_flight == 0 && draining) drained.notify_all();
  }

  void Answer(httplib::Response& res, const std::string& request_id, int status, crypto::SecureBuffer body,
              std::shared_ptr<Impl> call) const;
  void AnswerError(httplib::Response& res, const std::string& request_id, const AwsError& error) const;
  void Serve(const httplib::Request& req, httplib::Response& res);
};

void HttpGateway::Impl::Answer(httplib::Response& res, const std::string& request_id, int status,
                               crypto::SecureBuffer body, std::shared_ptr<Impl> call) const {
  res.status = status;
  res.headers.emplace("x-amzn-RequestId", request_id);
  res.headers.emplace("Date", HttpDate(Now()));
  // Written straight from the wiped buffer; the releaser frees (and wipes) it
  // and ends the call for Stop()'s drain.
  auto shared = std::make_shared<crypto::SecureBuffer>(std::move(body));
  const size_t size = shared->size();
  res.set_content_provider(
      size, kContentType,
      [shared](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(reinterpret_cast<const char*>(shared->data()) + offset, length);
      },
      [shared, call](bool) mutable {
        shared.reset();
        call.reset();
      });
}

void HttpGateway::Impl::AnswerError(httplib::Response& res, const std::string& request_id,
                                    const AwsError& error) const {
  res.status = error.status;
  res.set_header("x-amzn-RequestId", request_id);
  res.set_header("Date", HttpDate(Now()));
  res.set_content(ErrorBody(error), kContentType);
}

void HttpGateway::Impl::Serve(const httplib::Request& req, httplib::Response& res) {
  std::string request_id = NewRequestId();
  // The body may hold a secret: wipe it whatever the outcome.
  struct WipeBody {
    const httplib::Request& req;
    ~WipeBody() { crypto::SecureWipe(const_cast<std::string&>(req.body)); }
  } wipe{req};
  std::shared_ptr<Impl> call_token = Enter();
  if (call_token == nullptr) {  // Stop() has begun: the SDKs retry a 503 elsewhere or later
    res.set_header("Connection", "close");
    return AnswerError(res, request_id, {503, kServiceUnavailable, "Cairn is shutting down; retry the call"});
  }

  HttpRequestView view;
  view.method = req.method;
  const std::string_view target = req.target;
  const size_t q = target.find('?');
  view.path = target.substr(0, q);
  view.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  view.headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) {
    // httplib adds these itself; they were not sent by the client.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
    view.headers.emplace_back(name, value);  // borrowed: req outlives the view
  }
  view.body = req.body;
  const HeaderScan headers = ScanHeaders(view.headers);

  for (size_t i = 0; i < kSingleCount; ++i) {
    if (headers.count[i] > 1) {
      CountRefusal("");
      return AnswerError(res, request_id,
                         {400, kIncompleteSignature,
                          "The request has more than one " + std::string(kSingleHeaders[i]) + " header"});
    }
  }
  if (req.method != "POST" || view.path != "/") {
    CountRefusal("");
    return AnswerError(res, request_id,
                       {400, kUnknownOperation, "Secrets Manager takes POST / with an X-Amz-Target header"});
  }
  // Authentication first: an unauthenticated caller learns nothing about operations.
  if (headers.count[kAuthorization] == 0) {
    CountRefusal("");
    return AnswerError(res, request_id, {400, kMissingAuthentication, "Missing Authentication Token"});
  }
  VerifyOptions verify;
  verify.region = options.region;
  verify.now_unix_seconds = Now();
  SigV4Result<ParsedAuthorization> parsed = CheckRequest(view, verify);
  if (!parsed.ok()) {
    CountRefusal("");
    return AnswerError(res, request_id, FromSigV4(parsed.error));
  }
  const std::string& key_id = parsed.value.scope.access_key_id;
  if (headers.count[kSecurityToken] != 0) {
    // Cairn issues no temporary credentials: a session token is never ours.
    CountRefusal(key_id);
    return AnswerError(res, request_id,
                       {400, kUnrecognizedClient, "The security token included in the request is invalid."});
  }
  std::optional<AccessKeyGrant> grant = lookup(key_id);
  if (!grant.has_value() || grant->secret == nullptr) {
    CountRefusal(key_id);
    return AnswerError(res, request_id,
                       {400, kUnrecognizedClient, "The security token included in the request is invalid."});
  }
  SigV4Result<Verified> verified = VerifySignature(view, parsed.value, grant->secret->view(), &signing_keys);
  if (!verified.ok()) {
    CountRefusal(key_id);
    return AnswerError(res, request_id, FromSigV4(verified.error));
  }

  // Authenticated: from here on every call is the service's, and one event.
  const std::string_view* target_header = headers.first[kAmzTarget];
  std::optional<std::string> operation =
      target_header != nullptr ? OperationFromTarget(*target_header) : std::nullopt;
  GatewayCall call;
  if (operation.has_value()) {
    call.request = ParseRequestBody(*operation, req.body);
  } else {
    // Still one event: the service records the refusal under the name as sent.
    std::string sent = target_header == nullptr ? "" : std::string(target_header->substr(0, 128));
    call.request.operation = sent.rfind(kTargetPrefix, 0) == 0 ? sent.substr(std::string_view(kTargetPrefix).size())
                                                                : sent;
    call.request.decode_error = service::ApiError{
        kUnknownOperation, target_header == nullptr
                               ? "The X-Amz-Target header is missing"
                               : "Unknown operation " + sent + "; Secrets Manager's are secretsmanager.<Operation>"};
  }
  call.principal = std::move(grant->principal);
  call.access_key_id = key_id;
  call.source_ip = req.remote_addr;
  call.user_agent = headers.user_agent.substr(0, 256);
  call.request_id = request_id;
  call.invocation_id = headers.invocation_id.substr(0, 64);
  service::Response response = handler(call);
  if (!response.ok()) return AnswerError(res, request_id, FromApiError(*response.error));
  if (!operation.has_value()) {  // a handler that ignored the decode error
    return AnswerError(res, request_id, FromApiError(*call.request.decode_error));
  }
  Answer(res, request_id, 200, RenderResponseBody(*operation, response), std::move(call_token));
}

HttpGateway::HttpGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpGateway>> HttpGateway::Start(const GatewayOptions& options, AccessKeyLookup lookup,
                                                       CallHandler handler) {
  const size_t colon = options.endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError("HTTP endpoint '" + options.endpoint + "' is not host:port");
  }
  std::string host = options.endpoint.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(options.endpoint.substr(colon + 1), &used);
    if (used != options.endpoint.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return InvalidArgumentError("HTTP endpoint '" + options.endpoint + "' has no valid port");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->lookup = std::move(lookup);
  impl->handler = std::move(handler);
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return InvalidArgumentError("TLS needs both a certificate file and a key file");
    }
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(), options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return InvalidArgumentError("cannot use the TLS certificate " + options.tls_cert_file + " with key " +
                                  options.tls_key_file + " (PEM files that belong together are needed)");
    }
    impl->server = std::move(ssl);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl->server;
  const int threads = std::max(1, options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(1u << 30);
  s.set_keep_alive_timeout(options.keep_alive_timeout_s);
  s.set_read_timeout(options.read_timeout_ms / 1000, (options.read_timeout_ms % 1000) * 1000);
  s.set_write_timeout(10, 0);
  s.set_payload_max_length(options.max_body_bytes);
  Impl* p = impl.get();
  auto serve = [p](const httplib::Request& req, httplib::Response& res) { p->Serve(req, res); };
  s.Post(R"(.*)", serve);
  s.Get(R"(.*)", serve);
  s.Put(R"(.*)", serve);
  s.Delete(R"(.*)", serve);
  // httplib's own refusals (413 Payload Too Large, 400 malformed, 404) in AWS's shape.
  // httplib calls this for every status >= 400, ours included: those are answered already.
  s.set_error_handler(httplib::Server::HandlerWithResponse([p](const httplib::Request&, httplib::Response& res) {
    if (res.has_header("x-amzn-RequestId")) return httplib::Server::HandlerResponse::Unhandled;
    const std::string id = crypto::NewUuidV4(crypto::SystemRandom());
    AwsError error{res.status, kSerialization, "The request could not be read as HTTP/1.1"};
    if (res.status == 413) {
      error.message = "The request body is larger than " + std::to_string(p->options.max_body_bytes) + " bytes";
    } else if (res.status == 404 || res.status == 405) {
      error = {400, kUnknownOperation, "Secrets Manager takes POST / with an X-Amz-Target header"};
    }
    p->AnswerError(res, id, error);
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([p](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    p->AnswerError(res, crypto::NewUuidV4(crypto::SystemRandom()),
                   {500, service::kInternalServiceError, "internal error in the HTTP gateway"});
  });
  if (port == 0) {
    port = s.bind_to_any_port(host);
    if (port < 0) return UnavailableError("cannot bind the HTTP endpoint " + options.endpoint);
  } else if (!s.bind_to_port(host, port)) {
    return UnavailableError("cannot bind the HTTP endpoint " + options.endpoint +
                            " (in use, or not an address of this machine)");
  }
  DeepenBacklog(port);
  impl->bound = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  impl->listener = std::thread([p] { p->server->listen_after_bind(); });
  // httplib's stop() does nothing before the listener has started: a Stop()
  // right after Start() (a loaded machine, a test) left it blocked in accept.
  for (int i = 0; i < 5000 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(impl)));
}

HttpGateway::~HttpGateway() { Stop(); }

void HttpGateway::Stop() {
  if (impl_->stopped.exchange(true)) return;
  {
    // New calls get 503 from here on; those in flight are answered in full
    // first (httplib's stop() cuts a streamed body short).
    std::unique_lock<std::mutex> lock(impl_->drain_mu);
    impl_->draining = true;
    impl_->drained.wait_for(lock, kDrainLimit, [&] { return impl_->in_flight == 0; });
  }
  impl_->server->stop();  // the pool finishes the calls in flight before listen returns
  if (impl_->listener.joinable()) impl_->listener.join();
}

std::string HttpGateway::endpoint() const { return impl_->bound; }
bool HttpGateway::tls() const { return !impl_->options.tls_cert_file.empty(); }

GatewayRefusals HttpGateway::TakeRefusals() {
  std::lock_guard<std::mutex> lock(impl_->refusals_mu);
  GatewayRefusals out{impl_->refused, impl_->refused_keys.size()};
  impl_->refused = 0;
  impl_->refused_keys.clear();
  return out;
}

Status EnsureDevCertificate(const std::string& cert_file, const std::string& key_file) {
  std::error_code ec;
  if (std::filesystem::exists(cert_file, ec) && std::filesystem::exists(key_file, ec)) return Status::Ok();
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return InternalError("cannot generate a TLS key");
  X509* cert = X509_new();
  auto cleanup = [&] {
    X509_free(cert);
    EVP_PKEY_free(key);
  };
  X509_set_version(cert, 2);
  uint8_t serial[16];
  crypto::SystemRandom().Fill(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("cairnd dev"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) {
      cleanup();
      return InternalError("cannot build the dev certificate's extensions");
    }
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, key, EVP_sha256()) == 0) {
    cleanup();
    return InternalError("cannot sign the dev certificate");
  }
  const mode_t old_mask = ::umask(077);
  FILE* kf = std::fopen(key_file.c_str(), "wb");
  const bool key_ok = kf != nullptr && PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (kf != nullptr) std::fclose(kf);
  ::umask(old_mask);
  FILE* cf = key_ok ? std::fopen(cert_file.c_str(), "wb") : nullptr;
  const bool cert_ok = cf != nullptr && PEM_write_X509(cf, cert) == 1;
  if (cf != nullptr) std::fclose(cf);
  cleanup();
  if (!key_ok || !cert_ok) return UnavailableError("cannot write the dev certificate to " + cert_file);
  return Status::Ok();
}

}  // namespace cairn::gateway
