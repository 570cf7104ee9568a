// TreeChecker: VerifyStore's half that holds the stored `tree` against the
// records. Fed the records' leaf hashes in seq order, it recomputes every
// perfect node with a CompactRange (O(log n) memory) and compares each with the
// stored node, reading each level of the `tree` family front to back with its
// own iterator. At the end it compares the stored root with the recomputed one
// and looks for nodes past the end of the log. Not thread-safe; borrows the
// store, which must outlive it.
#ifndef CAIRN_LEDGER_INTERNAL_TREE_CHECK_H_
#define CAIRN_LEDGER_INTERNAL_TREE_CHECK_H_

#include <array>
#include <functional>
#include <memory>

#include "crypto/status.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace cairn::ledger {

// The second half of TreeChecker::Finish, for a caller that has already
// matched every perfect node of the tree of `size` leaves with the records
// (VerifyStore's fast path): the root read from the stored nodes must equal
// `root`, and no node may lie past the end of the log (see Finish).
Status CheckRootAndEnd(const Store& store, uint64_t size, const Digest& root,
                       const std::function<uint64_t()>& log_size);

class TreeChecker {
 public:
  explicit TreeChecker(const Store& store) : store_(store) {}
  // For a ledger with a base at `base_seq`: recomputes from `base_range`, the
  // base's stored compact range (of size base_seq), so only the nodes the
  // records after the base complete are compared, each read from its own key.
  TreeChecker(const Store& store, CompactRange base_range, uint64_t base_seq)
      : store_(store), range_(std::move(base_range)), base_seq_(base_seq) {}

  void Add(const Digest& leaf);
  // OK, or DataLoss naming the first node that disagrees with the records.
  // `log_size` reports the ledger's current number of records (its head); a
  // node past it is past the end of the log. It is asked again whenever such a
  // node turns up, since a live ledger may have grown since the records were
  // read.
  Status Finish(const std::function<uint64_t()>& log_size);
  Digest root() const { return range_.Root(); }
  uint64_t size() const { return range_.size(); }

 private:
  void Check(uint8_t level, uint64_t index, const Digest& hash);
  Status EmptyOr(Status missing) const;

  const Store& store_;
  CompactRange range_;
  uint64_t base_seq_ = 0;
  CompactRange::NodeVisitor check_ = [this](uint8_t level, uint64_t index, const Digest& hash) {
    Check(level, index, hash);
  };
  // One cursor per level. A cursor steps past a node only when the next node
  // of its level is wanted: by then that node exists, also in a store whose
  // iterators see later writes.
  std::array<std::unique_ptr<StoreIterator>, 64> levels_;
  std::array<bool, 64> step_{};
  Status problem_;
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_TREE_CHECK_H_
