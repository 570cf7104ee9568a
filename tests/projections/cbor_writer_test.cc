// CborWriter against the encoding examples of RFC 8949 Appendix A.
#include "projections/internal/cbor_writer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace cairn::projections::internal {
namespace {

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

template <typename Write>
std::string Encoded(Write write) {
  CborWriter w;
  write(w);
  return Hex(w.bytes());
}

}  // namespace

TEST_CASE("CborWriter writes unsigned integers in their shortest form", "[projections][cbor]") {
  CHECK(Encoded([](CborWriter& w) { w.Uint(0); }) == "00");
  CHECK(Encoded([](CborWriter& w) { w.Uint(23); }) == "17");
  CHECK(Encoded([](CborWriter& w) { w.Uint(24); }) == "1818");
  CHECK(Encoded([](CborWriter& w) { w.Uint(255); }) == "18ff");
  CHECK(Encoded([](CborWriter& w) { w.Uint(256); }) == "190100");
  CHECK(Encoded([](CborWriter& w) { w.Uint(1000000); }) == "1a000f4240");
  CHECK(Encoded([](CborWriter& w) { w.Uint(4294967296); }) == "1b0000000100000000");
  CHECK(Encoded([](CborWriter& w) { w.Uint(std::numeric_limits<uint64_t>::max()); }) ==
        "1bffffffffffffffff");
}

TEST_CASE("CborWriter writes signed integers as major type 0 or 1", "[projections][cbor]") {
  CHECK(Encoded([](CborWriter& w) { w.Int(10); }) == "0a");
  CHECK(Encoded([](CborWriter& w) { w.Int(-1); }) == "20");
  CHECK(Encoded([](CborWriter& w) { w.Int(-100); }) == "3863");
  CHECK(Encoded([](CborWriter& w) { w.Int(-1000); }) == "3903e7");
  CHECK(Encoded([](CborWriter& w) { w.Int(std::numeric_limits<int64_t>::min()); }) ==
        "3b7fffffffffffffff");
  CHECK(Encoded([](CborWriter& w) { w.Int(1709658180000); }) == "1b0000018e0f9189a0");
}

TEST_CASE("CborWriter writes strings, bytes, arrays, maps and booleans", "[projections][cbor]") {
  CHECK(Encoded([](CborWriter& w) { w.Text(""); }) == "60");
  CHECK(Encoded([](CborWriter& w) { w.Text("IETF"); }) == "6449455446");
  CHECK(Encoded([](CborWriter& w) { w.Text("\xff"); }) == "61ff");  // bytes kept as given
  CHECK(Encoded([](CborWriter& w) { w.Bytes(std::string("\x01\x02\x03\x04", 4)); }) ==
        "4401020304");
  CHECK(Encoded([](CborWriter& w) { w.Bool(false); }) == "f4");
  CHECK(Encoded([](CborWriter& w) { w.Bool(true); }) == "f5");
  CHECK(Encoded([](CborWriter& w) {
          w.Map(2);
          w.Key("a").Uint(1);
          w.Key("b").Array(2);
          w.Uint(2);
          w.Uint(3);
        }) == "a26161016162820203");
}

}  // namespace cairn::projections::internal
