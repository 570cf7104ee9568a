// CloudTrail-shaped audit records (API reference §5): one JSON object per
// ledger record, plus Cairn's `seq` and `leafHash` (and, for calls through the
// HTTP gateway, userIdentity.accessKeyId and `cairnInvocationId`, the SDK's
// amz-sdk-invocation-id as sent). Secret values never appear:
// events hold only ciphertext, which is not rendered either.
#ifndef CAIRN_SERVICE_CLOUDTRAIL_H_
#define CAIRN_SERVICE_CLOUDTRAIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/store.h"
#include "service/api.h"

namespace cairn::service {

struct TrailContext {
  std::string region = "us-east-1";
  std::string account_id;
};

// Renders the record `bytes` (stored at `seq`). `context` is updated from a
// LedgerInitialized event, so rendering a log from genesis in order fills it.
// DataLoss if the record or its event does not decode.
Result<Json> CloudTrailRecord(uint64_t seq, std::string_view bytes, TrailContext& context);

// The context for rendering `store`'s records from its first one on: the
// default, which genesis's LedgerInitialized fills, or, for a ledger that
// starts at a base (a replica from a snapshot holds no genesis), the region
// and account of its `state` info entry.
Result<TrailContext> TrailContextOf(const ledger::Store& store);

// "2026-11-20T14:03:00Z"
std::string IsoTime(int64_t unix_ms);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_CLOUDTRAIL_H_
