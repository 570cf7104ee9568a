#include "projections/internal/cbor_writer.h"

namespace cairn::projections::internal {

void CborWriter::Head(uint8_t major, uint64_t value) {
  const uint8_t type = static_cast<uint8_t>(major << 5);
  int extra_bytes = 0;
  if (value < 24) {
    out_.push_back(static_cast<char>(type | value));
    return;
  } else if (value <= 0xff) {
    out_.push_back(static_cast<char>(type | 24));
    extra_bytes = 1;
  } else if (value <= 0xffff) {
    out_.push_back(static_cast<char>(type | 25));
    extra_bytes = 2;
  } else if (value <= 0xffffffff) {
    out_.push_back(static_cast<char>(type | 26));
    extra_bytes = 4;
  } else {
    out_.push_back(static_cast<char>(type | 27));
    extra_bytes = 8;
  }
  for (int i = extra_bytes - 1; i >= 0; --i) {
    out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

}  // namespace cairn::projections::internal
