// Staging-label transitions, one test case per row of the API reference's
// OBSERVED table (§3.2.2), plus the rules around it (§0.5, §2.6). Each step is
// the event the service appends for the API call named in the table.
#include "projections/labels.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/projections/harness.h"

namespace cairn::projections::testing {
namespace {

// A step of the table, turned into the event the service appends.
struct Step {
  enum Kind { kCreate, kPut, kPlaceholder, kMove } kind;
  std::string version;              // kCreate, kPut, kPlaceholder
  std::vector<std::string> stages;  // kPut
  std::string stage, from, to;      // kMove
};

// CreateSecret with a value.
Step CreateSecret(const std::string& v) { return {Step::kCreate, v, {}, "", "", ""}; }
// PutSecretValue / UpdateSecret; without VersionStages the service sends [AWSCURRENT].
Step Put(const std::string& v, std::vector<std::string> stages = {kAwsCurrent}) {
  return {Step::kPut, v, std::move(stages), "", "", ""};
}
// RotateSecret: a value-less AWSPENDING version.
Step StartRotation(const std::string& v) { return {Step::kPlaceholder, v, {}, "", "", ""}; }
// UpdateSecretVersionStage.
Step UpdateStage(const std::string& stage, const std::string& from, const std::string& to) {
  return {Step::kMove, "", {}, stage, from, to};
}

EventBytes ToEvent(const Step& step) {
  const Events events;
  switch (step.kind) {
    case Step::kCreate:
      return events.Created(kArn, kName, VersionSpec{step.version});
    case Step::kPut:
      return events.Put(kArn, {step.version, step.stages});
    case Step::kPlaceholder:
      return events.Placeholder(kArn, step.version);
    case Step::kMove:
      return events.StageUpdated(kArn, step.stage, step.from, step.to);
  }
  return events.OperationFailed();
}

std::string LabelsAfter(const std::vector<Step>& steps) {
  Harness h;
  for (const Step& step : steps) {
    Status s = h.Apply(ToEvent(step));
    INFO(s.ToString());
    REQUIRE(s.ok());
    h.Advance(kHourMs);
  }
  return DescribeLabels(h.secret());
}

}  // namespace

TEST_CASE("CreateSecret with a value gives v1 AWSCURRENT", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1")}) == "v1 [AWSCURRENT]");
}

TEST_CASE("UpdateSecret with a value moves AWSCURRENT and pushes AWSPREVIOUS",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2")}) == "v1 [AWSPREVIOUS], v2 [AWSCURRENT]");
}

TEST_CASE("a third value deprecates v1 and moves AWSPREVIOUS to v2", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2"), Put("v3")}) ==
        "v1 [], v2 [AWSPREVIOUS], v3 [AWSCURRENT]");
}

TEST_CASE("PutSecretValue with AWSPENDING leaves AWSCURRENT on v1", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending})}) ==
        "v1 [AWSCURRENT], v2 [AWSPENDING]");
}

TEST_CASE("moving AWSCURRENT onto the AWSPENDING holder keeps AWSPENDING there",
          "[projections][labels]") {
  CHECK(LabelsAfter(
            {CreateSecret("v1"), Put("v2", {kAwsPending}), UpdateStage(kAwsCurrent, "v1", "v2")}) ==
        "v1 [AWSPREVIOUS], v2 [AWSCURRENT, AWSPENDING]");
}

TEST_CASE("a new current version drops AWSPENDING from the current holder",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending}),
                     UpdateStage(kAwsCurrent, "v1", "v2"), Put("v3")}) ==
        "v1 [], v2 [AWSPREVIOUS], v3 [AWSCURRENT]");
}

TEST_CASE("a second AWSPENDING put moves AWSPENDING off the current version",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending}),
                     UpdateStage(kAwsCurrent, "v1", "v2"), Put("v3", {kAwsPending})}) ==
        "v1 [AWSPREVIOUS], v2 [AWSCURRENT], v3 [AWSPENDING]");
}

TEST_CASE("moving AWSCURRENT to the new AWSPENDING holder deprecates v1", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending}),
                     UpdateStage(kAwsCurrent, "v1", "v2"), Put("v3", {kAwsPending}),
                     UpdateStage(kAwsCurrent, "v2", "v3")}) ==
        "v1 [], v2 [AWSPREVIOUS], v3 [AWSCURRENT, AWSPENDING]");
}

TEST_CASE("custom labels all move to the version that names them", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {"one", "two", "three"}),
                     Put("v3", {"one", "two", "three", "four"})}) ==
        "v1 [AWSCURRENT], v2 [], v3 [four, one, three, two]");
}

TEST_CASE("custom labels not named again stay where they are", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {"one", "two", "three"}),
                     Put("v3", {"one", "two", "four"})}) ==
        "v1 [AWSCURRENT], v2 [three], v3 [four, one, two]");
}

TEST_CASE("puts with stages lacking AWSCURRENT never move AWSCURRENT", "[projections][labels]") {
  Harness h;
  const Events events;
  REQUIRE(h.Apply(events.Created(kArn, kName, VersionSpec{"v1"})).ok());
  REQUIRE(h.Apply(events.Put(kArn, {"v2", {"SAMPLESTAGE1", "SAMPLESTAGE0"}})).ok());
  CHECK(h.secret().VersionWithStage(kAwsCurrent)->version_id == "v1");
  REQUIRE(h.Apply(events.Put(kArn, {"v3", {"SAMPLESTAGE1", "SAMPLESTAGE0"}})).ok());
  CHECK(h.secret().VersionWithStage(kAwsCurrent)->version_id == "v1");
  REQUIRE(h.Apply(events.Put(kArn, {"v4", {kAwsPending}})).ok());
  CHECK(h.secret().VersionWithStage(kAwsCurrent)->version_id == "v1");
  CHECK(DescribeLabels(h.secret()) ==
        "v1 [AWSCURRENT], v2 [], v3 [SAMPLESTAGE0, SAMPLESTAGE1], v4 [AWSPENDING]");
}

TEST_CASE("a custom PENDING label moved with AWSCURRENT can then be removed",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {"PENDING"}),
                     UpdateStage(kAwsCurrent, "v1", "v2"), UpdateStage("PENDING", "v2", "")}) ==
        "v1 [AWSPREVIOUS], v2 [AWSCURRENT]");
}

TEST_CASE("a successful rotation of v1 ends with v1 AWSPREVIOUS and v2 AWSCURRENT",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), StartRotation("v2"),  // RotateSecret
                     Put("v2", {kAwsPending}),                 // createSecret fills it
                     UpdateStage(kAwsCurrent, "v1", "v2"),     // finishSecret
                     UpdateStage(kAwsPending, "v2", "")}) == "v1 [AWSPREVIOUS], v2 [AWSCURRENT]");
}

// --- rules around the table -------------------------------------------------

TEST_CASE("a new current version abandons a rotation pending on another version",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending}), Put("v3")}) ==
        "v1 [AWSPREVIOUS], v2 [], v3 [AWSCURRENT]");
}

TEST_CASE("a new version taking AWSCURRENT and AWSPENDING keeps both", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending}),
                     Put("v3", {kAwsCurrent, kAwsPending})}) ==
        "v1 [AWSPREVIOUS], v2 [], v3 [AWSCURRENT, AWSPENDING]");
}

TEST_CASE("a put with only custom labels leaves a pending rotation alone",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {kAwsPending}), Put("v3", {"blue"})}) ==
        "v1 [AWSCURRENT], v2 [AWSPENDING], v3 [blue]");
}

TEST_CASE("moving AWSCURRENT back onto the AWSPREVIOUS holder swaps the two labels",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2"), UpdateStage(kAwsCurrent, "v2", "v1")}) ==
        "v1 [AWSCURRENT], v2 [AWSPREVIOUS]");
}

TEST_CASE("moving a custom label leaves AWSPREVIOUS where it is", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2"), Put("v3", {"blue"}),
                     UpdateStage("blue", "v3", "v1")}) ==
        "v1 [AWSPREVIOUS, blue], v2 [AWSCURRENT], v3 []");
}

TEST_CASE("adding a label that is on no version needs no RemoveFromVersionId",
          "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {"blue"}), UpdateStage("green", "", "v2")}) ==
        "v1 [AWSCURRENT], v2 [blue, green]");
}

TEST_CASE("removing the last label of a version deprecates it", "[projections][labels]") {
  CHECK(LabelsAfter({CreateSecret("v1"), Put("v2", {"blue"}), UpdateStage("blue", "v2", "")}) ==
        "v1 [AWSCURRENT], v2 []");
}

TEST_CASE("filling a rotation placeholder keeps its version, order and labels",
          "[projections][labels]") {
  Harness h;
  const Events events;
  REQUIRE(h.Apply(events.Created(kArn, kName, VersionSpec{"v1"})).ok());
  h.Advance(kHourMs);
  REQUIRE(h.Apply(events.Placeholder(kArn, "v2")).ok());
  const int64_t placeholder_time = h.now_ms;
  const Version before = *h.secret().FindVersion("v2");
  CHECK(before.kind == ValueKind::kNone);
  CHECK(before.created_order == 1);

  h.Advance(kHourMs);
  const uint64_t fill_seq = h.seq;
  REQUIRE(h.Apply(events.Put(kArn, {"v2", {kAwsPending}, ValueKind::kBinary, 7, {}, "d2"})).ok());
  const Version& filled = *h.secret().FindVersion("v2");
  CHECK(filled.kind == ValueKind::kBinary);
  CHECK(filled.value_seq == fill_seq);
  CHECK(filled.kek_version == 7);
  CHECK(filled.value_digest == "d2");
  CHECK(filled.created_ms == placeholder_time);
  CHECK(filled.created_order == 1);
  CHECK(h.secret().versions.size() == 2);
  CHECK(h.secret().next_version_order == 2);
  CHECK(DescribeLabels(h.secret()) == "v1 [AWSCURRENT], v2 [AWSPENDING]");
}

TEST_CASE("a put that rewrites a version holding a value is DataLoss", "[projections][labels]") {
  Harness h;
  const Events events;
  REQUIRE(h.Apply(events.Created(kArn, kName, VersionSpec{"v1"})).ok());
  const Secret before = h.secret();
  Status s = h.Apply(events.Put(kArn, {"v1"}));
  CHECK(s == DataLossError(std::string("seq 1: SecretValuePut rewrites version v1 of ") + kArn));
  CHECK(h.secret() == before);
  CHECK(h.view.applied_seq() == 1);
}

TEST_CASE("UpdateSecretVersionStage naming an unknown version is DataLoss",
          "[projections][labels]") {
  Harness h;
  const Events events;
  REQUIRE(h.Apply(events.Created(kArn, kName, VersionSpec{"v1"})).ok());
  const Secret before = h.secret();
  Status s = h.Apply(events.StageUpdated(kArn, kAwsCurrent, "v1", "v9"));
  CHECK(s == DataLossError(std::string("seq 1: VersionStageUpdated names unknown version v9 of ") +
                           kArn));
  CHECK(h.secret() == before);
}

TEST_CASE("CountLabels counts every label on every version", "[projections][labels]") {
  Harness h;
  const Events events;
  REQUIRE(h.Apply(events.Created(kArn, kName, VersionSpec{"v1"})).ok());
  REQUIRE(h.Apply(events.Put(kArn, {"v2"})).ok());
  REQUIRE(h.Apply(events.Put(kArn, {"v3", {"a", "b", kAwsPending}})).ok());
  CHECK(CountLabels(h.secret()) == 5);
}

}  // namespace cairn::projections::testing
