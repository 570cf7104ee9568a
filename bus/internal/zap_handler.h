// ZapHandler: the ZAP (RFC 27) endpoint of one ZeroMQ context. libzmq sends it
// one request per handshake on a socket with a zap_domain; it answers 200 with
// the principal's name as User-Id for a CURVE key KeyLookup knows, and 400
// for anything else, counting the refusals.
//
// Thread-safety: Start and the destructor on one thread; TakeRefusals from
// any thread. The lookup runs on the handler's own thread.
#ifndef CAIRN_BUS_INTERNAL_ZAP_HANDLER_H_
#define CAIRN_BUS_INTERNAL_ZAP_HANDLER_H_

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

#include "bus/context.h"
#include "crypto/status.h"

namespace cairn::bus::internal {

inline constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";

class ZapHandler {
 public:
  // Binds the ZAP endpoint in `context` (which must outlive the handler) and
  // starts the thread. Internal if the endpoint is already bound.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t& context, KeyLookup lookup);
  ~ZapHandler();  // stops the thread and closes its sockets; never hangs
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  Refusals TakeRefusals();

 private:
  ZapHandler(zmq::context_t& context, KeyLookup lookup);
  void Run();
  void HandleOne();
  // The reply's status, text and user id for one request's frames.
  struct Verdict {
    std::string code, text, user_id;
  };
  Verdict Judge(const std::vector<zmq::message_t>& frames);
  void CountRefusal(const std::string& key_z85);

  KeyLookup lookup_;
  zmq::socket_t zap_;
  zmq::socket_t stop_rx_;  // owned by the thread
  zmq::socket_t stop_tx_;  // used by the destructor
  std::thread thread_;

  std::mutex mu_;
  uint64_t attempts_ = 0;
  std::unordered_set<std::string> refused_keys_;  // bounded, see CountRefusal
};

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_ZAP_HANDLER_H_
