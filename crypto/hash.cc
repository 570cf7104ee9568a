// Digests: SHA-256, domain-separated SHA-256, RFC 9162 tree hashes, HMAC.
// Hex and base64 live in encoding.cc.
#include "crypto/hash.h"

#include <cstdio>
#include <cstdlib>

#include "crypto/internal/cryptopp_adapter.h"

namespace cairn::crypto {

Digest Sha256(ByteView data) { return internal::Sha256Parts({data}); }

Digest DomainHash(std::string_view domain, ByteView data) {
  if (domain.size() > 255) {
    // Domains are compile-time constants; a longer one is a programming error,
    // and truncating it would break the no-collision guarantee.
    (void)std::fprintf(stderr, "cairn: fatal: hash domain longer than 255 bytes\n");
    std::abort();
  }
  const uint8_t len = static_cast<uint8_t>(domain.size());
  return internal::Sha256Parts({ByteView(&len, 1), AsBytes(domain), data});
}

Digest LeafHash(ByteView entry) {
  static constexpr uint8_t kLeafPrefix = 0x00;
  return internal::PublicSha256Parts({ByteView(&kLeafPrefix, 1), entry});
}

Digest NodeHash(const Digest& left, const Digest& right) {
  static constexpr uint8_t kNodePrefix = 0x01;
  return internal::PublicSha256Parts({ByteView(&kNodePrefix, 1), left, right});
}

Digest HmacSha256(ByteView key, ByteView data) { return internal::HmacSha256(key, data); }

}  // namespace cairn::crypto
