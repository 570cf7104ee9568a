// Receipts: every response carries its event's seq and leaf hash. With
// --verify-receipt, `cairn` checks right after the call that this event is in
// the ledger's signed tree, trusting nothing cairnd says but what the pinned
// checkpoint key vouches for:
//
//   GetCheckpoint {MinTreeSize: seq + 1}       -> a note signed by the ledger's key
//   GetInclusionProof {seq, that tree's size}  -> the audit path
//
// The note must verify under the pinned key (--pin-key, else the profile's
// CheckpointKey, else — trust on first use, said on stderr — the key cairnd
// sends), cover the seq and name the key's ledger; the proof must be for the
// receipt's leaf hash and lead to the signed root (ledger/merkle.h).
//
// The two audit reads need cairn:ReadAuditLog (service/access.h).
#ifndef CAIRN_TOOLS_CAIRN_RECEIPT_H_
#define CAIRN_TOOLS_CAIRN_RECEIPT_H_

#include <cstdint>
#include <functional>
#include <string>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "service/api.h"
#include "tools/cairn/backend.h"
#include "tools/common/remote.h"

namespace cairn::tools {

struct VerifiedReceipt {
  uint64_t seq = 0;
  uint64_t tree_size = 0;  // of the signed checkpoint the proof leads to
  crypto::Digest root{};
};

// Checks the receipt (`seq`, `leaf`). `pinned_key` is a verifier key
// ("<name>+<hex id>+<base64>") or "" to trust the one cairnd sends, in which
// case `warn` gets one line saying so. Errors, all with messages starting
// "receipt not verified: ": PermissionDenied when cairnd refuses the audit
// reads (not an administrator); InvalidArgument for a malformed pinned key;
// DataLoss naming what disagrees (a note that does not verify under the key,
// another ledger, a checkpoint too small, a proof for another leaf or one that
// does not lead to the signed root, a malformed reply); Unavailable for a
// passing refusal (InternalServiceError, ThrottlingException),
// FailedPrecondition for any other (tools/common/remote.h's
// CallRefusingErrors); the transport's Status as Remote returns it.
Result<VerifiedReceipt> VerifyReceipt(Remote& remote, const std::string& pinned_key, uint64_t seq,
                                      const crypto::Digest& leaf,
                                      const std::function<void(const std::string&)>& warn);

// For `cairn`'s main: verifies `response`'s receipt through the remote
// `backend` with the key pinned by `pin_key`, else by the profile, and prints
// "cairn: receipt verified: seq N is in the signed tree of size M (root <hex>)"
// on stderr. FailedPrecondition in embedded mode; VerifyReceipt's errors.
Status CheckReceipt(Backend& backend, const service::Response& response,
                    const std::string& pin_key);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_RECEIPT_H_
