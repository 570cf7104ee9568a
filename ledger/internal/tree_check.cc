// TreeChecker (internal/tree_check.h).
#include "ledger/internal/tree_check.h"

#include <algorithm>

#include "ledger/tree.h"

namespace cairn::ledger {
namespace {

constexpr int kMaxLooks = 1000;  // bounds the chase of a log that keeps growing

bool SameBytes(std::string_view value, const Digest& d) {
  return value.size() == d.size() &&
         std::equal(d.begin(), d.end(), value.begin(),
                    [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); });
}

}  // namespace

void TreeChecker::Add(const Digest& leaf) { range_.Append(leaf, check_); }

void TreeChecker::Check(uint8_t level, uint64_t index, const Digest& hash) {
  if (!problem_.ok()) return;
  const std::string want = TreeNodeKey(level, index);
  std::unique_ptr<StoreIterator>& it = levels_[level];
  if (it == nullptr) {
    it = store_.NewIterator(Family::kTree);
    it->Seek(want);
  } else if (step_[level]) {
    it->Next();
  }
  step_[level] = true;
  if (!it->status().ok()) {
    problem_ = it->status();
    return;
  }
  if (!it->Valid() || it->key() != want) {
    bool malformed = it->Valid() && it->key().size() != kTreeKeyBytes &&
                     it->key().substr(0, 1) == want.substr(0, 1);
    problem_ = malformed ? DataLossError("malformed tree key " +
                                         crypto::ToHex(crypto::AsBytes(it->key())) + " before " +
                                         DescribeNode(level, index))
                         : EmptyOr(DataLossError(DescribeNode(level, index) + " is missing"));
    return;
  }
  if (!SameBytes(it->value(), hash)) {
    // Below the base the recomputation rests on the stored compact range too.
    const bool spans_base = index < (base_seq_ >> level) + 1 && (index << level) < base_seq_;
    problem_ = DataLossError(
        DescribeNode(level, index) + " does not match the records" +
        (spans_base ? " and the base's compact range (seq " + std::to_string(base_seq_) + ")"
                    : std::string()));
  }
}

Status TreeChecker::EmptyOr(Status missing) const {
  std::unique_ptr<StoreIterator> it = store_.NewIterator(Family::kTree);
  it->SeekToFirst();
  if (it->Valid()) return missing;
  return DataLossError(
      "the tree family is empty: the ledger was written before the Merkle tree (opening it "
      "read-write builds the tree)");
}

Status TreeChecker::Finish(const std::function<uint64_t()>& log_size) {
  RETURN_IF_ERROR(problem_);
  return CheckRootAndEnd(store_, size(), root(), log_size);
}

Status CheckRootAndEnd(const Store& store, uint64_t size, const Digest& root,
                       const std::function<uint64_t()>& log_size) {
  Result<Digest> stored = TreeReader(store).Root(size);
  if (!stored.ok()) return stored.status();
  if (*stored != root) {
    return DataLossError("tree root " + crypto::ToHex(*stored) +
                         " from the stored nodes does not match root " + crypto::ToHex(root) +
                         " recomputed from the records");
  }
  uint64_t limit = std::max(size, log_size());
  std::unique_ptr<StoreIterator> it = store.NewIterator(Family::kTree);
  for (int level = 0; level < 64; ++level) {
    for (int look = 0;; ++look) {
      it->Seek(TreeNodeKey(static_cast<uint8_t>(level), limit >> level));
      RETURN_IF_ERROR(it->status());
      if (!it->Valid() || static_cast<uint8_t>(it->key()[0]) != level) break;
      uint64_t now = std::max(limit, log_size());
      if (now > limit && look < kMaxLooks) {  // the log grew: look past its new end
        limit = now;
        continue;
      }
      Result<TreeNodeId> id = ParseTreeNodeKey(it->key());
      if (!id.ok()) return id.status();
      return DataLossError(DescribeNode(id->level, id->index) + " lies past the end of the log (" +
                           std::to_string(limit) + " records)");
    }
  }
  return Status::Ok();
}

}  // namespace cairn::ledger
