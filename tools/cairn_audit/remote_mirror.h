// cairn-audit against a running daemon (--profile): the remote ledger copied
// into an in-memory store (ledger::NewMemStore) laid out as a data
// directory's, so the offline verbs run on it unchanged and the auditor trusts
// nothing but the bytes and a pinned key.
//
// What the mirror holds, for a ledger prefix of `records` records:
//   log          the stored record bytes, as ReadRecords pages carry them
//   tree         every perfect node, computed here from the records' leaf
//                hashes (as Ledger::Open catches up a lagging tree)
//   checkpoints  the stored notes of size <= records, from ListCheckpoints
//   meta         origin and checkpoint_pubkey from GetCheckpoint's
//                VerifierKey; head = the last record's seq and its leaf hash
//                computed here
//
// The prefix ends where the signed checkpoint fetched at the start ends:
// GetCheckpoint {MinTreeSize: the head the first ReadRecords page reports}
// (cairnd signs one of its head if the latest is older). Paging stops there,
// so records appended meanwhile — the mirror's own calls included — are left
// out, and the mirrored head is vouched for by a signature the verbs check.
// MirrorOptions::max_records cuts the prefix shorter (prove, consistency).
//
// Nothing fetched is trusted: records are stored as sent and the verbs find
// what is wrong with them, as on disk; the key cairnd sends is stored as the
// ledger's, and `verify` checks against a pinned key instead when given one.
// The calls are ReadRecords, GetCheckpoint and ListCheckpoints, which need
// cairn:ReadAuditLog (service/access.h). Not thread-safe.
#ifndef CAIRN_TOOLS_CAIRN_AUDIT_REMOTE_MIRROR_H_
#define CAIRN_TOOLS_CAIRN_AUDIT_REMOTE_MIRROR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "crypto/status.h"
#include "ledger/store.h"
#include "tools/common/profile.h"

namespace cairn::tools {

struct MirrorOptions {
  std::optional<uint64_t> max_records;               // mirror at most this many (a shorter prefix)
  uint32_t deadline_ms = 30000;                      // per call
  std::function<void(const std::string&)> progress;  // one line per step, for stderr
};

struct RemoteLedger {
  std::unique_ptr<ledger::Store> store;  // in memory, writable
  uint64_t records = 0;                  // mirrored prefix: seq 0 .. records - 1
  uint64_t signed_size = 0;              // size of the checkpoint fetched at the start
  std::string verifier_key;              // the checkpoint key cairnd sent
};

// Mirrors the ledger of the cairnd `profile` names. PermissionDenied ("... needs
// an administrator's profile ...") when cairnd refuses the audit calls;
// DataLoss naming the reply that is malformed or out of order (a record whose
// seq is not the next one, a page that ends early, a malformed VerifierKey);
// Unavailable for a passing refusal (InternalServiceError, Throttling),
// FailedPrecondition for any other; the client library's transport errors.
Result<RemoteLedger> MirrorRemoteLedger(const Profile& profile, const MirrorOptions& options);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AUDIT_REMOTE_MIRROR_H_
