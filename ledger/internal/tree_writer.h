// Writing the `tree` family (ledger/FORMAT.md, "Merkle tree"): the nodes an
// append completes go into the same WriteSet as its records, and a ledger whose
// tree lags its log (one written before the tree existed) is caught up at Open.
#ifndef CAIRN_LEDGER_INTERNAL_TREE_WRITER_H_
#define CAIRN_LEDGER_INTERNAL_TREE_WRITER_H_

#include <cstdint>

#include "crypto/status.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace cairn::ledger {

// A CompactRange visitor that puts each completed node into `out`, which must
// outlive the visitor.
CompactRange::NodeVisitor PutNodesInto(WriteSet& out);

// How many leading leaves the stored tree holds, for a log of `log_size`
// records: log_size when leaf log_size-1 is stored, else found by binary search
// over the level-0 keys (the tree only ever grows as a prefix). O(log n) reads.
// The search never looks below `base_seq`, whose leaves a ledger with a base
// does not store: the result is at least base_seq.
Result<uint64_t> StoredTreeSize(const Store& store, uint64_t log_size, uint64_t base_seq = 0);

// Makes the tree cover the log up to `head` and returns the frontier for
// head.next_seq. Missing nodes are computed from the records and written in
// one synced batch. DataLoss if the stored leaf of the last record does not
// match the head, or if the log is not dense. A ledger with a base (base.seq
// > 0) is never backfilled: its tree was written with its records from the
// start, so at head.next_seq == base.seq the frontier is the imported one,
// and past it the last leaf must be stored (DataLoss otherwise).
Result<CompactRange> CatchUpTree(Store& store, const Head& head, const Base& base = {});

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_TREE_WRITER_H_
