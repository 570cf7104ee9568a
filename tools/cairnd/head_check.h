// The check cairnd runs before it serves: the ledger must verify at its head.
// The last record's leaf hash is the one `meta` names, it links to the record
// before it, and the latest signed checkpoint verifies under the ledger's key
// and matches the tree. (Ledger::Open has already checked the head against the
// log, and Engine::Open the projection state against the head.) A full
// verification is `cairn-audit verify`; this one is O(log n).
#ifndef CAIRN_TOOLS_CAIRND_HEAD_CHECK_H_
#define CAIRN_TOOLS_CAIRND_HEAD_CHECK_H_

#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::tools {

// DataLoss naming what disagrees.
Status VerifyHeadAtStart(const ledger::Store& store);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRND_HEAD_CHECK_H_
