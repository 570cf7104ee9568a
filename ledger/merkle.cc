// RFC 9162 tree hashing, the naive proof oracles, the verifiers of §2.1.3.2 and
// §2.1.4.2, and the compact range (ledger/merkle.h).
#include "ledger/merkle.h"

#include <bit>

namespace cairn::ledger {
namespace {

std::string N(uint64_t v) { return std::to_string(v); }
std::string Hex(const Digest& d) { return crypto::ToHex(d); }

// Shifts fn and sn right together until fn is odd or zero: skips the levels
// where the node on the path was promoted without hashing.
void SkipPromoted(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

void AppendPath(std::span<const Digest> leaves, uint64_t m, std::vector<Digest>& out) {
  if (leaves.size() <= 1) return;
  uint64_t k = SplitPoint(leaves.size());
  if (m < k) {
    AppendPath(leaves.first(k), m, out);
    out.push_back(RootOf(leaves.subspan(k)));
  } else {
    AppendPath(leaves.subspan(k), m - k, out);
    out.push_back(RootOf(leaves.first(k)));
  }
}

void AppendSubproof(std::span<const Digest> leaves, uint64_t m, bool whole,
                    std::vector<Digest>& out) {
  if (m == leaves.size()) {
    if (!whole) out.push_back(RootOf(leaves));
    return;
  }
  uint64_t k = SplitPoint(leaves.size());
  if (m <= k) {
    AppendSubproof(leaves.first(k), m, whole, out);
    out.push_back(RootOf(leaves.subspan(k)));
  } else {
    AppendSubproof(leaves.subspan(k), m - k, false, out);
    out.push_back(RootOf(leaves.first(k)));
  }
}

}  // namespace

Digest EmptyRoot() { return crypto::Sha256({}); }

uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

Digest RootOf(std::span<const Digest> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  uint64_t k = SplitPoint(leaves.size());
  return crypto::NodeHash(RootOf(leaves.first(k)), RootOf(leaves.subspan(k)));
}

Result<std::vector<Digest>> InclusionProofOf(std::span<const Digest> leaves, uint64_t index) {
  if (index >= leaves.size()) {
    return InvalidArgumentError("leaf index " + N(index) + " is not below tree size " +
                                N(leaves.size()));
  }
  std::vector<Digest> out;
  AppendPath(leaves, index, out);
  return out;
}

Result<std::vector<Digest>> ConsistencyProofOf(std::span<const Digest> leaves, uint64_t old_size) {
  if (old_size > leaves.size()) {
    return InvalidArgumentError("old tree size " + N(old_size) + " is above new tree size " +
                                N(leaves.size()));
  }
  std::vector<Digest> out;
  if (old_size > 0) AppendSubproof(leaves, old_size, /*whole=*/true, out);
  return out;
}

size_t InclusionProofLength(uint64_t index, uint64_t size) {
  int inner = std::bit_width(index ^ (size - 1));
  return inner + std::popcount(inner >= 64 ? 0 : index >> inner);
}

size_t ConsistencyProofLength(uint64_t old_size, uint64_t new_size) {
  if (old_size == 0 || old_size == new_size) return 0;
  int shift = std::countr_zero(old_size);
  int inner = std::bit_width((old_size - 1) ^ (new_size - 1));
  int border = std::popcount(inner >= 64 ? 0 : (old_size - 1) >> inner);
  int start = std::has_single_bit(old_size) ? 0 : 1;
  return start + (inner - shift) + border;
}

Result<Digest> RootFromInclusionProof(uint64_t index, uint64_t size, const Digest& leaf,
                                      const std::vector<Digest>& proof) {
  if (size == 0) return InvalidArgumentError("inclusion proof for an empty tree (size 0)");
  if (index >= size) {
    return InvalidArgumentError("leaf index " + N(index) + " is not below tree size " + N(size));
  }
  size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return DataLossError("inclusion proof has " + N(proof.size()) + " hashes, want " + N(want) +
                         " for leaf " + N(index) + " in a tree of size " + N(size));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Digest r = leaf;
  for (const Digest& p : proof) {
    if (sn == 0) return DataLossError("inclusion proof is longer than the path to the root");
    if ((fn & 1) == 1 || fn == sn) {
      r = crypto::NodeHash(p, r);
      SkipPromoted(fn, sn);
    } else {
      r = crypto::NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return DataLossError("inclusion proof is shorter than the path to the root");
  return r;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Digest& leaf,
                       const std::vector<Digest>& proof, const Digest& root) {
  ASSIGN_OR_RETURN(Digest got, RootFromInclusionProof(index, size, leaf, proof));
  if (got == root) return Status::Ok();
  return DataLossError("inclusion proof does not lead to root " + Hex(root) + " (leaf " + N(index) +
                       ", tree size " + N(size) + ", it leads to " + Hex(got) + ")");
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Digest& old_root,
                         const Digest& new_root, const std::vector<Digest>& proof) {
  if (old_size > new_size) {
    return InvalidArgumentError("old tree size " + N(old_size) + " is above new tree size " +
                                N(new_size));
  }
  size_t want = ConsistencyProofLength(old_size, new_size);
  if (proof.size() != want) {
    return DataLossError("consistency proof has " + N(proof.size()) + " hashes, want " + N(want) +
                         " from tree size " + N(old_size) + " to " + N(new_size));
  }
  if (old_size == 0 && old_root != EmptyRoot()) {
    return DataLossError("old root " + Hex(old_root) + " of tree size 0 is not the empty root " +
                         Hex(EmptyRoot()));
  }
  if (old_size == new_size) {
    if (old_root == new_root) return Status::Ok();
    return DataLossError("two roots for tree size " + N(old_size) + ": " + Hex(old_root) + " and " +
                         Hex(new_root));
  }
  if (old_size == 0) return Status::Ok();  // the empty tree is a prefix of every tree
  std::vector<Digest> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);  // RFC 9162 §2.1.4.2 step 2
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = path[0];
  Digest sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Digest& c = path[i];
    if (sn == 0) return DataLossError("consistency proof is longer than the path to the root");
    if ((fn & 1) == 1 || fn == sn) {
      fr = crypto::NodeHash(c, fr);
      sr = crypto::NodeHash(c, sr);
      SkipPromoted(fn, sn);
    } else {
      sr = crypto::NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return DataLossError("consistency proof is shorter than the path to the root");
  std::string sizes = " (tree size " + N(old_size) + " to " + N(new_size) + ", it leads to ";
  if (fr != old_root) {
    return DataLossError("consistency proof does not lead to old root " + Hex(old_root) + sizes +
                         Hex(fr) + ")");
  }
  if (sr != new_root) {
    return DataLossError("consistency proof does not lead to new root " + Hex(new_root) + sizes +
                         Hex(sr) + ")");
  }
  return Status::Ok();
}

Result<CompactRange> CompactRange::FromFrontier(uint64_t size, std::vector<Digest> frontier) {
  if (frontier.size() != static_cast<size_t>(std::popcount(size))) {
    return InvalidArgumentError("a tree of size " + N(size) + " has " + N(std::popcount(size)) +
                                " perfect subtrees, got " + N(frontier.size()));
  }
  CompactRange range;
  range.size_ = size;
  range.frontier_ = std::move(frontier);
  return range;
}

void CompactRange::Append(const Digest& leaf, const NodeVisitor& visit) {
  const uint64_t n = size_;
  if (visit) visit(0, n, leaf);
  frontier_.push_back(leaf);
  // Each 1-bit at the bottom of n is a perfect subtree the new leaf completes.
  for (uint8_t level = 0; level < 63 && ((n >> level) & 1) == 1; ++level) {
    Digest right = frontier_.back();
    frontier_.pop_back();
    Digest& left = frontier_.back();
    left = crypto::NodeHash(left, right);
    if (visit) visit(level + 1, n >> (level + 1), left);
  }
  ++size_;
}

Digest CompactRange::Root() const {
  if (frontier_.empty()) return EmptyRoot();
  Digest r = frontier_.back();
  for (size_t i = frontier_.size() - 1; i-- > 0;) r = crypto::NodeHash(frontier_[i], r);
  return r;
}

}  // namespace cairn::ledger
