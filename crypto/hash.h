// SHA-256 with domain separation, RFC 9162 leaf/node hashes, hex and base64.
// Pure functions; thread-safe.
#ifndef CAIRN_CRYPTO_HASH_H_
#define CAIRN_CRYPTO_HASH_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(ByteView data);
// SHA-256( u8(len(domain)) || domain || data ). Domains are short ASCII names
// such as "cairn/master-key-id/v1"; distinct domains never collide.
Digest DomainHash(std::string_view domain, ByteView data);
// RFC 9162: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
// For public data only (records, tree nodes): they reuse a per-thread hash
// object, which keeps the tail of the last input.
Digest LeafHash(ByteView entry);
Digest NodeHash(const Digest& left, const Digest& right);
// HMAC-SHA-256 (used for pagination tokens and key ids).
Digest HmacSha256(ByteView key, ByteView data);

std::string ToHex(ByteView bytes);
inline std::string ToHex(const Digest& d) { return ToHex(ByteView(d.data(), d.size())); }
// Lower- or upper-case hex; InvalidArgument on odd length or a non-hex digit.
Result<std::vector<uint8_t>> FromHex(std::string_view hex);
Result<Digest> DigestFromHex(std::string_view hex);

// Standard base64 (RFC 4648 §4) with padding.
std::string Base64Encode(ByteView bytes);
// Strict decode: InvalidArgument on bad characters or padding. Output may be a
// secret, so it comes back in a SecureBuffer.
Result<SecureBuffer> Base64Decode(std::string_view text);

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_HASH_H_
