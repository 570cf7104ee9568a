// HttpGateway over real loopback sockets: raw HTTP/1.1 bytes in, AWS's
// answers out. The handler and the key lookup are the test's, so these check
// the transport alone (the daemon's end-to-end runs are tests/clients/).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "gateway/http_gateway.h"
#include "gateway/sigv4.h"

namespace cairn::gateway {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kKeyId[] = "AKIATESTTESTTESTTEST";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr int64_t kNow = 1795435200;  // 2026-11-23T12:00:00Z
constexpr char kAmzDate[] = "20261123T120000Z";

struct Reply {
  int status = 0;
  std::string headers;  // lower-cased header block
  std::string body;
  bool closed = false;  // the connection ended without a response
  Json json() const { return Json::parse(body, nullptr, false); }
};

// A client connection speaking raw bytes.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Conn() { ::close(fd_); }
  void Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server closed: Read reports it
      off += static_cast<size_t>(n);
    }
  }
  // Reads one response (Content-Length framed), or reports the close.
  Reply Read(int timeout_ms = 5000) {
    Reply r;
    std::string buf;
    size_t header_end = std::string::npos;
    size_t want = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      if (header_end != std::string::npos && buf.size() >= header_end + 4 + want) break;
      pollfd p{fd_, POLLIN, 0};
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0 || ::poll(&p, 1, left) <= 0) break;
      char chunk[8192];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        r.closed = buf.empty();
        break;
      }
      buf.append(chunk, static_cast<size_t>(n));
      if (header_end == std::string::npos && (header_end = buf.find("\r\n\r\n")) != std::string::npos) {
        std::string head = buf.substr(0, header_end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers = head;
        const size_t cl = head.find("content-length:");
        if (cl != std::string::npos) want = std::stoul(head.substr(cl + 15));
      }
    }
    if (header_end == std::string::npos) return r;
    r.status = std::stoi(buf.substr(9, 3));
    r.body = buf.substr(header_end + 4, want);
    return r;
  }
  // True once the server has closed the connection (within timeout_ms).
  // (Whatever the server sends before closing, an error answer say, is read and dropped.)
  bool ClosedByServer(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char chunk[1024];
      if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
};

struct Seen {
  std::mutex mu;
  std::vector<GatewayCall> calls;
};

struct Fixture {
  Seen seen;
  std::atomic<int64_t> now{kNow};
  std::atomic<bool> key_active{true};
  service::Response next;  // what the handler answers (copied per call)
  std::unique_ptr<HttpGateway> gateway;
  int port = 0;

  explicit Fixture(size_t max_body = 256 * 1024, int read_timeout_ms = 10000) {
    GatewayOptions o;
    o.endpoint = "127.0.0.1:0";
    o.threads = 8;
    o.max_body_bytes = max_body;
    o.read_timeout_ms = read_timeout_ms;
    o.now_unix_seconds = [this] { return now.load(); };
    auto secret = std::make_shared<const crypto::SecureBuffer>(crypto::SecureBuffer::FromString(kSecret));
    auto lookup = [this, secret](std::string_view id) -> std::optional<AccessKeyGrant> {
      if (id != kKeyId || !key_active.load()) return std::nullopt;
      return AccessKeyGrant{"alice", secret};
    };
    auto handler = [this](GatewayCall& call) {
      service::Response r;
      r.body = next.body;
      r.error = call.request.decode_error ? call.request.decode_error : next.error;  // as the service does
      for (const auto& v : next.values) {
        r.values.push_back({v.index, service::SecretValue{v.value.kind, v.value.bytes.Clone()}});
      }
      std::lock_guard<std::mutex> lock(seen.mu);
      GatewayCall copy;
      copy.request.operation = call.request.operation;
      copy.request.params = call.request.params;
      copy.request.decode_error = call.request.decode_error;
      if (call.request.value) {
        copy.request.value = service::SecretValue{call.request.value->kind, call.request.value->bytes.Clone()};
      }
      copy.principal = call.principal;
      copy.access_key_id = call.access_key_id;
      copy.source_ip = call.source_ip;
      copy.user_agent = call.user_agent;
      copy.request_id = call.request_id;
      copy.invocation_id = call.invocation_id;
      seen.calls.push_back(std::move(copy));
      return r;
    };
    auto started = HttpGateway::Start(o, lookup, handler);
    REQUIRE(started.ok());
    gateway = std::move(started).value();
    const std::string ep = gateway->endpoint();
    port = std::stoi(ep.substr(ep.rfind(':') + 1));
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port); }
  size_t calls() {
    std::lock_guard<std::mutex> lock(seen.mu);
    return seen.calls.size();
  }
  GatewayCall& last() {
    std::lock_guard<std::mutex> lock(seen.mu);
    return seen.calls.back();
  }
};

// A request signed as botocore signs it (content-type;host;x-amz-date;x-amz-target).
std::string Signed(const std::string& host, const std::string& target, const std::string& body,
                   std::vector<std::pair<std::string, std::string>> extra = {},
                   const std::string& secret = kSecret, const std::string& key_id = kKeyId,
                   const std::string& amz_date = kAmzDate, bool sign_extra = false) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", host}, {"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target},
      {"X-Amz-Date", amz_date}};
  std::vector<std::string> signed_names = {"content-type", "host", "x-amz-date", "x-amz-target"};
  if (sign_extra) {
    for (const auto& [n, v] : extra) {
      headers.emplace_back(n, v);
      std::string lower = n;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      signed_names.push_back(lower);
    }
    std::sort(signed_names.begin(), signed_names.end());
    extra.clear();
  }
  HttpRequestView view;
  view.method = "POST";
  view.path = "/";
  view.headers = headers;
  view.body = body;
  CredentialScope scope{key_id, amz_date.substr(0, 8), "us-east-1", "secretsmanager"};
  const std::string auth = SignRequest(view, signed_names, scope, amz_date, crypto::AsBytes(secret));
  std::string out = "POST / HTTP/1.1\r\n";
  for (const auto& [n, v] : headers) out += n + ": " + v + "\r\n";
  for (const auto& [n, v] : extra) out += n + ": " + v + "\r\n";
  out += "Authorization: " + auth + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

TEST_CASE("A signed call reaches the handler with its principal, value and invocation id", "[gateway]") {
  Fixture f;
  f.next.body = {{"ARN", "arn:x"}, {"Name", "db"}, {"VersionId", "v1"}, {"VersionStages", {"AWSCURRENT"}},
                 {"CreatedDate", 1700000000.5}};
  f.next.values.push_back({0, service::SecretValue{projections::ValueKind::kString,
                                                   crypto::SecureBuffer::FromString("s3cr3t")}});
  Conn c(f.port);
  c.Send(Signed(f.host(), "secretsmanager.GetSecretValue", R"({"SecretId": "db"})",
                {{"amz-sdk-invocation-id", "0b1a7f9e-1111-4222-8333-944455556666"}, {"User-Agent", "Boto3/1.26.27"}}));
  Reply r = c.Read();
  REQUIRE(r.status == 200);
  CHECK(r.headers.find("content-type: application/x-amz-json-1.1") != std::string::npos);
  CHECK(r.headers.find("x-amzn-requestid: ") != std::string::npos);
  CHECK(r.headers.find("\r\ndate: ") != std::string::npos);
  // The value sits right after VersionId, dates are numbers.
  CHECK(r.body == R"({"ARN":"arn:x","Name":"db","VersionId":"v1","SecretString":"s3cr3t",)"
                  R"("VersionStages":["AWSCURRENT"],"CreatedDate":1700000000.5})");
  REQUIRE(f.calls() == 1);
  GatewayCall& call = f.last();
  CHECK(call.request.operation == "GetSecretValue");
  CHECK(call.request.params == Json{{"SecretId", "db"}});
  CHECK(call.principal == "alice");
  CHECK(call.access_key_id == kKeyId);
  CHECK(call.source_ip == "127.0.0.1");
  CHECK(call.user_agent == "Boto3/1.26.27");
  CHECK(call.invocation_id == "0b1a7f9e-1111-4222-8333-944455556666");
  CHECK(r.headers.find("x-amzn-requestid: " + call.request_id) != std::string::npos);

  SECTION("the connection stays open for the next call (keep-alive)") {
    c.Send(Signed(f.host(), "secretsmanager.DescribeSecret", R"({"SecretId":"db"})"));
    CHECK(c.Read().status == 200);
    CHECK(f.calls() == 2);
  }
}

TEST_CASE("SecretString and base64 SecretBinary become the request value, out of the params", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  c.Send(Signed(f.host(), "secretsmanager.CreateSecret",
                R"({"Name":"b","ClientRequestToken":"11111111-2222-4333-8444-555555555555","SecretBinary":"AAECZHVtbXn/"})"));
  REQUIRE(c.Read().status == 200);
  GatewayCall& call = f.last();
  REQUIRE(call.request.value.has_value());
  CHECK(call.request.value->kind == projections::ValueKind::kBinary);
  const std::string expected("\x00\x01\x02" "dummy\xff", 9);
  CHECK(std::string(call.request.value->bytes.as_string_view()) == expected);
  CHECK_FALSE(call.request.params.contains("SecretBinary"));
  CHECK(call.request.params["Name"] == "b");
}

TEST_CASE("An authenticated body that is not JSON still reaches the service, as a decode error", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  f.next.error = service::ApiError{"SerializationException", "The request body is not a JSON object (AWS JSON 1.1)"};
  c.Send(Signed(f.host(), "secretsmanager.GetSecretValue", "{not json"));
  Reply r = c.Read();
  CHECK(r.status == 400);
  CHECK(r.json()["__type"] == "SerializationException");
  REQUIRE(f.calls() == 1);
  REQUIRE(f.last().request.decode_error.has_value());
  CHECK(f.last().request.decode_error->code == "SerializationException");
}

TEST_CASE("Service errors keep AWS's name in __type and use 400, or 500 for InternalServiceError", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  f.next.error = service::ApiError{"ResourceNotFoundException", "Secrets Manager can't find the specified secret."};
  c.Send(Signed(f.host(), "secretsmanager.GetSecretValue", R"({"SecretId":"x"})"));
  Reply r = c.Read();
  CHECK(r.status == 400);
  CHECK(r.json() == Json{{"__type", "ResourceNotFoundException"},
                         {"Message", "Secrets Manager can't find the specified secret."}});
  f.next.error = service::ApiError{"InternalServiceError", "disk"};
  c.Send(Signed(f.host(), "secretsmanager.GetSecretValue", R"({"SecretId":"x"})"));
  CHECK(c.Read().status == 500);
}

TEST_CASE("Authentication failures get AWS's error names, never reach the service, and are counted", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  auto expect = [&](const std::string& request, const std::string& type) {
    c.Send(request);
    Reply r = c.Read();
    INFO(request);
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["__type"] == type);
  };
  const std::string body = R"({"SecretId":"db"})";
  expect("POST / HTTP/1.1\r\nHost: " + f.host() +
             "\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\nContent-Length: 2\r\n\r\n{}",
         "MissingAuthenticationTokenException");
  expect(Signed(f.host(), "secretsmanager.GetSecretValue", body, {}, "not-the-secret"), "InvalidSignatureException");
  expect(Signed(f.host(), "secretsmanager.GetSecretValue", body, {}, kSecret, "AKIAUNKNOWNUNKNOWN00"),
         "UnrecognizedClientException");
  // Cairn issues no session tokens: a signed one is never valid; an unsigned one is a malformed signature.
  expect(Signed(f.host(), "secretsmanager.GetSecretValue", body, {{"X-Amz-Security-Token", "tok"}}, kSecret, kKeyId,
                kAmzDate, /*sign_extra=*/true),
         "UnrecognizedClientException");
  expect(Signed(f.host(), "secretsmanager.GetSecretValue", body, {{"X-Amz-Security-Token", "tok"}}),
         "IncompleteSignatureException");
  // The body is covered by the signature: a changed body fails.
  std::string tampered = Signed(f.host(), "secretsmanager.GetSecretValue", body);
  tampered.replace(tampered.size() - 3, 2, "xx");
  expect(tampered, "InvalidSignatureException");
  f.key_active = false;  // deactivated or deleted
  expect(Signed(f.host(), "secretsmanager.GetSecretValue", body), "UnrecognizedClientException");
  CHECK(f.calls() == 0);
  GatewayRefusals refused = f.gateway->TakeRefusals();
  CHECK(refused.attempts == 7);
  CHECK(refused.distinct_keys == 2);
  CHECK(f.gateway->TakeRefusals().attempts == 0);
}

TEST_CASE("A request signed more than 15 minutes from the server's clock is refused", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  const std::string request = Signed(f.host(), "secretsmanager.ListSecrets", "{}");
  f.now = kNow + 15 * 60;
  c.Send(request);
  CHECK(c.Read().status == 200);
  f.now = kNow + 15 * 60 + 1;
  c.Send(request);
  Reply late = c.Read();
  CHECK(late.json()["__type"] == "InvalidSignatureException");
  CHECK(late.json()["Message"].get<std::string>().find("Signature expired") != std::string::npos);
  f.now = kNow - 15 * 60 - 1;
  c.Send(request);
  CHECK(c.Read().json()["__type"] == "InvalidSignatureException");
}

TEST_CASE("Unknown targets, other methods and duplicated headers get AWS-shaped errors", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  c.Send(Signed(f.host(), "secretsmanager.DeleteEverything", "{}"));
  Reply unknown = c.Read();
  CHECK(unknown.status == 400);
  CHECK(unknown.json()["__type"] == "UnknownOperationException");
  c.Send(Signed(f.host(), "kms.Decrypt", "{}"));
  CHECK(c.Read().json()["__type"] == "UnknownOperationException");
  // Authenticated, so each reached the service (one event each), as a decode error.
  REQUIRE(f.calls() == 2);
  CHECK(f.last().request.operation == "kms.Decrypt");
  CHECK(f.last().request.decode_error->code == "UnknownOperationException");
  c.Send("GET / HTTP/1.1\r\nHost: " + f.host() + "\r\n\r\n");
  CHECK(c.Read().json()["__type"] == "UnknownOperationException");
  std::string twice = Signed(f.host(), "secretsmanager.ListSecrets", "{}");
  twice.insert(twice.find("\r\n") + 2, "X-Amz-Target: secretsmanager.DeleteSecret\r\n");
  c.Send(twice);
  Reply dup = c.Read();
  CHECK(dup.status == 400);
  CHECK(dup.json()["__type"] == "IncompleteSignatureException");
  CHECK(f.calls() == 2);
}

TEST_CASE("A signed call with no X-Amz-Target is one handler call and an UnknownOperationException", "[gateway]") {
  Fixture f;
  Conn c(f.port);
  // Signed as botocore would sign it, minus the target: the signature is valid.
  const std::string body = "{}";
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", f.host()}, {"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Date", kAmzDate}};
  HttpRequestView view;
  view.method = "POST";
  view.path = "/";
  view.headers = headers;
  view.body = body;
  CredentialScope scope{kKeyId, std::string(kAmzDate).substr(0, 8), "us-east-1", "secretsmanager"};
  const std::string auth =
      SignRequest(view, {"content-type", "host", "x-amz-date"}, scope, kAmzDate, crypto::AsBytes(kSecret));
  std::string request = "POST / HTTP/1.1\r\n";
  for (const auto& [n, v] : headers) request += n + ": " + v + "\r\n";
  request += "Authorization: " + auth + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  c.Send(request);
  Reply r = c.Read();
  CHECK(r.status == 400);
  CHECK(r.json()["__type"] == "UnknownOperationException");
  CHECK(r.json()["Message"] == "The X-Amz-Target header is missing");
  // Authenticated, so it reached the service once (one event), as a decode error
  // under the operation name as sent: none.
  REQUIRE(f.calls() == 1);
  CHECK(f.last().principal == "alice");
  CHECK(f.last().access_key_id == kKeyId);
  CHECK(f.last().request.operation.empty());
  REQUIRE(f.last().request.decode_error.has_value());
  CHECK(f.last().request.decode_error->code == "UnknownOperationException");
  // The connection stays usable: a proper call on it is the second handler call.
  c.Send(Signed(f.host(), "secretsmanager.ListSecrets", "{}"));
  CHECK(c.Read().status == 200);
  CHECK(f.calls() == 2);
}

TEST_CASE("An oversized body is refused with 413 and an AWS-shaped body", "[gateway]") {
  Fixture f(/*max_body=*/1024);
  Conn c(f.port);
  c.Send(Signed(f.host(), "secretsmanager.CreateSecret", R"({"Name":")" + std::string(2000, 'a') + R"("})"));
  Reply r = c.Read();
  CHECK(r.status == 413);
  CHECK(r.json()["__type"] == "SerializationException");
  CHECK(f.calls() == 0);
}

TEST_CASE("Malformed HTTP and slow clients do not stall the gateway", "[gateway]") {
  Fixture f(256 * 1024, /*read_timeout_ms=*/300);
  Conn garbage(f.port);
  garbage.Send("\x16\x03\x01 this is not http\r\n\r\n");
  Reply g = garbage.Read(2000);
  CHECK((g.closed || g.status == 400));
  Conn slow(f.port);
  slow.Send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"Sec");  // and then nothing
  // Meanwhile another client is served at once.
  Conn other(f.port);
  other.Send(Signed(f.host(), "secretsmanager.ListSecrets", "{}"));
  CHECK(other.Read(2000).status == 200);
  // The silent client gets an AWS-shaped 400 (or a close) after the read timeout.
  Reply dropped = slow.Read(3000);
  INFO(dropped.body);
  CHECK((dropped.closed || (dropped.status == 400 && dropped.json().contains("__type"))));
}

TEST_CASE("Stop lets a call in flight finish before it returns", "[gateway]") {
  Fixture f;
  std::atomic<bool> release{false};
  // A handler that blocks until released, to hold a call in flight.
  GatewayOptions o;
  o.endpoint = "127.0.0.1:0";
  o.now_unix_seconds = [] { return kNow; };
  auto secret = std::make_shared<const crypto::SecureBuffer>(crypto::SecureBuffer::FromString(kSecret));
  auto started = HttpGateway::Start(
      o, [&](std::string_view) { return std::optional<AccessKeyGrant>(AccessKeyGrant{"alice", secret}); },
      [&](GatewayCall&) {
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return service::Response{};
      });
  REQUIRE(started.ok());
  HttpGateway& g = **started;
  const std::string ep = g.endpoint();
  Conn c(std::stoi(ep.substr(ep.rfind(':') + 1)));
  c.Send(Signed(ep, "secretsmanager.ListSecrets", "{}"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread stopper([&] { g.Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release = true;
  Reply r = c.Read();
  stopper.join();
  CHECK(r.status == 200);
}

TEST_CASE("EnsureDevCertificate makes a certificate and key the HTTPS gateway serves with", "[gateway]") {
  char dir_template[] = "/tmp/cairn-gw-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  REQUIRE(EnsureDevCertificate(dir + "/c.pem", dir + "/k.pem").ok());
  GatewayOptions o;
  o.endpoint = "127.0.0.1:0";
  o.tls_cert_file = dir + "/c.pem";
  o.tls_key_file = dir + "/k.pem";
  auto started = HttpGateway::Start(o, [](std::string_view) { return std::optional<AccessKeyGrant>(); },
                                    [](GatewayCall&) { return service::Response{}; });
  REQUIRE(started.ok());
  CHECK((*started)->tls());
  // A certificate and key that do not belong together are refused at start.
  REQUIRE(EnsureDevCertificate(dir + "/c2.pem", dir + "/k2.pem").ok());
  o.tls_key_file = dir + "/k2.pem";
  CHECK_FALSE(HttpGateway::Start(o, nullptr, nullptr).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::gateway
