// NextToken (API reference §3.8): an opaque, authenticated page position bound
// to the query it continues.
//
// Format (then standard base64): u8 version = 1 || u64 BE offset ||
// SHA-256 domain hash "cairn/list-query/v1" of the query text (32) ||
// HMAC-SHA-256(token key, "cairn/next-token/v1" || the 41 bytes before) (32).
// The query text is the operation's canonical description of the request
// (filters, sort, flags, the secret), not including the page size.
#ifndef CAIRN_SERVICE_INTERNAL_PAGINATION_H_
#define CAIRN_SERVICE_INTERNAL_PAGINATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "service/internal/params.h"

namespace cairn::service::internal {

std::string MakeNextToken(crypto::ByteView token_key, std::string_view query, uint64_t offset);

// The offset a NextToken member points at (0 when there is none).
// InvalidParameterException for a token of the wrong type or length;
// InvalidNextTokenException for one that is garbled, forged or made for
// another query.
Result<uint64_t> ReadNextToken(const Params& params, crypto::ByteView token_key,
                               std::string_view query);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_PAGINATION_H_
