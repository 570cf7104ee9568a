// TreeReader and the `tree` key encoding (ledger/tree.h).
#include "ledger/tree.h"

#include <algorithm>
#include <bit>

#include "ledger/ledger.h"

namespace cairn::ledger {
namespace {

std::string N(uint64_t v) { return std::to_string(v); }

}  // namespace

std::string TreeNodeKey(uint8_t level, uint64_t index) {
  std::string key(kTreeKeyBytes, '\0');
  key[0] = static_cast<char>(level);
  for (int i = 8; i >= 1; --i) {
    key[i] = static_cast<char>(index & 0xff);
    index >>= 8;
  }
  return key;
}

Result<TreeNodeId> ParseTreeNodeKey(std::string_view key) {
  if (key.size() != kTreeKeyBytes) {
    return DataLossError("tree key is " + N(key.size()) + " bytes, want 9");
  }
  TreeNodeId id;
  id.level = static_cast<uint8_t>(key[0]);
  if (id.level >= 64) return DataLossError("tree key has level " + N(id.level) + ", want < 64");
  for (size_t i = 1; i < kTreeKeyBytes; ++i)
    id.index = (id.index << 8) | static_cast<uint8_t>(key[i]);
  return id;
}

std::string DescribeNode(uint8_t level, uint64_t index) {
  return "tree node (level " + N(level) + ", index " + N(index) + ")";
}

bool NodeKeptWithBase(uint64_t base_seq, uint8_t level, uint64_t index) {
  if (base_seq == 0 || level >= 64) return true;
  const uint64_t whole = base_seq >> level;       // level-`level` nodes that end by the base
  if (index >= whole) return true;                // it ends after the base
  return (whole & 1) == 1 && index == whole - 1;  // bit `level` of the base: its compact range
}

Result<Digest> TreeReader::Node(uint8_t level, uint64_t index) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   store_.Get(Family::kTree, TreeNodeKey(level, index)));
  if (!value) {
    Result<Base> base = ReadBase(store_);  // only on a miss
    if (base.ok() && !NodeKeptWithBase(base->seq, level, index)) {
      return FailedPreconditionError(
          DescribeNode(level, index) + " is not stored: the ledger starts at seq " + N(base->seq) +
          " (a snapshot base) and keeps only the compact range of the leaves before it");
    }
    return DataLossError(DescribeNode(level, index) + " is missing");
  }
  if (value->size() != 32) {
    return DataLossError(DescribeNode(level, index) + " is " + N(value->size()) +
                         " bytes, want 32");
  }
  Digest d;
  std::copy(value->begin(), value->end(), d.begin());
  return d;
}

Result<Digest> TreeReader::RangeHash(uint64_t begin, uint64_t end) const {
  uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    return Node(static_cast<uint8_t>(std::countr_zero(n)), begin / n);
  }
  uint64_t k = SplitPoint(n);
  ASSIGN_OR_RETURN(Digest left, RangeHash(begin, begin + k));
  ASSIGN_OR_RETURN(Digest right, RangeHash(begin + k, end));
  return crypto::NodeHash(left, right);
}

Result<Digest> TreeReader::Root(uint64_t size) const {
  if (size == 0) return EmptyRoot();
  return RangeHash(0, size);
}

Result<std::vector<Digest>> TreeReader::InclusionProof(uint64_t index, uint64_t size) const {
  if (index >= size) {
    return InvalidArgumentError("leaf index " + N(index) + " is not below tree size " + N(size));
  }
  std::vector<Digest> proof;
  // The sibling of the leaf's ancestor at each level, when the tree has one
  // (verifiable-log.md §1.3).
  for (int level = 0; level < 64 && (uint64_t{1} << level) < size; ++level) {
    uint64_t begin = ((index >> level) ^ 1) << level;
    if (begin >= size) continue;
    ASSIGN_OR_RETURN(Digest h, RangeHash(begin, std::min(begin + (uint64_t{1} << level), size)));
    proof.push_back(h);
  }
  return proof;
}

Status TreeReader::Subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                            std::vector<Digest>& out) const {
  uint64_t n = end - begin;
  if (m == n) {
    if (whole) return Status::Ok();
    ASSIGN_OR_RETURN(Digest h, RangeHash(begin, end));
    out.push_back(h);
    return Status::Ok();
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    RETURN_IF_ERROR(Subproof(m, begin, begin + k, whole, out));
    ASSIGN_OR_RETURN(Digest right, RangeHash(begin + k, end));
    out.push_back(right);
  } else {
    RETURN_IF_ERROR(Subproof(m - k, begin + k, end, false, out));
    ASSIGN_OR_RETURN(Digest left, RangeHash(begin, begin + k));
    out.push_back(left);
  }
  return Status::Ok();
}

Result<std::vector<Digest>> TreeReader::ConsistencyProof(uint64_t old_size,
                                                         uint64_t new_size) const {
  if (old_size > new_size) {
    return InvalidArgumentError("old tree size " + N(old_size) + " is above new tree size " +
                                N(new_size));
  }
  std::vector<Digest> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  RETURN_IF_ERROR(Subproof(old_size, 0, new_size, /*whole=*/true, proof));
  return proof;
}

Result<CompactRange> TreeReader::Frontier(uint64_t size) const {
  std::vector<Digest> frontier;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    ASSIGN_OR_RETURN(Digest h, Node(static_cast<uint8_t>(level), begin >> level));
    frontier.push_back(h);
    begin += uint64_t{1} << level;
  }
  return CompactRange::FromFrontier(size, std::move(frontier));
}

}  // namespace cairn::ledger
