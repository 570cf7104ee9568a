// What can still be learnt from a message that does not decode: its request
// id, so that the error reaches the caller waiting for it.
#ifndef CAIRN_BUS_INTERNAL_WIRE_PEEK_H_
#define CAIRN_BUS_INTERNAL_WIRE_PEEK_H_

#include <string>

#include "crypto/secure_buffer.h"

namespace cairn::bus::internal {

// The request id of `bytes` if they pass the ApiRequest verifier and carry a
// non-empty one, else "". Never fails; safe on any bytes.
std::string PeekRequestId(crypto::ByteView bytes);
// The same for an ApiResponse: lets the client fail the one call whose reply
// verifies but does not decode.
std::string PeekResponseId(crypto::ByteView bytes);

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_WIRE_PEEK_H_
