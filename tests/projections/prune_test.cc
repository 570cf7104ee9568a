// Pruning of deprecated versions (API reference §3.2.3): only above 100
// versions, oldest first, never younger than 24 h, just enough to get back to
// the limit; evolve removes exactly the versions the event lists.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "projections/labels.h"
#include "tests/projections/harness.h"

namespace cairn::projections::testing {
namespace {

// Version ids sort opposite to creation order, so ordering by id would fail.
std::string Id(int i) { return "v" + std::to_string(900 - i); }

// `n` versions created an hour apart from kT0; the newest is AWSCURRENT, the one
// before AWSPREVIOUS, the rest deprecated.
Secret WithVersions(int n) {
  Secret secret;
  secret.arn = kArn;
  for (int i = 0; i < n; ++i) {
    Version v;
    v.version_id = Id(i);
    v.created_order = static_cast<uint64_t>(i);
    v.created_ms = kT0 + i * kHourMs;
    v.kind = ValueKind::kString;
    if (i == n - 1) v.stages = {kAwsCurrent};
    if (i == n - 2) v.stages = {kAwsPrevious};
    secret.versions.emplace(v.version_id, v);
  }
  secret.next_version_order = static_cast<uint64_t>(n);
  return secret;
}

const int64_t kMuchLater = kT0 + 365 * kDayMs;

}  // namespace

TEST_CASE("VersionsToPrune returns nothing while the secret holds at most 100 versions",
          "[projections][prune]") {
  CHECK(VersionsToPrune(WithVersions(100), kMuchLater).empty());
  CHECK(VersionsToPrune(WithVersions(3), kMuchLater).empty());
}

TEST_CASE("VersionsToPrune picks the oldest deprecated versions, just enough to get back to 100",
          "[projections][prune]") {
  CHECK(VersionsToPrune(WithVersions(101), kMuchLater) == std::vector<std::string>{Id(0)});
  CHECK(VersionsToPrune(WithVersions(103), kMuchLater) ==
        std::vector<std::string>{Id(0), Id(1), Id(2)});
}

TEST_CASE("VersionsToPrune honours a smaller max_versions", "[projections][prune]") {
  CHECK(VersionsToPrune(WithVersions(5), kMuchLater, 3) == std::vector<std::string>{Id(0), Id(1)});
}

TEST_CASE("VersionsToPrune never picks a version younger than 24 hours", "[projections][prune]") {
  const Secret secret = WithVersions(103);
  SECTION("half an hour past the first version's 24 h only that one is eligible") {
    CHECK(VersionsToPrune(secret, kT0 + kDayMs + kHourMs / 2) == std::vector<std::string>{Id(0)});
  }
  SECTION("a version exactly 24 hours old is eligible") {
    CHECK(VersionsToPrune(secret, kT0 + kDayMs) == std::vector<std::string>{Id(0)});
  }
  SECTION("a millisecond earlier none is") {
    CHECK(VersionsToPrune(secret, kT0 + kDayMs - 1).empty());
  }
}

TEST_CASE("VersionsToPrune never picks a labelled version", "[projections][prune]") {
  Secret secret = WithVersions(102);
  secret.versions.at(Id(0)).stages = {"keep"};
  CHECK(VersionsToPrune(secret, kMuchLater) == std::vector<std::string>{Id(1), Id(2)});
}

namespace {

// A secret with 101 versions (v0 created, v1..v100 put a minute apart), two
// days old.
Harness HundredAndOneVersions() {
  Harness h;
  const Events events;
  REQUIRE(h.Apply(events.Created(kArn, kName, VersionSpec{"v0"})).ok());
  for (int i = 1; i <= 100; ++i) {
    h.Advance(60 * 1000);
    REQUIRE(h.Apply(events.Put(kArn, {"v" + std::to_string(i)})).ok());
  }
  h.Advance(2 * kDayMs);
  return h;
}

}  // namespace

TEST_CASE("a put listing pruned versions removes exactly those versions", "[projections][prune]") {
  Harness h = HundredAndOneVersions();
  // What the service computes: the rules applied to a preview with v101 added.
  Secret preview = h.secret();
  Version v101;
  v101.version_id = "v101";
  v101.created_ms = h.now_ms;
  v101.created_order = preview.next_version_order;
  preview.versions.emplace("v101", v101);
  AttachStagesToNewVersion(preview, "v101", {kAwsCurrent});
  const std::vector<std::string> pruned = VersionsToPrune(preview, h.now_ms);
  REQUIRE(pruned == std::vector<std::string>{"v0", "v1"});

  REQUIRE(h.Apply(Events().Put(kArn, {"v101", {kAwsCurrent}, ValueKind::kString, 1, pruned})).ok());
  const Secret& secret = h.secret();
  CHECK(secret.versions.size() == 100);
  CHECK(secret.FindVersion("v0") == nullptr);
  CHECK(secret.FindVersion("v1") == nullptr);
  CHECK(secret.FindVersion("v2") != nullptr);
  CHECK(secret.VersionWithStage(kAwsPrevious)->version_id == "v100");
  CHECK(secret.next_version_order == 102);
}

TEST_CASE("pruning an unknown version is DataLoss and changes nothing", "[projections][prune]") {
  Harness h = HundredAndOneVersions();
  const Secret before = h.secret();
  const uint64_t seq = h.seq;
  Status s = h.Apply(Events().Put(kArn, {"v101", {kAwsCurrent}, ValueKind::kString, 1, {"nope"}}));
  CHECK(s == DataLossError("seq " + std::to_string(seq) +
                           ": SecretValuePut prunes unknown version nope of " + kArn));
  CHECK(h.secret() == before);
  CHECK(h.view.applied_seq() == seq);
}

TEST_CASE("pruning a version that still carries a label is DataLoss and changes nothing",
          "[projections][prune]") {
  Harness h = HundredAndOneVersions();
  const Secret before = h.secret();
  const uint64_t seq = h.seq;
  // v100 becomes AWSPREVIOUS when v101 takes AWSCURRENT.
  Status s = h.Apply(Events().Put(kArn, {"v101", {kAwsCurrent}, ValueKind::kString, 1, {"v100"}}));
  CHECK(s == DataLossError("seq " + std::to_string(seq) +
                           ": SecretValuePut prunes labelled version v100 of " + kArn));
  CHECK(h.secret() == before);
}

}  // namespace cairn::projections::testing
