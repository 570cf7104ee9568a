#include "crypto/secure_buffer.h"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <memory>
#include <utility>

namespace cairn::crypto {
namespace {

uint8_t* Allocate(size_t n) { return n == 0 ? nullptr : std::allocator<uint8_t>().allocate(n); }

void Deallocate(uint8_t* p, size_t n) {
  if (p != nullptr) std::allocator<uint8_t>().deallocate(p, n);
}

}  // namespace

void SecureWipe(void* p, size_t n) {
  // explicit_bzero is glibc's guaranteed-not-elided memset.
  if (p != nullptr && n != 0) explicit_bzero(p, n);
}

void SecureWipe(std::string& s) {
  // Growing to the capacity never reallocates, and makes every byte the string
  // owns addressable, so the whole buffer is wiped without undefined behaviour.
  s.resize(s.capacity());
  SecureWipe(s.data(), s.size());
  s.clear();
}

SecureBuffer::SecureBuffer(size_t size) : data_(Allocate(size)), size_(size) {
  if (data_ != nullptr) std::fill(data_, data_ + size_, uint8_t{0});
}

SecureBuffer::SecureBuffer(const uint8_t* data, size_t size) : data_(Allocate(size)), size_(size) {
  if (data_ != nullptr) std::copy(data, data + size, data_);
}

SecureBuffer::~SecureBuffer() { Clear(); }

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecureBuffer::Clear() {
  SecureWipe(data_, size_);
  Deallocate(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

bool SecureBuffer::Equals(ByteView other) const {
  // Lengths are not secret; contents are compared without early exit.
  if (other.size() != size_) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < size_; ++i) diff = diff | (data_[i] ^ other[i]);
  return diff == 0;
}

}  // namespace cairn::crypto
