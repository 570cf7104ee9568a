#include "service/internal/pagination.h"

#include <algorithm>

#include "crypto/hash.h"
#include "service/internal/errors.h"

namespace cairn::service::internal {
namespace {

constexpr uint8_t kTokenVersion = 1;
constexpr size_t kSignedSize = 1 + 8 + 32;
constexpr size_t kTokenSize = kSignedSize + 32;

crypto::Digest TokenMac(crypto::ByteView token_key, const uint8_t* signed_part) {
  std::string input = "cairn/next-token/v1";
  input.append(reinterpret_cast<const char*>(signed_part), kSignedSize);
  return crypto::HmacSha256(token_key, crypto::AsBytes(input));
}

crypto::Digest QueryHash(std::string_view query) {
  return crypto::DomainHash("cairn/list-query/v1", crypto::AsBytes(query));
}

}  // namespace

std::string MakeNextToken(crypto::ByteView token_key, std::string_view query, uint64_t offset) {
  uint8_t token[kTokenSize];
  token[0] = kTokenVersion;
  for (int i = 0; i < 8; ++i) token[1 + i] = static_cast<uint8_t>(offset >> (56 - 8 * i));
  crypto::Digest hash = QueryHash(query);
  std::copy(hash.begin(), hash.end(), token + 9);
  crypto::Digest mac = TokenMac(token_key, token);
  std::copy(mac.begin(), mac.end(), token + kSignedSize);
  return crypto::Base64Encode(crypto::ByteView(token, kTokenSize));
}

Result<uint64_t> ReadNextToken(const Params& params, crypto::ByteView token_key,
                               std::string_view query) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, params.String("NextToken", 1, 4096));
  if (!text.has_value()) return uint64_t{0};
  Result<crypto::SecureBuffer> bytes = crypto::Base64Decode(*text);
  if (!bytes.ok() || bytes->size() != kTokenSize || bytes->data()[0] != kTokenVersion) {
    return InvalidNextTokenError("The NextToken value is not valid.");
  }
  const uint8_t* token = bytes->data();
  crypto::Digest mac = TokenMac(token_key, token);
  uint8_t diff = 0;
  for (size_t i = 0; i < mac.size(); ++i)
    diff |= static_cast<uint8_t>(mac[i] ^ token[kSignedSize + i]);
  if (diff != 0) return InvalidNextTokenError("The NextToken value is not valid.");
  crypto::Digest hash = QueryHash(query);
  if (!std::equal(hash.begin(), hash.end(), token + 9)) {
    return InvalidNextTokenError("The NextToken value was issued for a different request.");
  }
  uint64_t offset = 0;
  for (int i = 0; i < 8; ++i) offset = (offset << 8) | token[1 + i];
  return offset;
}

}  // namespace cairn::service::internal
