// LevelDigests (ledger/internal/tree_digest.h): VerifyStore's fast tree check
// rests on two level digests being equal exactly when the levels are.
#include "ledger/internal/tree_digest.h"

#include <catch2/catch.hpp>

namespace cairn::ledger {
namespace {

crypto::Digest Node(uint64_t i) {
  crypto::Digest d{};
  for (int b = 0; b < 8; ++b) d[b] = static_cast<uint8_t>(i >> (8 * b));
  d[31] = 0x5a;
  return d;
}

std::vector<crypto::Digest> DigestOf(const std::vector<crypto::Digest>& level0,
                                     const std::vector<crypto::Digest>& level1 = {}) {
  LevelDigests d;
  for (const auto& n : level0) d.Add(0, n.data());
  for (const auto& n : level1) d.Add(1, n.data());
  return d.Finish();
}

std::vector<crypto::Digest> Nodes(uint64_t count) {
  std::vector<crypto::Digest> v;
  for (uint64_t i = 0; i < count; ++i) v.push_back(Node(i));
  return v;
}

TEST_CASE("level digests are equal exactly when the levels are", "[ledger][tree][verify]") {
  for (uint64_t count : {1, 63, 64, 65, 128, 200}) {
    INFO("nodes " << count);
    const std::vector<crypto::Digest> level = Nodes(count);
    CHECK(DigestOf(level) == DigestOf(level));
    for (uint64_t at : {uint64_t{0}, count / 2, count - 1}) {
      std::vector<crypto::Digest> flipped = level;
      flipped[at][7] ^= 1;
      CHECK(DigestOf(flipped) != DigestOf(level));
    }
    std::vector<crypto::Digest> shorter(level.begin(), level.end() - 1);
    CHECK(DigestOf(shorter) != DigestOf(level));
    std::vector<crypto::Digest> swapped = level;
    if (count > 1) {
      std::swap(swapped[0], swapped[count - 1]);
      CHECK(DigestOf(swapped) != DigestOf(level));
    }
  }
}

TEST_CASE("level digests keep levels apart", "[ledger][tree][verify]") {
  const std::vector<crypto::Digest> a = Nodes(70), b = Nodes(3);
  LevelDigests d;
  CHECK(d.count(0) == 0);
  for (const auto& n : a) d.Add(0, n.data());
  for (const auto& n : b) d.Add(1, n.data());
  CHECK(d.count(0) == 70);
  CHECK(d.count(1) == 3);
  std::vector<crypto::Digest> both = d.Finish();
  REQUIRE(both.size() == 2);
  CHECK(both[0] == DigestOf(a)[0]);
  CHECK(both[1] == DigestOf(b)[0]);
  CHECK(DigestOf(a, b) != DigestOf(b, a));
}

}  // namespace
}  // namespace cairn::ledger
