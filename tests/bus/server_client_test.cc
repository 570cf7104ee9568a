#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/client.h"
#include "bus/context.h"
#include "bus/server.h"
#include "bus/wire.h"

namespace cairn::bus {
namespace {

using Clock = std::chrono::steady_clock;

long MsSince(Clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

CurveKeyPair NewKey() { return std::move(NewCurveKeyPair().value()); }

CurveKeyPair Clone(const CurveKeyPair& k) { return {k.public_z85, k.secret_z85.Clone()}; }

// Hands requests to a worker thread, which answers through Reply() the way
// the daemon's workers do. By default it echoes: body_json = params_json, the
// value back, error_message = the principal.
class Worker {
 public:
  using Answer = std::function<void(ApiServer&, IncomingRequest)>;
  explicit Worker(Answer answer = Echo) : answer_(std::move(answer)), thread_([this] { Run(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  ApiServer::Handler handler() {
    return [this](IncomingRequest r) {
      ++handled;
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  void set_server(ApiServer* server) { server_ = server; }

  static void Echo(ApiServer& server, IncomingRequest r) {
    ApiResponseMsg reply;
    reply.request_id = r.request.request_id;
    reply.body_json = r.request.params_json;
    reply.error_message = r.principal;
    if (r.request.value) {
      reply.values.push_back({0, r.request.value->kind, r.request.value->bytes.Clone()});
    }
    server.Reply(r.reply_to, reply);
  }

  std::atomic<int> handled{0};

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return done_ || (!queue_.empty() && server_ != nullptr); });
      if (done_) return;
      IncomingRequest r = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      answer_(*server_, std::move(r));
      lock.lock();
    }
  }

  Answer answer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<IncomingRequest> queue_;
  std::atomic<ApiServer*> server_{nullptr};
  bool done_ = false;
  std::thread thread_;
};

// A context whose KeyLookup knows the keys enrolled so far, a server key, one
// enrolled client key ("alice") and a server on a free local port.
struct Bus {
  explicit Bus(ServerOptions options = {}, Worker::Answer answer = Worker::Echo)
      : worker(std::move(answer)) {
    Enroll(client_key.public_z85, "alice");
    context = std::move(BusContext::Create([this](std::string_view key, std::string_view domain,
                                                  std::string_view) -> std::optional<std::string> {
                          std::lock_guard lock(mu);
                          auto it = enrolled.find(std::string(key));
                          if (it == enrolled.end() || domain != "api") return std::nullopt;
                          return it->second;
                        }).value());
    options.endpoint = "tcp://127.0.0.1:*";
    options.server_key = &server_key;
    this->options = options;
    StartServer();
  }
  ~Bus() {
    server.reset();  // before the context
  }
  void StartServer() {
    auto bound = ApiServer::Bind(*context, options, worker.handler());
    REQUIRE(bound.ok());
    server = std::move(bound).value();
    worker.set_server(server.get());
    options.endpoint = server->endpoint();
  }
  void Enroll(const std::string& key, const std::string& name) {
    std::lock_guard lock(mu);
    enrolled[key] = name;
  }
  ClientOptions ClientFor(const CurveKeyPair& key, uint32_t deadline_ms = 5000) const {
    ClientOptions c;
    c.api_endpoint = server->endpoint();
    c.server_public_z85 = server_key.public_z85;
    c.client_key = Clone(key);
    c.deadline_ms = deadline_ms;
    return c;
  }
  std::unique_ptr<Client> Connect(uint32_t deadline_ms = 5000) {
    auto c = Client::Connect(ClientFor(client_key, deadline_ms));
    REQUIRE(c.ok());
    return std::move(c).value();
  }

  CurveKeyPair server_key = NewKey();
  CurveKeyPair client_key = NewKey();
  std::mutex mu;
  std::map<std::string, std::string> enrolled;
  Worker worker;
  std::unique_ptr<BusContext> context;
  ServerOptions options;
  std::unique_ptr<ApiServer> server;
};

ApiRequestMsg Request(const std::string& params, const std::string& id = "") {
  ApiRequestMsg r;
  r.request_id = id;
  r.operation = "GetSecretValue";
  r.params_json = params;
  return r;
}

// A DEALER that speaks raw frames, authenticated as `key`.
struct RawDealer {
  RawDealer(const Bus& bus, const CurveKeyPair& key) : socket(context, zmq::socket_type::dealer) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, 5000);
    socket.set(zmq::sockopt::curve_serverkey, bus.server_key.public_z85);
    socket.set(zmq::sockopt::curve_publickey, key.public_z85);
    socket.set(zmq::sockopt::curve_secretkey, std::string(key.secret_z85.as_string_view()));
    socket.connect(bus.server->endpoint());
  }
  ApiResponseMsg Exchange(std::vector<std::string> frames) {
    zmq::multipart_t out;
    for (auto& f : frames) out.addstr(f);
    out.send(socket);
    zmq::message_t reply;
    REQUIRE(socket.recv(reply));
    auto decoded = DecodeResponse(crypto::ByteView(reply.data<uint8_t>(), reply.size()));
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  }
  zmq::context_t context;
  zmq::socket_t socket;
};

std::string Encoded(const ApiRequestMsg& r) {
  return std::string(EncodeRequest(r).as_string_view());
}

TEST_CASE("a call is answered by a handler replying from another thread", "[bus]") {
  Bus bus;
  auto client = bus.Connect();
  ApiRequestMsg request = Request(R"({"SecretId":"prod/db"})");
  request.value = WireValue{0, 2, crypto::SecureBuffer::FromString("binary\x01")};
  auto reply = client->Call(std::move(request));
  REQUIRE(reply.ok());
  CHECK(reply->error_code.empty());
  CHECK(reply->body_json == R"({"SecretId":"prod/db"})");
  CHECK(reply->error_message == "alice");  // the ZAP User-Id reached the handler
  CHECK(reply->request_id.size() == 36);   // a UUID was filled in
  REQUIRE(reply->values.size() == 1);
  CHECK(reply->values[0].kind == 2);
  CHECK(reply->values[0].bytes.as_string_view() == "binary\x01");
  CHECK(bus.server->stats().requests == 1);
  CHECK(bus.server->stats().replies == 1);
  CHECK(bus.context->TakeRefusals().attempts == 0);
}

TEST_CASE("the handler sees the principal, peer address, deadline and user agent", "[bus]") {
  std::mutex mu;
  std::vector<IncomingRequest> seen;
  Bus bus({}, [&](ApiServer& server, IncomingRequest r) {
    ApiResponseMsg reply;
    reply.request_id = r.request.request_id;
    ReplyTo to = r.reply_to;
    {
      std::lock_guard lock(mu);
      seen.push_back(std::move(r));
    }
    server.Reply(to, reply);
  });
  auto client = bus.Connect(1234);
  REQUIRE(client->Call(Request("{}", "my-id")).ok());
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].principal == "alice");
  CHECK(seen[0].peer_address.find("127.0.0.1") != std::string::npos);
  CHECK(seen[0].request.request_id == "my-id");
  CHECK(seen[0].request.deadline_ms == 1234);
  CHECK(seen[0].request.user_agent == "cairn-client/0.2");
  CHECK_FALSE(seen[0].reply_to.routing_id.empty());
}

TEST_CASE("sixteen threads calling one client concurrently each get their own replies", "[bus]") {
  Bus bus;
  auto client = bus.Connect();
  constexpr int kThreads = 16, kCalls = 150;
  std::atomic<int> matched{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        std::string params = R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}";
        auto reply = client->Call(Request(params));
        (reply.ok() && reply->body_json == params ? matched : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(matched == kThreads * kCalls);
  CHECK(bus.server->stats().requests == kThreads * kCalls);
}

TEST_CASE("many requests in flight at once are matched when answered in reverse order", "[bus]") {
  constexpr int kInFlight = 64;
  std::mutex mu;
  std::vector<IncomingRequest> held;
  Bus bus({}, [&](ApiServer& server, IncomingRequest r) {
    std::lock_guard lock(mu);
    held.push_back(std::move(r));
    if (held.size() < kInFlight) return;
    for (auto it = held.rbegin(); it != held.rend(); ++it) Worker::Echo(server, std::move(*it));
    held.clear();
  });
  auto client = bus.Connect();
  std::atomic<int> matched{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInFlight; ++i) {
    threads.emplace_back([&, i] {
      std::string params = R"({"i":)" + std::to_string(i) + "}";
      auto reply = client->Call(Request(params));
      if (reply.ok() && reply->body_json == params) ++matched;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(matched == kInFlight);
}

TEST_CASE("an unknown client key is PermissionDenied within two seconds and counted", "[bus]") {
  Bus bus;
  CurveKeyPair stranger = NewKey();
  auto client = Client::Connect(bus.ClientFor(stranger, 10000));
  REQUIRE(client.ok());
  auto start = Clock::now();
  auto reply = (*client)->Call(Request("{}"));
  CHECK(MsSince(start) < 2000);
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status() ==
        PermissionDeniedError("cairnd at " + bus.server->endpoint() +
                              " refused this client's key (not enrolled or disabled)"));
  start = Clock::now();
  auto again = (*client)->Call(Request("{}"));
  CHECK(MsSince(start) < 100);  // fails fast while refused
  CHECK(again.status().code() == StatusCode::kPermissionDenied);
  Refusals refusals = bus.context->TakeRefusals();
  CHECK(refusals.attempts >= 1);
  CHECK(refusals.distinct_keys == 1);
  CHECK(bus.context->TakeRefusals().attempts == 0);  // taking resets
  CHECK(bus.worker.handled == 0);

  SECTION("and works once the key is enrolled") {
    bus.Enroll(stranger.public_z85, "late");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto later = (*client)->Call(Request("{}"));
    REQUIRE(later.ok());
    CHECK(later->error_message == "late");
  }
}

TEST_CASE("a wrong server public key is Unavailable when the deadline passes", "[bus]") {
  Bus bus;
  ClientOptions options = bus.ClientFor(bus.client_key, 300);
  options.server_public_z85 = NewKey().public_z85;
  auto client = Client::Connect(std::move(options));
  REQUIRE(client.ok());
  auto start = Clock::now();
  auto reply = (*client)->Call(Request("{}"));
  const long elapsed = MsSince(start);
  CHECK(elapsed >= 290);
  CHECK(elapsed < 2000);
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status() ==
        UnavailableError("no reply from cairnd at " + bus.server->endpoint() +
                         " within 300 ms (is it running? is the server key right?)"));
}

TEST_CASE("nobody listening is Unavailable when the deadline passes", "[bus]") {
  Bus bus;
  ClientOptions options = bus.ClientFor(bus.client_key, 200);
  options.api_endpoint = "tcp://127.0.0.1:1";
  auto client = Client::Connect(std::move(options));
  REQUIRE(client.ok());
  auto reply = (*client)->Call(Request("{}"));
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status().code() == StatusCode::kUnavailable);
  CHECK(reply.status().message().find("tcp://127.0.0.1:1 within 200 ms") != std::string::npos);
}

TEST_CASE("garbage frames get a ValidationException reply and the server keeps serving", "[bus]") {
  Bus bus;
  RawDealer raw(bus, bus.client_key);
  SECTION("bytes that are not a request") {
    ApiResponseMsg reply = raw.Exchange({"garbage"});
    CHECK(reply.request_id.empty());
    CHECK(reply.error_code == "ValidationException");
    CHECK(reply.error_message.find("verifier") != std::string::npos);
  }
  SECTION("a valid request followed by an extra frame keeps its request id") {
    ApiResponseMsg reply = raw.Exchange({Encoded(Request("{}", "extra-1")), "more"});
    CHECK(reply.request_id == "extra-1");
    CHECK(reply.error_code == "ValidationException");
    CHECK(reply.error_message == "a request is one frame, got 2");
  }
  SECTION("an empty delimiter before the request") {
    ApiResponseMsg reply = raw.Exchange({"", Encoded(Request("{}", "delim-1"))});
    CHECK(reply.error_code == "ValidationException");
  }
  SECTION("a request without an operation keeps its request id") {
    ApiRequestMsg r = Request("{}", "no-op");
    r.operation.clear();
    ApiResponseMsg reply = raw.Exchange({Encoded(r)});
    CHECK(reply.request_id == "no-op");
    CHECK(reply.error_code == "ValidationException");
    CHECK(reply.error_message == "ApiRequest no-op has no operation");
  }
  CHECK(bus.server->stats().malformed == 1);
  CHECK(bus.worker.handled == 0);
  auto client = bus.Connect();
  auto ok = client->Call(Request(R"({"still":"serving"})"));
  REQUIRE(ok.ok());
  CHECK(ok->body_json == R"({"still":"serving"})");
}

TEST_CASE("an oversized frame is refused before decoding", "[bus]") {
  ServerOptions options;
  options.max_frame_bytes = 1024;
  Bus bus(options);
  auto client = bus.Connect();
  auto reply = client->Call(Request(R"({"pad":")" + std::string(2000, 'x') + "\"}", "big-1"));
  REQUIRE(reply.ok());
  CHECK(reply->request_id == "big-1");
  CHECK(reply->error_code == "ValidationException");
  CHECK(reply->error_message.find("exceeds the limit of 1024") != std::string::npos);
  CHECK(bus.server->stats().malformed == 1);
  CHECK(bus.worker.handled == 0);
  CHECK(client->Call(Request("{}")).ok());  // small ones still pass
}

TEST_CASE("requests beyond max_in_flight_per_peer get ThrottlingException", "[bus]") {
  constexpr int kLimit = 4, kCalls = 6;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<IncomingRequest> held;
  bool release = false;
  ServerOptions options;
  options.max_in_flight_per_peer = kLimit;
  Bus bus(options, [&](ApiServer& server, IncomingRequest r) {
    std::unique_lock lock(mu);
    if (release) {
      // The release can come before the worker has taken all kLimit calls
      // (they count as in flight from their arrival): answer the held ones too.
      for (auto& h : held) Worker::Echo(server, std::move(h));
      held.clear();
      return Worker::Echo(server, std::move(r));
    }
    held.push_back(std::move(r));
    cv.notify_all();
    if (held.size() < kLimit) return;
    cv.wait(lock, [&] { return release; });
    for (auto& h : held) Worker::Echo(server, std::move(h));
    held.clear();
  });
  auto client = bus.Connect();
  std::atomic<int> ok{0}, throttled{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&] {
      auto reply = client->Call(Request("{}"));
      if (!reply.ok()) return;  // counted as neither; Catch's macros are not thread-safe
      if (reply->error_code == "ThrottlingException") {
        ++throttled;
      } else if (reply->error_code.empty()) {
        ++ok;
      }
      std::lock_guard lock(mu);
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    REQUIRE(
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return throttled == kCalls - kLimit; }));
    release = true;
    cv.notify_all();
  }
  for (auto& t : threads) t.join();
  CHECK(ok == kLimit);
  CHECK(throttled == kCalls - kLimit);
  CHECK(bus.server->stats().throttled == kCalls - kLimit);
  CHECK(client->Call(Request("{}")).ok());  // replies freed the slots
}

TEST_CASE("the client survives a server restart on the same port", "[bus]") {
  Bus bus;
  auto client = bus.Connect(5000);
  REQUIRE(client->Call(Request("{}")).ok());
  bus.server.reset();
  ApiRequestMsg down = Request("{}");
  down.deadline_ms = 200;
  auto during = client->Call(std::move(down));
  CHECK(during.status().code() == StatusCode::kUnavailable);
  // The old listener closes asynchronously: retry the bind briefly.
  Result<std::unique_ptr<ApiServer>> again = UnavailableError("not yet");
  for (int attempt = 0; attempt < 50 && !again.ok(); ++attempt) {
    again = ApiServer::Bind(*bus.context, bus.options, bus.worker.handler());
    if (!again.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(again.ok());
  bus.server = std::move(again).value();
  bus.worker.set_server(bus.server.get());
  auto after = client->Call(Request(R"({"after":"restart"})"));
  REQUIRE(after.ok());
  CHECK(after->body_json == R"({"after":"restart"})");
}

TEST_CASE(
    "binding refuses a missing key, a context without ZAP, a taken address and a bad endpoint",
    "[bus]") {
  Bus bus;
  Worker worker;
  ServerOptions options;
  options.endpoint = "tcp://127.0.0.1:*";
  auto no_key = ApiServer::Bind(*bus.context, options, worker.handler());
  CHECK(no_key.status().code() == StatusCode::kInvalidArgument);

  options.server_key = &bus.server_key;
  auto plain = BusContext::Create(nullptr);
  REQUIRE(plain.ok());
  auto no_zap = ApiServer::Bind(**plain, options, worker.handler());
  CHECK(no_zap.status().code() == StatusCode::kFailedPrecondition);

  options.endpoint = bus.server->endpoint();
  auto taken = ApiServer::Bind(*bus.context, options, worker.handler());
  CHECK(taken.status().code() == StatusCode::kUnavailable);

  options.endpoint = "tcp://not an endpoint";
  auto bad = ApiServer::Bind(*bus.context, options, worker.handler());
  INFO(bad.status().message());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("stop is idempotent and the destructor after it does not hang", "[bus]") {
  Bus bus;
  auto client = bus.Connect(300);
  REQUIRE(client->Call(Request("{}")).ok());
  bus.server->Stop();
  bus.server->Stop();
  CHECK(client->Call(Request("{}")).status().code() == StatusCode::kUnavailable);
  bus.server.reset();
}

TEST_CASE("connecting with malformed keys is InvalidArgument", "[bus]") {
  ClientOptions options;
  options.client_key = NewKey();
  options.server_public_z85 = "short";
  CHECK(Client::Connect(std::move(options)).status().code() == StatusCode::kInvalidArgument);
  ClientOptions no_client_key;
  no_client_key.server_public_z85 = NewKey().public_z85;
  CHECK(Client::Connect(std::move(no_client_key)).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a context with and without a KeyLookup shuts down promptly", "[bus]") {
  auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    auto with =
        BusContext::Create([](auto, auto, auto) { return std::optional<std::string>("p"); });
    REQUIRE(with.ok());
    auto without = BusContext::Create(nullptr);
    REQUIRE(without.ok());
    CHECK((*without)->TakeRefusals().attempts == 0);
  }
  CHECK(MsSince(start) < 2000);
}

}  // namespace
}  // namespace cairn::bus
