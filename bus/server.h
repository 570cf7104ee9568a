// ApiServer: the API's ROUTER socket, CURVE-encrypted, authenticated by the
// context's ZAP handler. It receives frames, refuses what it cannot decode and
// hands each decoded request, with the principal ZAP named for its connection,
// to the daemon's handler. It never calls the service: the daemon does.
//
// One I/O thread owns the socket. The handler runs on that thread and must not
// block (the daemon queues the request to its workers). Reply() may be called
// from any thread and at any time, in any order: many requests are in flight
// per connection, matched by request id. Replies to a connection that went
// away are dropped.
//
// Bad input never reaches the handler: an oversized, truncated or unverifiable
// frame gets an error reply (ValidationException with what is wrong) when it
// came with a routable identity, and is counted. A client that has more than
// `max_in_flight_per_peer` requests pending gets ThrottlingException for the
// excess, so one flooding client cannot starve the others.
#ifndef CAIRN_BUS_SERVER_H_
#define CAIRN_BUS_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bus/context.h"
#include "bus/curve.h"
#include "bus/wire.h"
#include "crypto/status.h"

namespace cairn::bus {

// Where a reply goes: the ROUTER identity of the connection. Opaque.
struct ReplyTo {
  std::string routing_id;
};

struct IncomingRequest {
  ReplyTo reply_to;
  std::string principal;     // ZAP User-Id of the connection
  std::string peer_address;  // "tcp://127.0.0.1:55012"
  ApiRequestMsg request;
};

struct ServerStats {
  uint64_t requests = 0;        // decoded and handed to the handler
  uint64_t malformed = 0;       // frames refused before the handler
  uint64_t throttled = 0;       // refused for too many in flight
  uint64_t replies = 0;
};

struct ServerOptions {
  std::string endpoint = "tcp://127.0.0.1:7701";
  const CurveKeyPair* server_key = nullptr;  // required
  size_t max_frame_bytes = kMaxFrameBytes;
  size_t max_in_flight_per_peer = 1024;
};

class ApiServer {
 public:
  using Handler = std::function<void(IncomingRequest)>;
  // Binds and starts the I/O thread. Unavailable if the address is taken;
  // InvalidArgument for a malformed endpoint or a missing key.
  static Result<std::unique_ptr<ApiServer>> Bind(BusContext& context, const ServerOptions& options,
                                                 Handler handler);
  ~ApiServer();  // Stop(), then closes the socket
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Thread-safe; never blocks on the network.
  void Reply(const ReplyTo& to, const ApiResponseMsg& response);
  // Stops taking requests; replies queued so far are still sent. Idempotent.
  void Stop();
  const std::string& endpoint() const;  // as bound ("tcp://127.0.0.1:*" resolved)
  ServerStats stats() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::bus

#endif  // CAIRN_BUS_SERVER_H_
