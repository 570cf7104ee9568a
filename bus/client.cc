#include "bus/client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/internal/wiped_message.h"
#include "bus/internal/wire_peek.h"
#include "bus/internal/zmq_status.h"
#include "crypto/random.h"

namespace cairn::bus {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kReconnectIvlMs = 100;
constexpr int kReconnectIvlMaxMs = 1000;
constexpr int kHighWaterMark = 10000;
// After the server refuses our key, calls fail at once for this long; the
// first call after it reconnects (the key may have been enrolled since).
constexpr auto kRefusalHold = std::chrono::milliseconds(kReconnectIvlMaxMs);
constexpr int kMonitorEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

// One ZeroMQ context (one I/O thread) for every Client of the process: many
// connections share its thread and its batching instead of a thread each.
// Never destroyed: a context's end waits for every socket, and clients may
// outlive static destruction.
zmq::context_t& SharedContext() {
  static zmq::context_t* context = new zmq::context_t(1);
  return *context;
}

// inproc endpoint names are per context, so unique across the process.
std::string InprocName(const char* what) {
  static std::atomic<uint64_t> counter{0};
  return std::string("inproc://cairn.client.") + what + "." + std::to_string(++counter);
}

// One call in flight, owned by its Call. The I/O thread takes it out of
// `pending` under the client's lock, then hands the result over under the
// call's own lock: a woken caller never waits for the client's lock, which the
// I/O thread holds again for the next reply of the same batch.
struct Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<ApiResponseMsg>> result;  // guarded by mu
  void Deliver(Result<ApiResponseMsg> r) {
    std::lock_guard lock(mu);
    result.emplace(std::move(r));
    cv.notify_one();
  }
};

struct Outgoing {
  std::string request_id;
  crypto::SecureBuffer frame;
};

}  // namespace

struct Client::Impl {
  explicit Impl(ClientOptions o) : options(std::move(o)) {}

  Status Start();
  void Run();
  void OpenDealer();
  void CloseDealer();
  void SendOutbox();
  void ReadReplies();
  void ReadMonitor();
  void Complete(const std::string& request_id, Result<ApiResponseMsg> result);
  void FailAllPending(const Status& status);
  Status Refused() const;
  void Wake();

  ClientOptions options;
  zmq::context_t& context = SharedContext();
  std::thread thread;

  // The I/O thread's.
  zmq::socket_t dealer;
  zmq::socket_t monitor;
  zmq::socket_t wake_rx;

  std::mutex mu;  // guards the fields below
  zmq::socket_t wake_tx;
  std::unordered_map<std::string, Pending*> pending;  // each owned by its Call
  std::deque<Outgoing> outbox;
  bool refused = false;
  Clock::time_point refused_at;
  bool reconnect = false;  // the dealer was closed after a refusal
  bool closing = false;
};

Status Client::Impl::Start() {
  wake_rx = zmq::socket_t(context, zmq::socket_type::pull);
  wake_tx = zmq::socket_t(context, zmq::socket_type::push);
  wake_rx.set(zmq::sockopt::linger, 0);
  wake_tx.set(zmq::sockopt::linger, 0);
  const std::string wake = InprocName("wake");
  wake_rx.bind(wake);
  wake_tx.connect(wake);
  OpenDealer();
  return Status::Ok();
}

void Client::Impl::OpenDealer() {
  dealer = zmq::socket_t(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::sndhwm, kHighWaterMark);
  dealer.set(zmq::sockopt::rcvhwm, kHighWaterMark);
  dealer.set(zmq::sockopt::reconnect_ivl, kReconnectIvlMs);
  dealer.set(zmq::sockopt::reconnect_ivl_max, kReconnectIvlMaxMs);
  dealer.set(zmq::sockopt::curve_serverkey, options.server_public_z85);
  dealer.set(zmq::sockopt::curve_publickey, options.client_key.public_z85);
  const crypto::SecureBuffer& secret = options.client_key.secret_z85;
  dealer.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
  const std::string monitor_endpoint = InprocName("monitor");
  if (zmq_socket_monitor(dealer.handle(), monitor_endpoint.c_str(), kMonitorEvents) != 0)
    throw zmq::error_t();
  monitor = zmq::socket_t(context, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::linger, 0);
  monitor.connect(monitor_endpoint);
  dealer.connect(options.api_endpoint);
}

void Client::Impl::CloseDealer() {
  // Closing drops what is still queued: a request whose caller was told
  // PermissionDenied must not be carried out later, after a reconnect.
  zmq_socket_monitor(dealer.handle(), nullptr, 0);
  monitor.close();
  dealer.close();
}

void Client::Impl::Run() {
  try {
    while (true) {
      std::vector<zmq::pollitem_t> items = {{wake_rx.handle(), 0, ZMQ_POLLIN, 0}};
      if (dealer) {
        items.push_back({dealer.handle(), 0, ZMQ_POLLIN, 0});
        items.push_back({monitor.handle(), 0, ZMQ_POLLIN, 0});
      }
      zmq::poll(items, std::chrono::milliseconds(-1));
      // Replies first: one that arrived before a refusal is still delivered.
      if (items.size() > 1 && (items[1].revents & ZMQ_POLLIN)) ReadReplies();
      if (items.size() > 2 && (items[2].revents & ZMQ_POLLIN))
        ReadMonitor();  // may close the dealer
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t signal;
        while (wake_rx.recv(signal, zmq::recv_flags::dontwait)) {
        }
        {
          std::lock_guard lock(mu);
          if (closing) return;
        }
        SendOutbox();
      }
    }
  } catch (const zmq::error_t& e) {
    FailAllPending(internal::ZmqStatus(e, "client I/O to " + options.api_endpoint));
  }
}

void Client::Impl::SendOutbox() {
  std::deque<Outgoing> batch;
  {
    std::lock_guard lock(mu);
    batch.swap(outbox);
    if (reconnect && !batch.empty()) {
      reconnect = false;
      if (!dealer) OpenDealer();
    }
  }
  for (Outgoing& out : batch) {
    {
      std::lock_guard lock(mu);
      if (!pending.contains(out.request_id)) continue;  // its caller gave up
    }
    if (!dealer ||
        !dealer.send(internal::WipedMessage(std::move(out.frame)), zmq::send_flags::dontwait)) {
      Complete(out.request_id, UnavailableError("the send queue to cairnd at " +
                                                options.api_endpoint + " is full"));
    }
  }
}

void Client::Impl::ReadReplies() {
  for (int i = 0; i < 1024; ++i) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(dealer, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
    if (frames.size() == 1) {
      crypto::ByteView bytes(frames[0].data<uint8_t>(), frames[0].size());
      Result<ApiResponseMsg> reply = DecodeResponse(bytes);
      if (reply.ok()) {
        std::string id = reply->request_id;
        Complete(id, std::move(reply));
      } else if (std::string id = internal::PeekResponseId(bytes); !id.empty()) {
        Complete(id, DataLossError("undecodable reply from cairnd: " + reply.status().message()));
      }
    }
    // Anything else (extra frames, unknown ids) is dropped.
    for (zmq::message_t& frame : frames) internal::WipeMessage(frame);
  }
}

void Client::Impl::ReadMonitor() {
  std::vector<zmq::message_t> frames;
  while (zmq::recv_multipart(monitor, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
    if (frames.empty() || frames[0].size() < sizeof(uint16_t)) continue;
    uint16_t event = 0;
    std::memcpy(&event, frames[0].data(), sizeof(event));
    frames.clear();
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      std::lock_guard lock(mu);
      refused = false;
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      {
        std::lock_guard lock(mu);
        refused = true;
        refused_at = Clock::now();
        reconnect = true;
      }
      FailAllPending(Refused());
      CloseDealer();
      return;  // the monitor socket is closed
    }
  }
}

Status Client::Impl::Refused() const {
  return PermissionDeniedError("cairnd at " + options.api_endpoint +
                               " refused this client's key (not enrolled or disabled)");
}

void Client::Impl::Complete(const std::string& request_id, Result<ApiResponseMsg> result) {
  Pending* entry = nullptr;
  {
    std::lock_guard lock(mu);
    auto it = pending.find(request_id);
    if (it == pending.end()) return;
    entry = it->second;
    pending.erase(it);  // its caller now waits for Deliver, even past its deadline
  }
  entry->Deliver(std::move(result));
}

void Client::Impl::FailAllPending(const Status& status) {
  std::unordered_map<std::string, Pending*> failed;
  {
    std::lock_guard lock(mu);
    failed.swap(pending);
  }
  for (auto& [id, entry] : failed) entry->Deliver(status);
}

void Client::Impl::Wake() {
  try {
    wake_tx.send(zmq::message_t(), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // Only when the context is ending; the caller's deadline still applies.
  }
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->closing = true;
    impl_->Wake();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->FailAllPending(UnavailableError("the client is closing"));
  // Sockets close with linger 0 as Impl goes; the shared context stays: nothing blocks.
}

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  if (!IsCurveKey(options.server_public_z85)) {
    return InvalidArgumentError("the server public key is not 40 Z85 characters");
  }
  if (!IsCurveKey(options.client_key.public_z85) ||
      !IsCurveKey(options.client_key.secret_z85.as_string_view())) {
    return InvalidArgumentError("the client key pair is not two 40-character Z85 keys");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  try {
    RETURN_IF_ERROR(impl->Start());
  } catch (const zmq::error_t& e) {
    return internal::ZmqStatus(e, "connecting to " + impl->options.api_endpoint);
  }
  impl->thread = std::thread([i = impl.get()] { i->Run(); });
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<ApiResponseMsg> Client::Call(ApiRequestMsg request) {
  if (request.request_id.empty()) request.request_id = crypto::NewUuidV4(crypto::SystemRandom());
  if (request.deadline_ms == 0) request.deadline_ms = impl_->options.deadline_ms;
  if (request.user_agent.empty()) request.user_agent = impl_->options.user_agent;
  crypto::SecureBuffer frame = EncodeRequest(request);
  if (frame.size() > kMaxFrameBytes) {
    return InvalidArgumentError("request of " + std::to_string(frame.size()) +
                                " bytes exceeds the limit of " + std::to_string(kMaxFrameBytes));
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(request.deadline_ms);
  Pending entry;
  std::unique_lock lock(impl_->mu);
  if (impl_->closing) return UnavailableError("the client is closing");
  if (impl_->refused && Clock::now() - impl_->refused_at < kRefusalHold) return impl_->Refused();
  if (!impl_->pending.emplace(request.request_id, &entry).second) {
    return InvalidArgumentError("request id " + request.request_id + " is already in flight");
  }
  const bool was_empty = impl_->outbox.empty();
  impl_->outbox.push_back({request.request_id, std::move(frame)});
  if (was_empty) impl_->Wake();
  lock.unlock();
  std::unique_lock wait(entry.mu);
  const auto delivered = [&] { return entry.result.has_value(); };
  if (!entry.cv.wait_until(wait, deadline, delivered)) {
    wait.unlock();
    {
      std::lock_guard relock(impl_->mu);
      if (impl_->pending.erase(request.request_id) == 1) {  // nobody will deliver it now
        return UnavailableError("no reply from cairnd at " + impl_->options.api_endpoint + " within " +
                                std::to_string(request.deadline_ms) +
                                " ms (is it running? is the server key right?)");
      }
    }
    // The I/O thread took it out just now: its result is on the way, and
    // `entry` must outlive the hand-off.
    wait.lock();
    entry.cv.wait(wait, delivered);
  }
  return std::move(*entry.result);
}

}  // namespace cairn::bus
