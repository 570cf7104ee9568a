// RFC 9162 Merkle tree hashing and proofs as pure functions over leaf hashes.
//
// Invariant: a tree of size n is MTH(D[n]) of RFC 9162 §2.1.1 over the leaf
// hashes SHA-256(0x00 || record bytes); interior nodes are SHA-256(0x01 || l || r)
// (crypto::LeafHash / crypto::NodeHash); the empty tree's root is SHA-256("").
// Nothing here touches storage, so an auditor links it (library
// cairn_ledger_proof) without RocksDB or ZeroMQ.
//
// The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2, after checking that the
// proof has exactly the length the sizes call for. Error codes: InvalidArgument
// when the question itself is malformed (leaf index not below the tree size,
// old size above the new size, an empty tree); DataLoss when the proof does not
// verify (wrong length, or it does not lead to the given root). Edge cases for
// consistency (verifiable-log.md §1.7): equal sizes need an empty proof and equal
// roots; old size 0 needs an empty proof and the empty root as old root.
//
// The naive generators (RootOf, InclusionProofOf, ConsistencyProofOf) follow the
// RFC's recursive definitions over a whole leaf list: O(n) per call, meant as
// the test oracle for the stored tree (ledger/tree.h).
//
// CompactRange is the append frontier: the perfect subtrees of the tree so far,
// O(log n) hashes. Appending a leaf reports every node it completes.
//
// Thread-safety: free functions are pure; a CompactRange is a plain value.
#ifndef CAIRN_LEDGER_MERKLE_H_
#define CAIRN_LEDGER_MERKLE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "crypto/hash.h"
#include "crypto/status.h"

namespace cairn::ledger {

using crypto::Digest;

// SHA-256 of the empty string: the root of the empty tree.
Digest EmptyRoot();
// The largest power of two strictly below n (n >= 2): the RFC's split point k.
uint64_t SplitPoint(uint64_t n);

// Naive oracles over the whole leaf-hash list.
Digest RootOf(std::span<const Digest> leaves);
// InvalidArgument unless index < leaves.size().
Result<std::vector<Digest>> InclusionProofOf(std::span<const Digest> leaves, uint64_t index);
// InvalidArgument unless old_size <= leaves.size(). Empty for old_size 0 or
// old_size == leaves.size().
Result<std::vector<Digest>> ConsistencyProofOf(std::span<const Digest> leaves, uint64_t old_size);

// Proof lengths a verifier insists on.
size_t InclusionProofLength(uint64_t index, uint64_t size);           // requires index < size
size_t ConsistencyProofLength(uint64_t old_size, uint64_t new_size);  // requires old <= new

// The root `proof` leads to from `leaf` at `index` in a tree of `size`.
// InvalidArgument for size 0 or index >= size; DataLoss for a proof of the
// wrong length.
Result<Digest> RootFromInclusionProof(uint64_t index, uint64_t size, const Digest& leaf,
                                      const std::vector<Digest>& proof);
// OK iff `proof` shows `leaf` at `index` in the tree of `size` with `root`.
// Errors as RootFromInclusionProof, plus DataLoss("inclusion proof does not lead
// to root <hex> ...").
Status VerifyInclusion(uint64_t index, uint64_t size, const Digest& leaf,
                       const std::vector<Digest>& proof, const Digest& root);
// OK iff `proof` shows the tree of `old_size` with `old_root` is a prefix of
// the tree of `new_size` with `new_root`.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Digest& old_root,
                         const Digest& new_root, const std::vector<Digest>& proof);

class CompactRange {
 public:
  // Called for each node an append completes: the leaf (level 0) first, then
  // each perfect ancestor it closes, bottom up. Node (level, index) covers
  // leaves [index << level, (index + 1) << level).
  using NodeVisitor = std::function<void(uint8_t level, uint64_t index, const Digest& hash)>;

  CompactRange() = default;
  // From the roots of the perfect subtrees of a tree of `size`, left to right
  // (largest first, one per 1-bit of size). InvalidArgument on a count mismatch.
  static Result<CompactRange> FromFrontier(uint64_t size, std::vector<Digest> frontier);

  void Append(const Digest& leaf, const NodeVisitor& visit = nullptr);
  Digest Root() const;
  uint64_t size() const { return size_; }
  const std::vector<Digest>& frontier() const { return frontier_; }

 private:
  uint64_t size_ = 0;
  std::vector<Digest> frontier_;
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_MERKLE_H_
