// CborWriter: appends CBOR (RFC 8949) items with every head in its shortest
// form, so equal values give equal bytes. Maps are written as a head and then
// the caller's key/value items: callers emit keys in bytewise order to keep the
// encoding canonical (secrets.cc's FORMAT). Internal to projections/.
#ifndef CAIRN_PROJECTIONS_INTERNAL_CBOR_WRITER_H_
#define CAIRN_PROJECTIONS_INTERNAL_CBOR_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::projections::internal {

class CborWriter {
 public:
  void Uint(uint64_t v) { Head(0, v); }
  void Int(int64_t v) {
    if (v >= 0) {
      Head(0, static_cast<uint64_t>(v));
    } else {
      Head(1, static_cast<uint64_t>(-(v + 1)));
    }
  }
  void Bytes(std::string_view b) {
    Head(2, b.size());
    out_.append(b);
  }
  void Text(std::string_view s) {
    Head(3, s.size());
    out_.append(s);
  }
  void Array(uint64_t items) { Head(4, items); }
  void Map(uint64_t pairs) { Head(5, pairs); }
  void Bool(bool b) { out_.push_back(static_cast<char>(b ? 0xf5 : 0xf4)); }
  // A map key; returns *this so that `w.Key("k").Uint(1)` reads as one member.
  CborWriter& Key(std::string_view key) {
    Text(key);
    return *this;
  }

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Head(uint8_t major, uint64_t value);

  std::string out_;
};

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_CBOR_WRITER_H_
