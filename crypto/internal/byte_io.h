// Big-endian writer and bounds-checked reader for crypto/'s small binary
// formats (FORMAT.md). Header-only; value types; not thread-safe.
#ifndef CAIRN_CRYPTO_INTERNAL_BYTE_IO_H_
#define CAIRN_CRYPTO_INTERNAL_BYTE_IO_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/secure_buffer.h"

namespace cairn::crypto::internal {

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void U32(uint32_t v) { BigEndian(v, 4); }
  void U64(uint64_t v) { BigEndian(v, 8); }
  void Bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void Text(std::string_view s) { Bytes(AsBytes(s)); }
  const std::vector<uint8_t>& bytes() const { return out_; }
  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  void BigEndian(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

// Each read returns false, and reads nothing, if too few bytes remain.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}
  bool U8(uint8_t& v) { return BigEndian(v, 1); }
  bool U32(uint32_t& v) { return BigEndian(v, 4); }
  bool U64(uint64_t& v) { return BigEndian(v, 8); }
  bool Bytes(size_t n, ByteView& v) {
    if (remaining() < n) return false;
    v = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  template <typename T>
  bool BigEndian(T& v, size_t n) {
    if (remaining() < n) return false;
    T x = 0;
    for (size_t i = 0; i < n; ++i) x = static_cast<T>(x << 8 | in_[pos_ + i]);
    v = x;
    pos_ += n;
    return true;
  }
  ByteView in_;
  size_t pos_ = 0;
};

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_BYTE_IO_H_
