// How a cppzmq exception becomes a Status. The bus's .cc files catch
// zmq::error_t at the point they call cppzmq and convert it here, so no
// exception leaves the module.
#ifndef CAIRN_BUS_INTERNAL_ZMQ_STATUS_H_
#define CAIRN_BUS_INTERNAL_ZMQ_STATUS_H_

#include <cerrno>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "crypto/status.h"

namespace cairn::bus::internal {

// "<what>: <zmq's message>" with a code chosen by errno: Unavailable for an
// address in use or a terminated context, InvalidArgument for a malformed
// endpoint or option, Internal otherwise.
inline Status ZmqStatus(const zmq::error_t& e, std::string_view what) {
  std::string message = std::string(what) + ": " + e.what();
  switch (e.num()) {
    case EADDRINUSE:
    case EADDRNOTAVAIL:
    case ETERM:
    case EAGAIN:
      return UnavailableError(std::move(message));
    case EINVAL:
    case EPROTONOSUPPORT:
    case ENOCOMPATPROTO:
    case ENODEV:
      return InvalidArgumentError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_ZMQ_STATUS_H_
