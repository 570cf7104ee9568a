#include "bus/internal/zap_handler.h"

#include <atomic>
#include <chrono>
#include <iterator>
#include <zmq_addon.hpp>

#include "bus/internal/zmq_status.h"

namespace cairn::bus::internal {
namespace {

// An attacker can send endless fresh keys between two drains; past this many
// the distinct count stops growing (it is then a lower bound).
constexpr size_t kMaxDistinctKeysTracked = 65536;

// Frames of a ZAP request (RFC 27 §3).
enum ZapFrame { kVersion = 0, kRequestId, kDomain, kAddress, kIdentity, kMechanism, kCredentials };

std::string Z85(const zmq::message_t& key) {
  char text[41] = {};
  zmq_z85_encode(text, key.data<uint8_t>(), 32);
  return std::string(text, 40);
}

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, KeyLookup lookup)
    : lookup_(std::move(lookup)),
      zap_(context, zmq::socket_type::rep),
      stop_rx_(context, zmq::socket_type::pair),
      stop_tx_(context, zmq::socket_type::pair) {}

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t& context, KeyLookup lookup) {
  try {
    std::unique_ptr<ZapHandler> handler(new ZapHandler(context, std::move(lookup)));
    handler->zap_.set(zmq::sockopt::linger, 0);
    handler->stop_rx_.set(zmq::sockopt::linger, 0);
    handler->stop_tx_.set(zmq::sockopt::linger, 0);
    handler->zap_.bind(kZapEndpoint);
    // Unique per process: an inproc name is freed only when libzmq reaps the
    // socket, so an address-based name could collide with a reused address.
    static std::atomic<uint64_t> next_id{0};
    const std::string stop_endpoint = "inproc://cairn.zap.stop." + std::to_string(next_id++);
    handler->stop_rx_.bind(stop_endpoint);
    handler->stop_tx_.connect(stop_endpoint);
    handler->thread_ = std::thread([h = handler.get()] { h->Run(); });
    return handler;
  } catch (const zmq::error_t& e) {
    return InternalError(ZmqStatus(e, "starting the ZAP handler").message());
  }
}

ZapHandler::~ZapHandler() {
  try {
    stop_tx_.send(zmq::str_buffer("stop"), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // The thread has already left (its context is terminating): join below.
  }
  if (thread_.joinable()) thread_.join();
  // The sockets close as members; linger 0 never blocks.
}

void ZapHandler::Run() {
  zmq::pollitem_t items[] = {{zap_.handle(), 0, ZMQ_POLLIN, 0},
                             {stop_rx_.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    while (true) {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
      if (items[1].revents & ZMQ_POLLIN) return;
      if (items[0].revents & ZMQ_POLLIN) HandleOne();
    }
  } catch (const zmq::error_t&) {
    // ETERM: the context is going away. Any other error also ends the thread;
    // the REP socket stays bound, so later handshakes wait for a reply that
    // never comes and fail: closed, not open.
  }
}

void ZapHandler::HandleOne() {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(zap_, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
  Verdict verdict = Judge(frames);
  zmq::multipart_t reply;
  reply.addstr("1.0");
  if (frames.size() > kRequestId) {
    reply.add(std::move(frames[kRequestId]));
  } else {
    reply.addstr("");
  }
  reply.addstr(verdict.code);
  reply.addstr(verdict.text);
  reply.addstr(verdict.user_id);
  reply.addstr("");  // metadata
  reply.send(zap_);
}

ZapHandler::Verdict ZapHandler::Judge(const std::vector<zmq::message_t>& frames) {
  if (frames.size() < kCredentials || frames[kVersion].to_string_view() != "1.0") {
    return {"500", "malformed ZAP request", ""};
  }
  if (frames[kMechanism].to_string_view() != "CURVE" || frames.size() != kCredentials + 1 ||
      frames[kCredentials].size() != 32) {
    CountRefusal("");
    return {"400", "only CURVE is accepted", ""};
  }
  const std::string key = Z85(frames[kCredentials]);
  std::optional<std::string> principal;
  try {
    principal = lookup_(key, frames[kDomain].to_string_view(), frames[kAddress].to_string_view());
  } catch (...) {
    // A lookup that throws refuses; the thread must survive it.
    principal.reset();
  }
  if (!principal) {
    CountRefusal(key);
    return {"400", "unknown or disabled key", ""};
  }
  return {"200", "OK", *principal};
}

void ZapHandler::CountRefusal(const std::string& key_z85) {
  std::lock_guard lock(mu_);
  ++attempts_;
  if (!key_z85.empty() && refused_keys_.size() < kMaxDistinctKeysTracked)
    refused_keys_.insert(key_z85);
}

Refusals ZapHandler::TakeRefusals() {
  std::lock_guard lock(mu_);
  Refusals r{attempts_, refused_keys_.size()};
  attempts_ = 0;
  refused_keys_.clear();
  return r;
}

}  // namespace cairn::bus::internal
