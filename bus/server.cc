#include "bus/server.h"

#include <pthread.h>
#include <atomic>
#include <chrono>
#include <deque>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/internal/context_impl.h"
#include "bus/internal/wiped_message.h"
#include "bus/internal/wire_peek.h"
#include "bus/internal/zmq_status.h"

namespace cairn::bus {
namespace {

constexpr int kHighWaterMark = 100000;
constexpr int kLingerMs = 500;
constexpr int kMaxReadsPerWakeup = 256;  // then replies get their turn

struct Outgoing {
  std::string routing_id;
  crypto::SecureBuffer payload;
  bool from_handler = true;  // counts against the peer's in-flight requests
};

std::string Property(const zmq::message_t& message, const char* name) {
  const char* value = zmq_msg_gets(message.handle(), name);
  return value ? value : "";
}

ApiResponseMsg ErrorResponse(std::string request_id, std::string code, std::string message) {
  ApiResponseMsg r;
  r.request_id = std::move(request_id);
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  return r;
}

}  // namespace

struct ApiServer::Impl {
  Impl(zmq::context_t& context, ServerOptions options, Handler handler)
      : options(std::move(options)),
        handler(std::move(handler)),
        router(context, zmq::socket_type::router),
        wake_rx(context, zmq::socket_type::pull),
        wake_tx(context, zmq::socket_type::push) {
    this->options.server_key = nullptr;  // borrowed only during Bind
  }

  Status Open();
  void Run();
  void ReadRequests();
  void HandleFrames(std::vector<zmq::message_t>& frames);
  void Refuse(const std::string& routing_id, std::string request_id, const std::string& why);
  void SendQueued();
  void Send(Outgoing out);
  void Enqueue(Outgoing out);

  ServerOptions options;
  Handler handler;
  std::string endpoint;
  zmq::socket_t router;   // the I/O thread's
  zmq::socket_t wake_rx;  // the I/O thread's
  std::thread thread;
  std::unordered_map<std::string, size_t> in_flight;  // the I/O thread's, by routing id

  std::mutex stop_mu;     // serializes Stop()
  std::mutex mu;          // guards the fields below and wake_tx
  zmq::socket_t wake_tx;  // Enqueue's signal to the I/O thread
  std::deque<Outgoing> queue;
  bool stopping = false;
  bool stopped = false;  // the thread has been joined

  std::atomic<uint64_t> requests{0}, malformed{0}, throttled{0}, replies{0};
};

Status ApiServer::Impl::Open() {
  // inproc names are freed only when libzmq reaps the closed socket, later:
  // never reuse one (an address would be, by the next server's Impl).
  static std::atomic<uint64_t> next_id{0};
  const std::string wake_endpoint = "inproc://cairn.api.wake." + std::to_string(next_id++);
  wake_rx.set(zmq::sockopt::linger, 0);
  wake_tx.set(zmq::sockopt::linger, 0);
  wake_rx.bind(wake_endpoint);
  wake_tx.connect(wake_endpoint);
  router.set(zmq::sockopt::linger, kLingerMs);
  router.set(zmq::sockopt::sndhwm, kHighWaterMark);
  router.set(zmq::sockopt::rcvhwm, kHighWaterMark);
  router.set(zmq::sockopt::router_mandatory, 0);  // a reply to a gone peer is dropped
  router.set(zmq::sockopt::router_handover, 0);
  // Frames a little over the limit get a polite refusal; grossly larger ones
  // make libzmq drop the connection before buffering them.
  router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(2 * options.max_frame_bytes + 65536));
  router.set(zmq::sockopt::zap_domain, "api");
  router.set(zmq::sockopt::curve_server, 1);
  return Status::Ok();
}

void ApiServer::Impl::Run() {
  pthread_setname_np(pthread_self(), "cairn-api-io");
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                             {wake_rx.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    while (true) {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
      if (items[1].revents & ZMQ_POLLIN) {
        zmq::message_t signal;
        while (wake_rx.recv(signal, zmq::recv_flags::dontwait)) {
        }
        SendQueued();
        std::lock_guard lock(mu);
        if (stopping && queue.empty()) return;
      }
      if (items[0].revents & ZMQ_POLLIN) ReadRequests();
    }
  } catch (const zmq::error_t&) {
    // ETERM: the context is going away under us; nothing left to serve.
  }
}

void ApiServer::Impl::ReadRequests() {
  for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
    HandleFrames(frames);
    for (zmq::message_t& frame : frames) internal::WipeMessage(frame);
  }
}

void ApiServer::Impl::HandleFrames(std::vector<zmq::message_t>& frames) {
  if (frames.size() < 2) return;  // a ROUTER always prefixes the routing id
  std::string routing_id = frames[0].to_string();
  const zmq::message_t& payload = frames[1];
  crypto::ByteView bytes(payload.data<uint8_t>(), payload.size());
  if (frames.size() > 2) {
    return Refuse(routing_id, internal::PeekRequestId(bytes),
                  "a request is one frame, got " + std::to_string(frames.size() - 1));
  }
  if (payload.size() > options.max_frame_bytes) {
    return Refuse(routing_id, internal::PeekRequestId(bytes),
                  "request of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                      std::to_string(options.max_frame_bytes));
  }
  Result<ApiRequestMsg> request = DecodeRequest(bytes);
  if (!request.ok())
    return Refuse(routing_id, internal::PeekRequestId(bytes), request.status().message());
  size_t& count = in_flight[routing_id];
  if (count >= options.max_in_flight_per_peer) {
    if (count == 0) in_flight.erase(routing_id);
    ++throttled;
    Send({routing_id,
          EncodeResponse(ErrorResponse(request->request_id, "ThrottlingException",
                                       "more than " +
                                           std::to_string(options.max_in_flight_per_peer) +
                                           " requests in flight on this connection")),
          false});
    return;
  }
  ++count;
  ++requests;
  IncomingRequest incoming{{routing_id},
                           Property(payload, "User-Id"),
                           Property(payload, "Peer-Address"),
                           std::move(request).value()};
  std::string request_id = incoming.request.request_id;
  try {
    handler(std::move(incoming));
  } catch (...) {
    // The handler must not throw; if it does, the caller still gets an answer.
    Send({routing_id,
          EncodeResponse(
              ErrorResponse(request_id, "InternalServiceError", "request handler failed")),
          true});
  }
}

void ApiServer::Impl::Refuse(const std::string& routing_id, std::string request_id,
                             const std::string& why) {
  ++malformed;
  Send({routing_id,
        EncodeResponse(ErrorResponse(std::move(request_id), "ValidationException", why)), false});
}

void ApiServer::Impl::SendQueued() {
  std::deque<Outgoing> batch;
  {
    std::lock_guard lock(mu);
    batch.swap(queue);
  }
  for (Outgoing& out : batch) Send(std::move(out));
}

void ApiServer::Impl::Send(Outgoing out) {
  if (out.from_handler) {
    auto it = in_flight.find(out.routing_id);
    if (it != in_flight.end() && --it->second == 0) in_flight.erase(it);
  }
  ++replies;  // before the send, so a caller that has its reply sees it counted
  zmq::message_t id(out.routing_id.data(), out.routing_id.size());
  // With router_mandatory off, neither send blocks nor fails for a gone or
  // full peer: the reply is dropped.
  router.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  router.send(internal::WipedMessage(std::move(out.payload)), zmq::send_flags::dontwait);
}

void ApiServer::Impl::Enqueue(Outgoing out) {
  std::lock_guard lock(mu);
  if (stopped) return;
  const bool was_empty = queue.empty();
  queue.push_back(std::move(out));
  if (!was_empty) return;  // the I/O thread has a signal pending
  try {
    wake_tx.send(zmq::message_t(), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // Only ETERM: the context is ending and the reply cannot go anywhere.
  }
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() {
  Stop();
  // The sockets close as Impl's members; linger is bounded.
}

Result<std::unique_ptr<ApiServer>> ApiServer::Bind(BusContext& context,
                                                   const ServerOptions& options, Handler handler) {
  if (options.server_key == nullptr ||
      !IsCurveKey(options.server_key->secret_z85.as_string_view())) {
    return InvalidArgumentError("the API server needs a CURVE key pair");
  }
  if (!context.impl().authenticates()) {
    return FailedPreconditionError(
        "the bus context has no KeyLookup: a CURVE server without ZAP would accept any client");
  }
  if (!handler) return InvalidArgumentError("the API server needs a handler");
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(context.impl().context, options, std::move(handler));
    RETURN_IF_ERROR(impl->Open());
    const crypto::SecureBuffer& secret = options.server_key->secret_z85;
    impl->router.set(zmq::sockopt::curve_secretkey,
                     zmq::const_buffer(secret.data(), secret.size()));
    impl->router.bind(options.endpoint);
    impl->endpoint = impl->router.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return internal::ZmqStatus(e, "binding the API at " + options.endpoint);
  }
  impl->thread = std::thread([i = impl.get()] { i->Run(); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::Reply(const ReplyTo& to, const ApiResponseMsg& response) {
  impl_->Enqueue({to.routing_id, EncodeResponse(response), true});
}

void ApiServer::Stop() {
  std::lock_guard stop_lock(impl_->stop_mu);
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopping = true;
    try {
      impl_->wake_tx.send(zmq::message_t(), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // ETERM: the thread has left already.
    }
  }
  // Called from the handler (the I/O thread itself) it cannot join: the loop
  // ends when it next wakes, and the destructor joins.
  if (std::this_thread::get_id() == impl_->thread.get_id()) return;
  if (impl_->thread.joinable()) impl_->thread.join();
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  try {
    impl_->router.unbind(impl_->endpoint);  // free the port now, not when the context ends
  } catch (const zmq::error_t&) {
    // Already unbound or the context is ending.
  }
}

const std::string& ApiServer::endpoint() const { return impl_->endpoint; }

ServerStats ApiServer::stats() const {
  return {impl_->requests.load(), impl_->malformed.load(), impl_->throttled.load(),
          impl_->replies.load()};
}

}  // namespace cairn::bus
