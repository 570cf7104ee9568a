#include "bus/curve.h"

#include <zmq.h>

#include <cstring>

namespace cairn::bus {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

// Wipes a stack buffer that held a secret when it goes out of scope.
template <size_t N>
struct WipedChars {
  char text[N] = {};
  ~WipedChars() { crypto::SecureWipe(text, N); }
};

}  // namespace

bool IsCurveKey(std::string_view z85) {
  if (z85.size() != 40) return false;
  // Each 5 characters encode a 32-bit big-endian word; reject digits outside
  // the alphabet and groups whose value does not fit (zmq_z85_decode would).
  for (size_t group = 0; group < 40; group += 5) {
    uint64_t value = 0;
    for (size_t i = group; i < group + 5; ++i) {
      size_t digit = kZ85Alphabet.find(z85[i]);
      if (digit == std::string_view::npos) return false;
      value = value * 85 + digit;
    }
    if (value > 0xffffffffu) return false;
  }
  return true;
}

Result<CurveKeyPair> NewCurveKeyPair() {
  char public_text[41] = {};
  WipedChars<41> secret_text;
  if (zmq_curve_keypair(public_text, secret_text.text) != 0) {
    return InternalError("zmq_curve_keypair failed: libzmq built without CURVE support?");
  }
  return CurveKeyPair{std::string(public_text, 40),
                      crypto::SecureBuffer(reinterpret_cast<const uint8_t*>(secret_text.text), 40)};
}

Result<CurveKeyPair> CurveKeyPairFromSecret(crypto::ByteView secret32) {
  if (secret32.size() != 32) {
    return InvalidArgumentError("a CURVE secret key is 32 bytes, got " +
                                std::to_string(secret32.size()));
  }
  WipedChars<41> secret_text;
  if (zmq_z85_encode(secret_text.text, secret32.data(), 32) == nullptr) {
    return InternalError("zmq_z85_encode failed on a 32-byte key");
  }
  ASSIGN_OR_RETURN(std::string public_z85,
                   CurvePublicFromSecret(std::string_view(secret_text.text, 40)));
  return CurveKeyPair{std::move(public_z85),
                      crypto::SecureBuffer(reinterpret_cast<const uint8_t*>(secret_text.text), 40)};
}

Result<std::string> CurvePublicFromSecret(std::string_view secret_z85) {
  if (!IsCurveKey(secret_z85)) {
    return InvalidArgumentError("a CURVE secret key is 40 Z85 characters");
  }
  WipedChars<41> secret_text;
  std::memcpy(secret_text.text, secret_z85.data(), 40);
  char public_text[41] = {};
  if (zmq_curve_public(public_text, secret_text.text) != 0) {
    return InvalidArgumentError("not a CURVE secret key (zmq_curve_public refused it)");
  }
  return std::string(public_text, 40);
}

}  // namespace cairn::bus
