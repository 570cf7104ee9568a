// The inside of a BusContext, for the bus module's own sockets (server,
// client, publisher, follower): every socket that must be authenticated by
// the ZAP handler is made in `context`.
#ifndef CAIRN_BUS_INTERNAL_CONTEXT_IMPL_H_
#define CAIRN_BUS_INTERNAL_CONTEXT_IMPL_H_

#include <memory>
#include <zmq.hpp>

#include "bus/context.h"
#include "bus/internal/zap_handler.h"

namespace cairn::bus {

struct BusContext::Impl {
  // Declared first so it is destroyed last: the ZAP handler's sockets (and
  // every other socket) must be closed before the context terminates.
  zmq::context_t context;
  // Null in a client-only process (no KeyLookup). A socket that sets
  // curve_server must not be bound in a context without one: libzmq then
  // accepts every CURVE client that knows the server key.
  std::unique_ptr<internal::ZapHandler> zap;

  bool authenticates() const { return zap != nullptr; }
};

}  // namespace cairn::bus

#endif  // CAIRN_BUS_INTERNAL_CONTEXT_IMPL_H_
