// CURVE keys (ZeroMQ's CurveZMQ, RFC 32/ZMTP-CURVE): a client's public key is
// its identity. Keys travel as Z85 text, 40 characters for 32 bytes, which is
// how ZeroMQ's socket options, profiles and the `PrincipalCreated` event hold
// them. Secret keys live in wiped buffers.
#ifndef CAIRN_BUS_CURVE_H_
#define CAIRN_BUS_CURVE_H_

#include <string>
#include <string_view>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::bus {

struct CurveKeyPair {
  std::string public_z85;           // 40 Z85 characters
  crypto::SecureBuffer secret_z85;  // 40 Z85 characters
};

// A fresh key pair from the OS's CSPRNG (zmq_curve_keypair).
Result<CurveKeyPair> NewCurveKeyPair();
// The key pair whose secret key is these 32 raw bytes (e.g. a sealed secret).
Result<CurveKeyPair> CurveKeyPairFromSecret(crypto::ByteView secret32);
// The public key of a Z85 secret key. InvalidArgument if it is not 40 Z85 chars.
Result<std::string> CurvePublicFromSecret(std::string_view secret_z85);
// True iff `z85` is 40 characters of the Z85 alphabet (a 32-byte key).
bool IsCurveKey(std::string_view z85);

}  // namespace cairn::bus

#endif  // CAIRN_BUS_CURVE_H_
