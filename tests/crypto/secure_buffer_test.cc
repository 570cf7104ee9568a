#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "crypto/secure_buffer.h"

namespace cairn::crypto {
namespace {

TEST_CASE("a sized SecureBuffer starts zero-filled", "[crypto][secure_buffer]") {
  SecureBuffer b(16);
  REQUIRE(b.size() == 16);
  for (size_t i = 0; i < b.size(); ++i) CHECK(b.data()[i] == 0);
}

TEST_CASE("a SecureBuffer copies the bytes it is given", "[crypto][secure_buffer]") {
  const SecureBuffer b = SecureBuffer::FromString("hunter2");
  CHECK(b.as_string_view() == "hunter2");
  CHECK(b.Equals(AsBytes("hunter2")));
}

TEST_CASE("moving a SecureBuffer leaves the source empty", "[crypto][secure_buffer]") {
  SecureBuffer a = SecureBuffer::FromString("secret");
  SECTION("by construction") {
    SecureBuffer b(std::move(a));
    CHECK(b.as_string_view() == "secret");
  }
  SECTION("by assignment over a non-empty buffer") {
    SecureBuffer b = SecureBuffer::FromString("old value");
    b = std::move(a);
    CHECK(b.as_string_view() == "secret");
  }
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  CHECK(a.data() == nullptr);
}

TEST_CASE("Clone makes an independent copy", "[crypto][secure_buffer]") {
  SecureBuffer a = SecureBuffer::FromString("abc");
  SecureBuffer b = a.Clone();
  b.data()[0] = 'x';
  CHECK(a.as_string_view() == "abc");
  CHECK(b.as_string_view() == "xbc");
}

TEST_CASE("Clear empties the buffer", "[crypto][secure_buffer]") {
  SecureBuffer a = SecureBuffer::FromString("abc");
  a.Clear();
  CHECK(a.empty());
  CHECK(a.view().empty());
}

TEST_CASE("Equals compares length and every byte", "[crypto][secure_buffer]") {
  const SecureBuffer a = SecureBuffer::FromString("abcd");
  CHECK(a.Equals(AsBytes("abcd")));
  CHECK_FALSE(a.Equals(AsBytes("abce")));
  CHECK_FALSE(a.Equals(AsBytes("xbcd")));
  CHECK_FALSE(a.Equals(AsBytes("abc")));
  CHECK(SecureBuffer().Equals(ByteView()));
}

TEST_CASE("SecureWipe zeroes raw memory", "[crypto][secure_buffer]") {
  uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  SecureWipe(bytes, sizeof(bytes));
  for (uint8_t b : bytes) CHECK(b == 0);
  SecureWipe(nullptr, 0);  // a no-op, not a crash
}

TEST_CASE("SecureWipe on a string wipes its whole capacity and clears it",
          "[crypto][secure_buffer]") {
  std::string s(100, 'k');
  s.resize(10);
  const char* storage = s.data();
  const size_t capacity = s.capacity();
  SecureWipe(s);
  CHECK(s.empty());
  REQUIRE(s.data() == storage);  // not reallocated: the string still owns these bytes
  REQUIRE(s.capacity() == capacity);
  // Peeks past size() into the allocation the string still owns.
  for (size_t i = 0; i < capacity; ++i) CHECK(storage[i] == '\0');
}

}  // namespace
}  // namespace cairn::crypto
