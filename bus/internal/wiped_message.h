// ZeroMQ messages whose bytes are secret: the buffer is handed to libzmq
// without a copy and wiped when libzmq frees it; received ones are wiped by
// their reader before release.
#ifndef CAIRN_BUS_INTERNAL_WIPED_MESSAGE_H_
#define CAIRN_BUS_INTERNAL_WIPED_MESSAGE_H_

#include <memory>
#include <zmq.hpp>

#include "crypto/secure_buffer.h"

namespace cairn::bus::internal {

// A message that owns `bytes` (non-empty) and wipes them when libzmq is done
// with them (on its own I/O thread). Throws zmq::error_t like cppzmq.
inline zmq::message_t WipedMessage(crypto::SecureBuffer bytes) {
  if (bytes.empty()) return zmq::message_t();
  auto holder = std::make_unique<crypto::SecureBuffer>(std::move(bytes));
  zmq::message_t message(
      holder->data(), holder->size(),
      [](void*, void* hint) { delete static_cast<crypto::SecureBuffer*>(hint); }, holder.get());
  holder.release();  // now libzmq's
  return message;
}

// Wipes the bytes of a received message in place.
inline void WipeMessage(zmq::message_t& message) {
  crypto::SecureWipe(message.data(), message.size());
}

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_WIPED_MESSAGE_H_
