// RFC 9162 tree hashing and proofs (ledger/merkle.h) against the vectors of
// shared/reference/verifiable-log.md §2, their tampered twins, and the naive
// recursive oracle. Links cairn_ledger_proof alone: no RocksDB, no ZeroMQ.
#include "ledger/merkle.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "crypto/hash.h"

namespace cairn::ledger {
namespace {

Digest D(std::string_view hex) {
  Result<Digest> d = crypto::DigestFromHex(hex);
  REQUIRE(d.ok());
  return *d;
}

std::vector<Digest> Ds(std::initializer_list<std::string_view> hexes) {
  std::vector<Digest> out;
  for (std::string_view h : hexes) out.push_back(D(h));
  return out;
}

// §2.1: the standard 8-leaf input and its leaf hashes.
const char* const kInputs[] = {"",
                               "00",
                               "10",
                               "2021",
                               "3031",
                               "40414243",
                               "5051525354555657",
                               "606162636465666768696a6b6c6d6e6f"};
const char* const kLeafHex[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                                "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                                "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                                "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
                                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                                "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"};
// §2.2: roots of the prefixes of sizes 0..8.
const char* const kRootHex[] = {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                                "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                                "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                                "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                                "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                                "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
// §2.1 interior nodes and §2.6's l.
const char* const k10 = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125";
const char* const k11 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
const char* const k12 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";
const char* const k13 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
const char* const k20 = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7";
const char* const k21 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";
const char* const k30 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
const char* const kL = "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e";

std::vector<Digest> Leaves(size_t n = 8) {
  std::vector<Digest> out;
  for (size_t i = 0; i < n; ++i) out.push_back(D(kLeafHex[i]));
  return out;
}
Digest Root(size_t size) { return D(kRootHex[size]); }

struct InclusionVector {
  uint64_t index, size;
  std::vector<Digest> proof;
};

// §2.4 (source) and §2.7 (computed).
std::vector<InclusionVector> InclusionVectors() {
  return {
      {0, 1, {}},
      {0, 8, Ds({kLeafHex[1], k11, k21})},
      {5, 8, Ds({kLeafHex[4], k13, k20})},
      {2, 3, Ds({k10})},
      {1, 5, Ds({kLeafHex[0], k11, kLeafHex[4]})},
      {1, 8, Ds({kLeafHex[0], k11, k21})},
      {2, 8, Ds({kLeafHex[3], k10, k21})},
      {3, 8, Ds({kLeafHex[2], k10, k21})},
      {4, 8, Ds({kLeafHex[5], k13, k20})},
      {6, 8, Ds({kLeafHex[7], k12, k20})},
      {7, 8, Ds({kLeafHex[6], k12, k20})},
      {4, 7, Ds({kLeafHex[5], kLeafHex[6], k20})},  // f, j, k
      {6, 7, Ds({k12, k20})},                       // i, k
  };
}

struct ConsistencyVector {
  uint64_t old_size, new_size;
  std::vector<Digest> proof;
};

// §2.5 (source) and §2.7 (computed).
std::vector<ConsistencyVector> ConsistencyVectors() {
  return {
      {1, 1, {}},
      {1, 8, Ds({kLeafHex[1], k11, k21})},
      {6, 8, Ds({k12, k13, k20})},
      {2, 5, Ds({k11, kLeafHex[4]})},
      {6, 7, Ds({k12, kLeafHex[6], k20})},
      {1, 2, Ds({kLeafHex[1]})},
      {2, 8, Ds({k11, k21})},
      {3, 7, Ds({kLeafHex[2], kLeafHex[3], k10, kL})},
      {3, 8, Ds({kLeafHex[2], kLeafHex[3], k10, k21})},
      {4, 6, Ds({k12})},
      {4, 7, Ds({kL})},
      {4, 8, Ds({k21})},
      {5, 8, Ds({kLeafHex[4], kLeafHex[5], k13, k20})},
      {7, 8, Ds({kLeafHex[6], kLeafHex[7], k12, k20})},
  };
}

StatusCode Code(const Status& s) { return s.code(); }

TEST_CASE("the hasher reproduces the RFC 6962 hasher vectors", "[proof][merkle][vectors]") {
  CHECK(crypto::ToHex(EmptyRoot()) == kRootHex[0]);
  CHECK(crypto::ToHex(crypto::LeafHash({})) == kLeafHex[0]);
  CHECK(crypto::ToHex(crypto::LeafHash(crypto::AsBytes("L123456"))) ==
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
  for (size_t i = 0; i < 8; ++i) {
    Result<std::vector<uint8_t>> input = crypto::FromHex(kInputs[i]);
    REQUIRE(input.ok());
    CHECK(crypto::ToHex(crypto::LeafHash(*input)) == kLeafHex[i]);
  }
}

TEST_CASE("the naive root and the compact range reproduce the roots of sizes 0 to 8",
          "[proof][merkle][vectors]") {
  std::vector<Digest> leaves = Leaves();
  CompactRange range;
  CHECK(range.Root() == Root(0));
  for (size_t n = 0; n <= 8; ++n) {
    INFO("size " << n);
    CHECK(RootOf(std::span(leaves).first(n)) == Root(n));
    if (n > 0) {
      range.Append(leaves[n - 1]);
      CHECK(range.Root() == Root(n));
      CHECK(range.size() == n);
    }
  }
}

TEST_CASE("the compact range holds the frontiers of the reference and reports every node",
          "[proof][merkle][vectors]") {
  std::vector<Digest> leaves = Leaves();
  const std::vector<std::vector<Digest>> frontiers = {
      {D(kLeafHex[0])},         {D(k10)},         {D(k10), D(kLeafHex[2])},         {D(k20)},
      {D(k20), D(kLeafHex[4])}, {D(k20), D(k12)}, {D(k20), D(k12), D(kLeafHex[6])}, {D(k30)}};
  CompactRange range;
  std::vector<std::tuple<int, uint64_t, Digest>> nodes;
  for (size_t n = 0; n < 8; ++n) {
    range.Append(leaves[n], [&](uint8_t level, uint64_t index, const Digest& h) {
      nodes.emplace_back(level, index, h);
    });
    CHECK(range.frontier() == frontiers[n]);
  }
  const std::vector<std::tuple<int, uint64_t, Digest>> want = {
      {0, 0, D(kLeafHex[0])}, {0, 1, D(kLeafHex[1])}, {1, 0, D(k10)},
      {0, 2, D(kLeafHex[2])}, {0, 3, D(kLeafHex[3])}, {1, 1, D(k11)},
      {2, 0, D(k20)},         {0, 4, D(kLeafHex[4])}, {0, 5, D(kLeafHex[5])},
      {1, 2, D(k12)},         {0, 6, D(kLeafHex[6])}, {0, 7, D(kLeafHex[7])},
      {1, 3, D(k13)},         {2, 1, D(k21)},         {3, 0, D(k30)}};
  CHECK(nodes == want);
}

TEST_CASE("a compact range restored from its frontier goes on like the original",
          "[proof][merkle]") {
  std::vector<Digest> leaves = Leaves();
  Result<CompactRange> restored = CompactRange::FromFrontier(6, {D(k20), D(k12)});
  REQUIRE(restored.ok());
  restored->Append(leaves[6]);
  restored->Append(leaves[7]);
  CHECK(restored->Root() == Root(8));

  Result<CompactRange> wrong = CompactRange::FromFrontier(7, {D(k20), D(k12)});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status() == InvalidArgumentError("a tree of size 7 has 3 perfect subtrees, got 2"));
}

TEST_CASE("the reference inclusion proofs verify and the oracle reproduces them",
          "[proof][merkle][vectors]") {
  std::vector<Digest> leaves = Leaves();
  for (const InclusionVector& v : InclusionVectors()) {
    INFO("leaf " << v.index << " of " << v.size);
    Result<std::vector<Digest>> oracle = InclusionProofOf(std::span(leaves).first(v.size), v.index);
    REQUIRE(oracle.ok());
    CHECK(*oracle == v.proof);
    CHECK(InclusionProofLength(v.index, v.size) == v.proof.size());
    CHECK(VerifyInclusion(v.index, v.size, leaves[v.index], v.proof, Root(v.size)).ok());
    Result<Digest> root = RootFromInclusionProof(v.index, v.size, leaves[v.index], v.proof);
    REQUIRE(root.ok());
    CHECK(*root == Root(v.size));
  }
}

TEST_CASE("the reference consistency proofs verify and the oracle reproduces them",
          "[proof][merkle][vectors]") {
  std::vector<Digest> leaves = Leaves();
  for (const ConsistencyVector& v : ConsistencyVectors()) {
    INFO(v.old_size << " -> " << v.new_size);
    Result<std::vector<Digest>> oracle =
        ConsistencyProofOf(std::span(leaves).first(v.new_size), v.old_size);
    REQUIRE(oracle.ok());
    CHECK(*oracle == v.proof);
    CHECK(ConsistencyProofLength(v.old_size, v.new_size) == v.proof.size());
    Status s =
        VerifyConsistency(v.old_size, v.new_size, Root(v.old_size), Root(v.new_size), v.proof);
    INFO(s.message());
    CHECK(s.ok());
  }
}

// The expected code for a mutated question: malformed questions are
// InvalidArgument, everything else is a proof that does not verify.
StatusCode InclusionCode(uint64_t index, uint64_t size) {
  return size == 0 || index >= size ? StatusCode::kInvalidArgument : StatusCode::kDataLoss;
}

TEST_CASE("every tampered twin of a reference inclusion proof fails with the exact code",
          "[proof][merkle][tamper]") {
  std::vector<Digest> leaves = Leaves();
  for (const InclusionVector& v : InclusionVectors()) {
    INFO("leaf " << v.index << " of " << v.size);
    const Digest leaf = leaves[v.index];
    const Digest root = Root(v.size);
    auto verify = [&](uint64_t index, uint64_t size, const Digest& l,
                      const std::vector<Digest>& proof,
                      const Digest& r) { return Code(VerifyInclusion(index, size, l, proof, r)); };
    DYNAMIC_SECTION("a bit flipped in a proof element, " << v.index << " of " << v.size) {
      for (size_t k = 0; k < v.proof.size(); ++k) {
        for (int bit : {3, 4}) {
          std::vector<Digest> p = v.proof;
          p[k][0] ^= static_cast<uint8_t>(1 << bit);
          CHECK(verify(v.index, v.size, leaf, p, root) == StatusCode::kDataLoss);
        }
      }
    }
    DYNAMIC_SECTION("a wrong index, " << v.index << " of " << v.size) {
      for (uint64_t index : {v.index + 1, v.index - 1, v.index ^ 2}) {
        if (index == v.index) continue;
        CHECK(verify(index, v.size, leaf, v.proof, root) == InclusionCode(index, v.size));
      }
    }
    DYNAMIC_SECTION("a wrong size, " << v.index << " of " << v.size) {
      for (uint64_t size : {v.size * 2, v.size / 2}) {
        CHECK(verify(v.index, size, leaf, v.proof, root) == InclusionCode(v.index, size));
      }
    }
    DYNAMIC_SECTION("a wrong leaf or root, " << v.index << " of " << v.size) {
      Digest other = leaf;
      other[31] ^= 1;
      CHECK(verify(v.index, v.size, other, v.proof, root) == StatusCode::kDataLoss);
      CHECK(verify(v.index, v.size, leaf, v.proof, other) == StatusCode::kDataLoss);
      CHECK(verify(v.index, v.size, leaf, v.proof, Digest{}) == StatusCode::kDataLoss);
    }
    DYNAMIC_SECTION("the proof truncated, extended, prefixed or emptied, " << v.index << " of "
                                                                           << v.size) {
      std::vector<Digest> extra = v.proof;
      extra.push_back(leaf);
      CHECK(verify(v.index, v.size, leaf, extra, root) == StatusCode::kDataLoss);
      std::vector<Digest> prefixed = v.proof;
      prefixed.insert(prefixed.begin(), leaf);
      CHECK(verify(v.index, v.size, leaf, prefixed, root) == StatusCode::kDataLoss);
      std::vector<Digest> with_root = v.proof;
      with_root.push_back(root);
      CHECK(verify(v.index, v.size, leaf, with_root, root) == StatusCode::kDataLoss);
      if (!v.proof.empty()) {
        std::vector<Digest> cut(v.proof.begin(), v.proof.end() - 1);
        CHECK(verify(v.index, v.size, leaf, cut, root) == StatusCode::kDataLoss);
        CHECK(verify(v.index, v.size, leaf, {}, root) == StatusCode::kDataLoss);
      }
    }
  }
}

// A proof binds the tree size only through its shape: leaf 0 has the same
// path in trees of 5 to 8 leaves. The size is bound to the root by the signed
// checkpoint, which is why a verifier takes both from one (verifiable-log.md §1.10).
TEST_CASE("a proof alone does not tell apart sizes whose paths have the same shape",
          "[proof][merkle]") {
  std::vector<Digest> proof = Ds({kLeafHex[1], k11, k21});
  CHECK(VerifyInclusion(0, 8, D(kLeafHex[0]), proof, Root(8)).ok());
  CHECK(VerifyInclusion(0, 7, D(kLeafHex[0]), proof, Root(8)).ok());
  CHECK(Code(VerifyInclusion(0, 7, D(kLeafHex[0]), proof, Root(7))) == StatusCode::kDataLoss);
}

TEST_CASE("inclusion verification names the exact problem", "[proof][merkle]") {
  std::vector<Digest> leaves = Leaves();
  std::vector<Digest> proof = Ds({kLeafHex[1], k11, k21});
  CHECK(VerifyInclusion(8, 8, leaves[0], proof, Root(8)) ==
        InvalidArgumentError("leaf index 8 is not below tree size 8"));
  CHECK(VerifyInclusion(0, 0, leaves[0], {}, Root(0)) ==
        InvalidArgumentError("inclusion proof for an empty tree (size 0)"));
  std::vector<Digest> longer = proof;
  longer.push_back(leaves[0]);
  CHECK(VerifyInclusion(0, 8, leaves[0], longer, Root(8)) ==
        DataLossError("inclusion proof has 4 hashes, want 3 for leaf 0 in a tree of size 8"));
  CHECK(VerifyInclusion(1, 8, leaves[0], proof, Root(8)) ==
        DataLossError("inclusion proof does not lead to root " + std::string(kRootHex[8]) +
                      " (leaf 1, tree size 8, it leads to " +
                      crypto::ToHex(*RootFromInclusionProof(1, 8, leaves[0], proof)) + ")"));
}

TEST_CASE("a single-entry tree needs no proof and its root is the leaf", "[proof][merkle]") {
  Digest leaf = D(kLeafHex[0]);
  CHECK(VerifyInclusion(0, 1, leaf, {}, leaf).ok());
  CHECK(Code(VerifyInclusion(0, 1, leaf, {}, Digest{})) == StatusCode::kDataLoss);
  CHECK(Code(VerifyInclusion(0, 1, Digest{}, {}, leaf)) == StatusCode::kDataLoss);
  CHECK(Code(VerifyInclusion(0, 1, leaf, {leaf}, leaf)) == StatusCode::kDataLoss);
}

StatusCode ConsistencyCode(uint64_t old_size, uint64_t new_size) {
  return old_size > new_size ? StatusCode::kInvalidArgument : StatusCode::kDataLoss;
}

TEST_CASE("every tampered twin of a reference consistency proof fails with the exact code",
          "[proof][merkle][tamper]") {
  for (const ConsistencyVector& v : ConsistencyVectors()) {
    if (v.old_size == v.new_size) continue;  // the edge cases below
    INFO(v.old_size << " -> " << v.new_size);
    const Digest r1 = Root(v.old_size);
    const Digest r2 = Root(v.new_size);
    auto verify = [&](uint64_t m, uint64_t n, const Digest& a, const Digest& b,
                      const std::vector<Digest>& proof) {
      return Code(VerifyConsistency(m, n, a, b, proof));
    };
    DYNAMIC_SECTION("a bit flipped in a proof element, " << v.old_size << " -> " << v.new_size) {
      for (size_t k = 0; k < v.proof.size(); ++k) {
        for (int bit : {3, 4}) {
          std::vector<Digest> p = v.proof;
          p[k][0] ^= static_cast<uint8_t>(1 << bit);
          CHECK(verify(v.old_size, v.new_size, r1, r2, p) == StatusCode::kDataLoss);
        }
      }
    }
    DYNAMIC_SECTION("a wrong old size, " << v.old_size << " -> " << v.new_size) {
      for (uint64_t m : {v.old_size + 1, v.old_size - 1, v.old_size ^ 2}) {
        if (m == v.old_size) continue;
        CHECK(verify(m, v.new_size, r1, r2, v.proof) == ConsistencyCode(m, v.new_size));
      }
    }
    DYNAMIC_SECTION("a wrong new size, " << v.old_size << " -> " << v.new_size) {
      for (uint64_t n : {v.new_size * 2, v.new_size / 2}) {
        if (n == v.new_size) continue;
        CHECK(verify(v.old_size, n, r1, r2, v.proof) == ConsistencyCode(v.old_size, n));
      }
    }
    DYNAMIC_SECTION("wrong or swapped roots, " << v.old_size << " -> " << v.new_size) {
      Digest bad = r1;
      bad[0] ^= 1;
      CHECK(verify(v.old_size, v.new_size, bad, r2, v.proof) == StatusCode::kDataLoss);
      CHECK(verify(v.old_size, v.new_size, r1, bad, v.proof) == StatusCode::kDataLoss);
      CHECK(verify(v.old_size, v.new_size, r2, r1, v.proof) == StatusCode::kDataLoss);
      CHECK(verify(v.old_size, v.new_size, Digest{}, r2, v.proof) == StatusCode::kDataLoss);
    }
    DYNAMIC_SECTION("the proof truncated, extended, prefixed or emptied, " << v.old_size << " -> "
                                                                           << v.new_size) {
      std::vector<Digest> extra = v.proof;
      extra.push_back(r2);
      CHECK(verify(v.old_size, v.new_size, r1, r2, extra) == StatusCode::kDataLoss);
      std::vector<Digest> prefixed = v.proof;
      prefixed.insert(prefixed.begin(), r1);
      CHECK(verify(v.old_size, v.new_size, r1, r2, prefixed) == StatusCode::kDataLoss);
      std::vector<Digest> cut(v.proof.begin(), v.proof.end() - 1);
      CHECK(verify(v.old_size, v.new_size, r1, r2, cut) == StatusCode::kDataLoss);
      CHECK(verify(v.old_size, v.new_size, r1, r2, {}) == StatusCode::kDataLoss);
    }
  }
}

TEST_CASE("consistency edge cases follow the documented policy", "[proof][merkle]") {
  const Digest empty = EmptyRoot();
  const Digest r1 = Root(1);
  const Digest r2 = Root(2);
  SECTION("the empty tree is consistent with every tree, with an empty proof") {
    CHECK(VerifyConsistency(0, 0, empty, empty, {}).ok());
    CHECK(VerifyConsistency(0, 8, empty, Root(8), {}).ok());
    CHECK(VerifyConsistency(0, 1, empty, r1, {r1}) ==
          DataLossError("consistency proof has 1 hashes, want 0 from tree size 0 to 1"));
    CHECK(VerifyConsistency(0, 1, r1, r1, {}) ==
          DataLossError("old root " + crypto::ToHex(r1) + " of tree size 0 is not the empty root " +
                        kRootHex[0]));
    CHECK(Code(VerifyConsistency(0, 0, r1, r1, {})) == StatusCode::kDataLoss);
  }
  SECTION("equal sizes need equal roots and an empty proof") {
    CHECK(VerifyConsistency(1, 1, r1, r1, {}).ok());
    CHECK(VerifyConsistency(1, 1, r1, r2, {}) ==
          DataLossError("two roots for tree size 1: " + crypto::ToHex(r1) + " and " +
                        crypto::ToHex(r2)));
    CHECK(Code(VerifyConsistency(1, 1, r1, r1, {r1})) == StatusCode::kDataLoss);
  }
  SECTION("a growing tree needs a proof") {
    CHECK(VerifyConsistency(1, 2, r1, r2, {}) ==
          DataLossError("consistency proof has 0 hashes, want 1 from tree size 1 to 2"));
  }
  SECTION("a shrinking tree is refused") {
    CHECK(VerifyConsistency(3, 2, Root(3), r2, {}) ==
          InvalidArgumentError("old tree size 3 is above new tree size 2"));
  }
  SECTION("a proof to another root names it") {
    std::vector<Digest> proof = Ds({k12});
    Status s = VerifyConsistency(4, 6, Root(4), Root(5), proof);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().rfind("consistency proof does not lead to new root " +
                                std::string(kRootHex[5]) + " (tree size 4 to 6, it leads to " +
                                kRootHex[6],
                            0) == 0);
  }
}

// Leaf hashes for a larger oracle run: leaf i is LeafHash of its decimal form.
std::vector<Digest> NumberLeaves(size_t n) {
  std::vector<Digest> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(crypto::LeafHash(crypto::AsBytes(std::to_string(i))));
  return out;
}

TEST_CASE("for every size up to 130 the oracle's proofs verify and the range agrees",
          "[proof][merkle][oracle]") {
  constexpr size_t kMax = 130;
  std::vector<Digest> leaves = NumberLeaves(kMax);
  std::vector<Digest> roots = {EmptyRoot()};
  CompactRange range;
  for (size_t n = 1; n <= kMax; ++n) {
    range.Append(leaves[n - 1]);
    roots.push_back(RootOf(std::span(leaves).first(n)));
    REQUIRE(range.Root() == roots[n]);
  }
  for (size_t n = 1; n <= kMax; ++n) {
    std::span<const Digest> tree = std::span(leaves).first(n);
    for (uint64_t i = 0; i < n; ++i) {
      Result<std::vector<Digest>> proof = InclusionProofOf(tree, i);
      REQUIRE(proof.ok());
      REQUIRE(proof->size() == InclusionProofLength(i, n));
      Status s = VerifyInclusion(i, n, leaves[i], *proof, roots[n]);
      INFO("leaf " << i << " of " << n << ": " << s.message());
      REQUIRE(s.ok());
    }
  }
  for (size_t n = 0; n <= 70; ++n) {
    std::span<const Digest> tree = std::span(leaves).first(n);
    for (uint64_t m = 0; m <= n; ++m) {
      Result<std::vector<Digest>> proof = ConsistencyProofOf(tree, m);
      REQUIRE(proof.ok());
      REQUIRE(proof->size() == ConsistencyProofLength(m, n));
      Status s = VerifyConsistency(m, n, roots[m], roots[n], *proof);
      INFO(m << " -> " << n << ": " << s.message());
      REQUIRE(s.ok());
      if (m > 0 && m < n) {  // and the neighbouring old roots do not pass
        REQUIRE_FALSE(VerifyConsistency(m, n, roots[m - 1], roots[n], *proof).ok());
      }
    }
  }
}

TEST_CASE("the oracles refuse questions outside the list", "[proof][merkle]") {
  std::vector<Digest> leaves = Leaves(3);
  CHECK(InclusionProofOf(leaves, 3).status() ==
        InvalidArgumentError("leaf index 3 is not below tree size 3"));
  CHECK(ConsistencyProofOf(leaves, 4).status() ==
        InvalidArgumentError("old tree size 4 is above new tree size 3"));
  CHECK(ConsistencyProofOf(leaves, 0)->empty());
  CHECK(ConsistencyProofOf(leaves, 3)->empty());
}

}  // namespace
}  // namespace cairn::ledger
