// The stored Merkle tree: RFC 9162 nodes in the `tree` family, and proofs read
// from them (ledger/FORMAT.md, "Merkle tree").
//
// Invariant: the `tree` family holds exactly the perfect nodes of the tree over
// the log: node (level, index) covers leaves [index << level, (index + 1) <<
// level) and is stored once all of them exist, under TreeNodeKey(level, index),
// in the same WriteBatch as the record that completed it. Level 0 holds the leaf
// hashes. Nodes on the right edge of a tree whose size is not a power of two are
// never stored: the reader combines them from stored perfect nodes.
//
// A ledger with a base at seq N (ledger.h, "Base"; a DR replica bootstrapped
// from a snapshot) stores, of the nodes that end at or before leaf N, only the
// base's compact range (NodeKeptWithBase); every node ending after it is
// stored as above. That is every node Root(n) and ConsistencyProof(m, n) need
// for N <= m <= n, and InclusionProof(i, n) for N <= i < n. A question that
// needs a node the base does not keep is FailedPrecondition, naming the base;
// one whose nodes all happen to be kept is answered.
//
// TreeReader answers roots and proofs for any size up to the stored tree's with
// O(log n) point reads. It does not know the tree's size: a size beyond what is
// stored fails with DataLoss ("tree node ... is missing"), so callers check the
// size against the ledger head first. Thread-safe if the store is; it borrows the
// store, which must outlive it.
#ifndef CAIRN_LEDGER_TREE_H_
#define CAIRN_LEDGER_TREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace cairn::ledger {

inline constexpr size_t kTreeKeyBytes = 9;

struct TreeNodeId {
  uint8_t level = 0;
  uint64_t index = 0;
};

// level (1 byte) || index (8 bytes, big-endian): bytewise order is level, then index.
std::string TreeNodeKey(uint8_t level, uint64_t index);
// DataLoss unless exactly 9 bytes with a level below 64.
Result<TreeNodeId> ParseTreeNodeKey(std::string_view key);
std::string DescribeNode(uint8_t level, uint64_t index);  // "tree node (level 1, index 3)"
// Whether a ledger whose base is at `base_seq` (0: no base) stores perfect node
// (level, index) once its tree covers it: always without a base; with one, if
// the node ends after leaf base_seq-1 or is one of the base's compact range.
bool NodeKeptWithBase(uint64_t base_seq, uint8_t level, uint64_t index);

class TreeReader {
 public:
  explicit TreeReader(const Store& store) : store_(store) {}

  // A stored perfect node. DataLoss if it is missing or not 32 bytes;
  // FailedPrecondition if it lies below the ledger's base, which does not keep it.
  Result<Digest> Node(uint8_t level, uint64_t index) const;
  // Root of the tree of the first `size` leaves (EmptyRoot() for 0).
  Result<Digest> Root(uint64_t size) const;
  // RFC 9162 §2.1.3.1 audit path. InvalidArgument unless index < size.
  Result<std::vector<Digest>> InclusionProof(uint64_t index, uint64_t size) const;
  // RFC 9162 §2.1.4.1 proof; empty when old_size is 0 or equals new_size.
  // InvalidArgument if old_size > new_size.
  Result<std::vector<Digest>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  // The perfect subtrees of the tree of `size`, ready to append to.
  Result<CompactRange> Frontier(uint64_t size) const;

 private:
  // MTH of leaves [begin, end), begin < end. O(log n) reads when begin is a
  // multiple of the largest power of two below end - begin, as every range a
  // proof asks for is; more otherwise.
  Result<Digest> RangeHash(uint64_t begin, uint64_t end) const;
  Status Subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                  std::vector<Digest>& out) const;

  const Store& store_;
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_TREE_H_
