// Bounded mutation runs of every fuzz target, in the default suite, so the
// parsers of untrusted bytes meet broken input under ASan+UBSan on every CI run.
// Deep fuzzing uses the libFuzzer binaries (CAIRN_FUZZ=ON).
#include <catch2/catch.hpp>

#include <random>

#include "tests/fuzz/fuzz_targets.h"

namespace cairn::fuzz {
namespace {

using Target = bool (*)(const uint8_t*, size_t);

struct Tally {
  int accepted = 0;
  int rejected = 0;
};

// Flips, truncates, extends and splices seeds; deterministic. Every seed must be
// accepted; the mutants' outcomes are counted.
Tally Mutate(const std::vector<std::string>& seeds, Target target, int rounds) {
  std::mt19937 rng(12345);
  Tally tally;
  for (const std::string& seed : seeds) {
    INFO("seed of " << seed.size() << " bytes");
    CHECK(target(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()));
  }
  for (int i = 0; i < rounds; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits && !s.empty(); ++e) {
      switch (rng() % 4) {
        case 0: s[rng() % s.size()] ^= static_cast<char>(1 << (rng() % 8)); break;
        case 1: s.resize(rng() % s.size()); break;
        case 2: s.insert(rng() % (s.size() + 1), 1, static_cast<char>(rng())); break;
        case 3: s[rng() % s.size()] = static_cast<char>(rng()); break;
      }
    }
    (target(reinterpret_cast<const uint8_t*>(s.data()), s.size()) ? tally.accepted : tally.rejected)++;
  }
  UNSCOPED_INFO("accepted " << tally.accepted << ", rejected " << tally.rejected);
  return tally;
}

TEST_CASE("record decoding and chain verification survive mutated records", "[fuzz]") {
  auto seeds = RecordSeeds();
  REQUIRE_FALSE(seeds.empty());
  Tally t = Mutate(seeds, FuzzRecord, 3000);
  CHECK(t.rejected > 0);
}

TEST_CASE("the events bus batch splitter survives mutated batch bodies", "[fuzz]") {
  auto seeds = BatchSeeds();
  REQUIRE_FALSE(seeds.empty());
  Tally t = Mutate(seeds, FuzzBatch, 3000);
  CHECK(t.rejected > 0);
  CHECK(t.accepted > 0);
}

TEST_CASE("event verification and projection evolve survive mutated events", "[fuzz]") {
  auto seeds = EventSeeds();
  REQUIRE_FALSE(seeds.empty());
  Tally t = Mutate(seeds, FuzzEvent, 3000);
  CHECK(t.rejected > 0);
}

TEST_CASE("key file and keyring parsers survive mutated files", "[fuzz]") {
  auto seeds = KeyFileSeeds();
  REQUIRE(seeds.size() == 3);
  Tally t = Mutate(seeds, FuzzKeyFile, 300);
  CHECK(t.rejected > 0);
}

TEST_CASE("decide survives mutated request parameters and always emits a valid event", "[fuzz]") {
  Tally t = Mutate(RequestSeeds(), FuzzRequest, 3000);
  CHECK(t.accepted > 0);
  CHECK(t.rejected > 0);
}

TEST_CASE("checkpoint body parsing and signed-note opening survive mutated notes", "[fuzz]") {
  auto seeds = CheckpointSeeds();
  REQUIRE(seeds.size() == 5);
  // The replica snapshot seed opens and carries a snapshot line that parses.
  REQUIRE(FuzzCheckpoint(reinterpret_cast<const uint8_t*>(seeds[4].data()), seeds[4].size()));
  CHECK(seeds[4].find("cairn-snapshot 12 ") != std::string::npos);
  Tally t = Mutate(seeds, FuzzCheckpoint, 3000);
  CHECK(t.rejected > 0);
}

TEST_CASE("the bundle's tar reader survives mutated archives and round-trips what it accepts", "[fuzz]") {
  auto seeds = TarSeeds();
  REQUIRE(seeds.size() == 3);
  Tally t = Mutate(seeds, FuzzTar, 3000);
  CHECK(t.rejected > 0);
  CHECK(t.accepted > 0);
}

TEST_CASE("policy compile, validate and evaluate survive mutated policy documents", "[fuzz]") {
  auto seeds = PolicySeeds();
  REQUIRE(seeds.size() == 3);
  Tally t = Mutate(seeds, FuzzPolicy, 3000);
  CHECK(t.rejected > 0);
  CHECK(t.accepted > 0);
}

TEST_CASE("sigv4 parsing, canonicalisation and verification survive mutated signed requests", "[fuzz]") {
  auto seeds = SigV4Seeds();
  REQUIRE(seeds.size() == 3);
  Tally t = Mutate(seeds, FuzzSigV4, 3000);
  CHECK(t.rejected > 0);
  CHECK(t.accepted > 0);
}

TEST_CASE("the gateway's AWS JSON decoding survives mutated bodies and targets", "[fuzz]") {
  auto seeds = AwsJsonSeeds();
  REQUIRE(seeds.size() == 4);
  Tally t = Mutate(seeds, FuzzAwsJson, 3000);
  CHECK(t.rejected > 0);
  CHECK(t.accepted > 0);
}

TEST_CASE("api request and response decoding survive mutated frames and round-trip what they accept", "[fuzz]") {
  auto requests = ApiRequestSeeds();
  auto responses = ApiResponseSeeds();
  REQUIRE(requests.size() == 2);
  REQUIRE(responses.size() == 2);
  Tally t = Mutate(requests, FuzzApiRequest, 3000);
  CHECK(t.rejected > 0);
  Tally r = Mutate(responses, FuzzApiResponse, 3000);
  CHECK(r.rejected > 0);
}

}  // namespace
}  // namespace cairn::fuzz
