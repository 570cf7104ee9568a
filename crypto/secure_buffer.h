// SecureBuffer: owned bytes that are wiped (with a write the compiler cannot
// elide) when destroyed, cleared or moved from. Every plaintext secret value,
// data key, KEK, master key and passphrase lives in one. Move-only; Clone()
// makes an explicit copy. Not thread-safe; a value type.
#ifndef CAIRN_CRYPTO_SECURE_BUFFER_H_
#define CAIRN_CRYPTO_SECURE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cairn::crypto {

using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Overwrites `n` bytes at `p` with zeros; never optimized away.
void SecureWipe(void* p, size_t n);
// Wipes the characters of `s` (its whole capacity) and clears it.
void SecureWipe(std::string& s);

class SecureBuffer {
 public:
  SecureBuffer() = default;
  explicit SecureBuffer(size_t size);  // zero-filled
  SecureBuffer(const uint8_t* data, size_t size);
  explicit SecureBuffer(ByteView bytes) : SecureBuffer(bytes.data(), bytes.size()) {}
  static SecureBuffer FromString(std::string_view s) { return SecureBuffer(AsBytes(s)); }
  ~SecureBuffer();

  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  SecureBuffer Clone() const { return SecureBuffer(data_, size_); }
  void Clear();  // wipes and frees

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return {data_, size_}; }
  std::string_view as_string_view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  // Constant-time comparison of contents.
  bool Equals(ByteView other) const;

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_SECURE_BUFFER_H_
