#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "crypto/random.h"

namespace cairn::crypto {
namespace {

std::vector<uint8_t> Draw(RandomSource& rng, size_t n) {
  std::vector<uint8_t> out(n);
  rng.Fill(out.data(), out.size());
  return out;
}

TEST_CASE("the deterministic stream is SHA-256 of seed and counter", "[crypto][random]") {
  auto rng = NewDeterministicRandom(42);
  const std::vector<uint8_t> first = Draw(*rng, 64);
  std::vector<uint8_t> block0 = {0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> block1 = block0;
  block1[15] = 1;
  const Digest d0 = Sha256(block0);
  const Digest d1 = Sha256(block1);
  CHECK(std::equal(d0.begin(), d0.end(), first.begin()));
  CHECK(std::equal(d1.begin(), d1.end(), first.begin() + 32));
}

TEST_CASE("the deterministic stream does not depend on how it is read", "[crypto][random]") {
  auto a = NewDeterministicRandom(1);
  auto b = NewDeterministicRandom(1);
  std::vector<uint8_t> pieces;
  for (size_t n : {1, 7, 31, 33, 0, 28}) {
    const std::vector<uint8_t> part = Draw(*a, n);
    pieces.insert(pieces.end(), part.begin(), part.end());
  }
  CHECK(pieces == Draw(*b, 100));
  CHECK(Draw(*NewDeterministicRandom(2), 32) != Draw(*NewDeterministicRandom(1), 32));
}

TEST_CASE("the system CSPRNG returns different bytes on each call", "[crypto][random]") {
  const std::vector<uint8_t> a = Draw(SystemRandom(), 32);
  const std::vector<uint8_t> b = Draw(SystemRandom(), 32);
  CHECK(a != b);
  CHECK(Draw(SystemRandom(), 100000).size() == 100000);  // large requests are filled
}

TEST_CASE("the system CSPRNG can be used from many threads at once", "[crypto][random]") {
  std::vector<std::thread> threads;
  std::array<std::vector<uint8_t>, 4> out;
  for (size_t i = 0; i < out.size(); ++i) {
    threads.emplace_back([&out, i] { out[i] = Draw(SystemRandom(), 1024); });
  }
  for (auto& t : threads) t.join();
  CHECK(std::set<std::vector<uint8_t>>(out.begin(), out.end()).size() == out.size());
}

TEST_CASE("Uniform stays below its bound and reaches every value", "[crypto][random]") {
  auto rng = NewDeterministicRandom(3);
  for (uint32_t bound : {1u, 2u, 3u, 10u, 62u, 95u}) {
    std::vector<int> seen(bound, 0);
    for (int i = 0; i < 4000; ++i) {
      const uint32_t x = rng->Uniform(bound);
      REQUIRE(x < bound);
      ++seen[x];
    }
    for (uint32_t v = 0; v < bound; ++v) CHECK(seen[v] > 0);
  }
}

TEST_CASE("Uniform with a bound near 2^32 still terminates and stays in range",
          "[crypto][random]") {
  auto rng = NewDeterministicRandom(4);
  const uint32_t bound = (1u << 31) + 1;  // rejects almost half of all draws
  for (int i = 0; i < 1000; ++i) CHECK(rng->Uniform(bound) < bound);
}

TEST_CASE("Uniform is close to flat over a small range", "[crypto][random]") {
  auto rng = NewDeterministicRandom(5);
  constexpr uint32_t kBound = 6;
  constexpr int kDraws = 60000;
  std::array<int, kBound> counts{};
  for (int i = 0; i < kDraws; ++i) ++counts[rng->Uniform(kBound)];
  double chi2 = 0;
  const double expected = double(kDraws) / kBound;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 20.5);  // p < 0.001 for 5 degrees of freedom
}

TEST_CASE("NewUuidV4 produces lower-case RFC 4122 version-4 UUIDs", "[crypto][random]") {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  auto rng = NewDeterministicRandom(6);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = NewUuidV4(*rng);
    CHECK(std::regex_match(id, shape));
    seen.insert(id);
  }
  CHECK(seen.size() == 200);
  CHECK(std::regex_match(NewUuidV4(SystemRandom()), shape));
}

TEST_CASE("RandomAlnum draws n characters from [A-Za-z0-9]", "[crypto][random]") {
  auto rng = NewDeterministicRandom(8);
  const std::string s = RandomAlnum(*rng, 6000);
  CHECK(s.size() == 6000);
  CHECK(std::all_of(s.begin(), s.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
  CHECK(std::set<char>(s.begin(), s.end()).size() == 62);
  CHECK(RandomAlnum(*rng, 0).empty());
}

}  // namespace
}  // namespace cairn::crypto
