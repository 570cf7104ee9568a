// BusContext: one ZeroMQ context per process and the ZAP handler that
// authenticates every CURVE connection made to the sockets bound in it (the
// API's ROUTER and the events' PUB).
//
// ZeroMQ asks ZAP (RFC 27) about each handshake; the handler calls the
// daemon's KeyLookup with the client's public key. A key the lookup answers
// for is accepted and the answer becomes the connection's User-Id, which the
// API server hands on with each request (bus/server.h); cairnd answers with
// the key itself on the API socket, so it maps every request to the key's
// principal again (a rotated or disabled key stops at once). An unknown key is refused
// (ZAP 400): the client's handshake fails and it is told so (bus/client.h).
// Refusals are counted, never logged one by one; the daemon drains the
// counters periodically into one `UnauthenticatedAttempts` event.
//
// Thread-safety: all methods are thread-safe. KeyLookup runs on the ZAP thread
// and must be quick and thread-safe.
#ifndef CAIRN_BUS_CONTEXT_H_
#define CAIRN_BUS_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace cairn::bus {

// The User-Id for a client public key (Z85), or nullopt to refuse the
// handshake (no enabled principal holds the key, or it may not use the socket). `domain` is the ZAP domain of the socket ("api"
// or "events"); `address` the peer's IP address.
using KeyLookup = std::function<std::optional<std::string>(
    std::string_view public_key_z85, std::string_view domain, std::string_view address)>;

struct Refusals {
  uint64_t attempts = 0;       // handshakes refused since the last TakeRefusals
  uint64_t distinct_keys = 0;  // distinct public keys among them
};

class BusContext {
 public:
  // Creates the context and starts the ZAP handler. Servers pass a lookup;
  // a client-only process passes nullptr (no ZAP handler is started).
  // `io_threads`: ZeroMQ's I/O threads, which do the CURVE encryption and the
  // TCP of every socket in the context (>= 1). A server with many connections
  // wants one per core: with one, every message of every client passes through
  // that thread (bench/RESULTS.md, api_bench, "two I/O threads").
  static Result<std::unique_ptr<BusContext>> Create(KeyLookup lookup, int io_threads = 1);
  ~BusContext();  // stops the ZAP handler; sockets made in it must be closed first
  BusContext(const BusContext&) = delete;
  BusContext& operator=(const BusContext&) = delete;

  // Returns and resets the refusal counters.
  Refusals TakeRefusals();

  struct Impl;           // bus/internal/context_impl.h: the zmq::context_t
  Impl& impl() { return *impl_; }

 private:
  explicit BusContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::bus

#endif  // CAIRN_BUS_CONTEXT_H_
