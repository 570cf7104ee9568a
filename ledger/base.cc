// A ledger that starts at a base (ledger/ledger.h, "Base"; ledger/FORMAT.md, "A
// ledger with a base"): ReadBase and ImportBase.
#include <bit>

#include "ledger/internal/meta_format.h"
#include "ledger/internal/tree_writer.h"
#include "ledger/ledger.h"
#include "ledger/tree.h"

namespace cairn::ledger {
namespace {

// FailedPrecondition if family `f` holds any entry.
Status RequireEmpty(const Store& store, Family f) {
  std::unique_ptr<StoreIterator> it = store.NewIterator(f);
  it->SeekToFirst();
  RETURN_IF_ERROR(it->status());
  if (it->Valid()) {
    return FailedPreconditionError("ImportBase needs an empty store, but its " +
                                   std::string(FamilyName(f)) + " family is not empty");
  }
  return Status::Ok();
}

}  // namespace

Result<Base> ReadBase(const Store& store) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, store.Get(Family::kMeta, kMetaBase));
  if (!raw) return Base{};
  return DecodeBase(*raw);
}

Status ImportBase(Store& store, const Base& base, const CompactRange& frontier, WriteSet extra) {
  const std::string n = std::to_string(base.seq);
  if (base.seq == 0) return InvalidArgumentError("a ledger base must be above seq 0");
  if (frontier.size() != base.seq) {
    return InvalidArgumentError("the frontier is of tree size " + std::to_string(frontier.size()) +
                                ", the base is at seq " + n);
  }
  // For an odd size the last perfect subtree is the single leaf seq-1.
  if ((base.seq & 1) == 1 && frontier.frontier().back() != base.prev_leaf) {
    return InvalidArgumentError("the frontier's last leaf (seq " + std::to_string(base.seq - 1) +
                                ") is not the base's prev_leaf");
  }
  RETURN_IF_ERROR(CheckNotChain(extra, "ImportBase's extra entries"));
  ASSIGN_OR_RETURN(std::optional<std::string> head, store.Get(Family::kMeta, kMetaHead));
  ASSIGN_OR_RETURN(std::optional<std::string> old_base, store.Get(Family::kMeta, kMetaBase));
  if (head || old_base) {
    return FailedPreconditionError(
        std::string("ImportBase needs an empty store, but it has a meta ") +
        (head ? "head" : "base"));
  }
  RETURN_IF_ERROR(RequireEmpty(store, Family::kLog));
  RETURN_IF_ERROR(RequireEmpty(store, Family::kTree));

  WriteSet writes;
  // The compact range's nodes: bit L of the size, from the highest, is node
  // (L, start >> L), the next perfect subtree from leaf `start` on.
  const CompactRange::NodeVisitor put = PutNodesInto(writes);
  uint64_t start = 0;
  size_t next = 0;
  for (int level = 63; level >= 0; --level) {
    if (((base.seq >> level) & 1) == 0) continue;
    put(static_cast<uint8_t>(level), start >> level, frontier.frontier()[next++]);
    start += uint64_t{1} << level;
  }
  writes.Append(std::move(extra));
  writes.Put(Family::kMeta, kMetaBase, EncodeBase(base));
  writes.Put(Family::kMeta, kMetaHead, EncodeHead(Head{base.seq, base.prev_leaf}));
  return store.Write(writes, /*sync=*/true).WithContext("importing the base at seq " + n);
}

}  // namespace cairn::ledger
