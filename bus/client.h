// Client: the C++ client library's transport, a DEALER socket with CURVE.
// Synchronous calls, thread-safe: many threads may Call at once on one Client
// and their requests are in flight together on one connection, matched by
// request id. ZeroMQ reconnects on its own after the daemon restarts; a call
// whose reply does not come within its deadline fails (the request may or may
// not have been carried out: writes carry ClientRequestToken for that).
//
// Errors are precise and quick: a server that refuses our key (not enrolled,
// disabled) is PermissionDenied within a second, not a hang (the handshake
// failure is seen on a socket monitor); a wrong server key or nobody listening
// is Unavailable when the deadline passes, naming the endpoint.
#ifndef CAIRN_BUS_CLIENT_H_
#define CAIRN_BUS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "bus/curve.h"
#include "bus/wire.h"
#include "crypto/status.h"

namespace cairn::bus {

struct ClientOptions {
  std::string api_endpoint = "tcp://127.0.0.1:7701";
  std::string server_public_z85;
  CurveKeyPair client_key;
  uint32_t deadline_ms = 10000;  // per call unless the request names its own
  std::string user_agent = "cairn-client/0.2";
};

class Client {
 public:
  // Starts connecting (does not wait for the handshake).
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (request_id filled if empty, deadline and user agent
  // defaulted) and waits for its reply. The reply's AWS error, if any, is in
  // the message (error_code), not in the Status: the Status is for transport
  // failures (Unavailable, PermissionDenied, DataLoss for an undecodable reply).
  Result<ApiResponseMsg> Call(ApiRequestMsg request);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::bus

#endif  // CAIRN_BUS_CLIENT_H_
