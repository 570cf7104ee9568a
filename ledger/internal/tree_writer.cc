// PutNodesInto, StoredTreeSize and CatchUpTree (internal/tree_writer.h).
#include "ledger/internal/tree_writer.h"

#include "ledger/record.h"
#include "ledger/tree.h"

namespace cairn::ledger {
namespace {

Result<bool> HasLeaf(const Store& store, uint64_t index) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, store.Get(Family::kTree, TreeNodeKey(0, index)));
  return v.has_value();
}

std::string DigestBytes(const Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

CompactRange::NodeVisitor PutNodesInto(WriteSet& out) {
  return [&out](uint8_t level, uint64_t index, const Digest& hash) {
    out.Put(Family::kTree, TreeNodeKey(level, index), DigestBytes(hash));
  };
}

Result<uint64_t> StoredTreeSize(const Store& store, uint64_t log_size, uint64_t base_seq) {
  if (log_size <= base_seq) return log_size;
  ASSIGN_OR_RETURN(bool full, HasLeaf(store, log_size - 1));
  if (full) return log_size;
  uint64_t lo = base_seq;      // leaves [0, lo) are stored (or, below a base, summed up)
  uint64_t hi = log_size - 1;  // leaf hi is not
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(bool has, HasLeaf(store, mid));
    if (has) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

namespace {

// A ledger with a base: its tree covers its log already (ImportBase wrote the
// base's compact range, every append since its nodes).
Result<CompactRange> BaseFrontier(const Store& store, const Head& head, const Base& base) {
  TreeReader reader(store);
  const uint64_t size = head.next_seq;
  if (size > base.seq) {
    ASSIGN_OR_RETURN(bool has_last, HasLeaf(store, size - 1));
    if (!has_last) {
      return DataLossError("tree leaf " + std::to_string(size - 1) +
                           " is missing (a ledger with a base at seq " + std::to_string(base.seq) +
                           " is never backfilled)");
    }
    ASSIGN_OR_RETURN(Digest last, reader.Node(0, size - 1));
    if (last != head.last_leaf) {
      return DataLossError("tree leaf " + std::to_string(size - 1) +
                           " does not match the meta head");
    }
  }
  ASSIGN_OR_RETURN(CompactRange range, reader.Frontier(size));
  if (size == base.seq && (size & 1) == 1 && range.frontier().back() != base.prev_leaf) {
    return DataLossError("tree leaf " + std::to_string(size - 1) + " does not match meta base");
  }
  return range;
}

}  // namespace

Result<CompactRange> CatchUpTree(Store& store, const Head& head, const Base& base) {
  if (base.seq > 0) return BaseFrontier(store, head, base);
  const uint64_t size = head.next_seq;
  ASSIGN_OR_RETURN(uint64_t stored, StoredTreeSize(store, size));
  TreeReader reader(store);
  ASSIGN_OR_RETURN(CompactRange range, reader.Frontier(stored));
  if (stored == size) {
    if (size > 0) {
      ASSIGN_OR_RETURN(Digest last, reader.Node(0, size - 1));
      if (last != head.last_leaf) {
        return DataLossError("tree leaf " + std::to_string(size - 1) +
                             " does not match the meta head");
      }
    }
    return range;
  }
  WriteSet writes;
  const CompactRange::NodeVisitor put = PutNodesInto(writes);
  Status failure;
  RETURN_IF_ERROR(ForEachRecord(store, stored, [&](std::string_view key, std::string_view bytes) {
    if (range.size() == size) return false;
    Result<uint64_t> seq = ParseSeqKey(key);
    if (!seq.ok() || *seq != range.size()) {
      failure = DataLossError("building the tree: the log is not dense at seq " +
                              std::to_string(range.size()));
      return false;
    }
    range.Append(RecordLeafHash(bytes), put);
    return true;
  }));
  RETURN_IF_ERROR(failure);
  if (range.size() != size) {
    return DataLossError("building the tree: the log ends at " + std::to_string(range.size()) +
                         " records, the head says " + std::to_string(size));
  }
  RETURN_IF_ERROR(store.Write(writes, /*sync=*/true).WithContext("writing the backfilled tree"));
  return range;
}

}  // namespace cairn::ledger
