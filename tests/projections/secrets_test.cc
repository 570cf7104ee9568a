// SecretsView::Apply: what each event does to the catalog, what it reports as
// touched, and the DataLoss it returns when an event contradicts the state.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "tests/projections/harness.h"

namespace cairn::projections::testing {
namespace {

const Events kOk;
constexpr char kOtherArn[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-XyZ123";

// A harness holding kArn with value v1 (tags env=prod), created at kT0.
Harness WithSecret() {
  Harness h;
  REQUIRE(h.Apply(kOk.Created(kArn, kName, VersionSpec{"v1"}, {{"env", "prod"}})).ok());
  return h;
}

std::vector<std::string> Arns(std::initializer_list<const char*> arns) {
  return std::vector<std::string>(arns.begin(), arns.end());
}

}  // namespace

TEST_CASE("LedgerInitialized records the ledger's identity", "[projections][secrets]") {
  Harness h;
  REQUIRE(h.Apply(kOk.LedgerInitialized("id-1", "eu-west-1", "123456789012", "mk")).ok());
  CHECK(h.view.info() == LedgerInfo{"id-1", "eu-west-1", "123456789012", "mk"});
  CHECK(h.touched.empty());
  CHECK(h.view.applied_seq() == 1);
}

TEST_CASE("SecretCreated adds the secret, its first version and its name",
          "[projections][secrets]") {
  Harness h;
  REQUIRE(h.Apply(kOk.Created(kArn, kName, VersionSpec{"v1", {kAwsCurrent}, ValueKind::kBinary, 3},
                              {{"env", "prod"}, {"team", "db"}}, "the db", "alias/k"))
              .ok());
  CHECK(h.touched == Arns({kArn}));
  REQUIRE(h.view.FindByName(kName) == h.view.FindByArn(kArn));
  const Secret& s = h.secret();
  CHECK(s.arn == kArn);
  CHECK(s.name == kName);
  CHECK(s.description == "the db");
  CHECK(s.kms_key_id == "alias/k");
  CHECK(s.tags == TagList{{"env", "prod"}, {"team", "db"}});
  CHECK(s.ever_tagged);
  CHECK(s.created_ms == kT0);
  CHECK(s.last_changed_ms == kT0);
  CHECK(s.last_accessed_ms == 0);
  CHECK_FALSE(s.scheduled_for_deletion());
  CHECK(s.next_version_order == 1);
  const Version& v = *s.FindVersion("v1");
  CHECK(v.created_ms == kT0);
  CHECK(v.created_order == 0);
  CHECK(v.kind == ValueKind::kBinary);
  CHECK(v.value_seq == 0);
  CHECK(v.kek_version == 3);
  CHECK(v.value_digest == "digest");
  CHECK(v.stages == std::set<std::string>{kAwsCurrent});
}

TEST_CASE("SecretCreated without a value, description or tags", "[projections][secrets]") {
  Harness h;
  REQUIRE(h.Apply(kOk.Created(kArn, kName, std::nullopt)).ok());
  const Secret& s = h.secret();
  CHECK(s.versions.empty());
  CHECK_FALSE(s.description.has_value());
  CHECK_FALSE(s.ever_tagged);
  CHECK(s.VersionWithStage(kAwsCurrent) == nullptr);
}

TEST_CASE("the first version gets AWSCURRENT even if the event omits it",
          "[projections][secrets]") {
  Harness h;
  REQUIRE(h.Apply(kOk.Created(kArn, kName, VersionSpec{"v1", {"blue"}})).ok());
  CHECK(DescribeLabels(h.secret()) == "v1 [AWSCURRENT, blue]");
}

TEST_CASE("SecretCreated for an existing ARN or a taken name is DataLoss",
          "[projections][secrets]") {
  Harness h = WithSecret();
  const Secret before = h.secret();
  CHECK(h.Apply(kOk.Created(kArn, "other", std::nullopt)) ==
        DataLossError(std::string("seq 1: SecretCreated for existing secret ") + kArn));
  CHECK(
      h.Apply(kOk.Created(kOtherArn, kName, std::nullopt)) ==
      DataLossError(std::string("seq 2: SecretCreated reuses the name prod/db of secret ") + kArn));
  CHECK(h.view.secrets().size() == 1);
  CHECK(h.secret() == before);
  CHECK(h.view.applied_seq() == 1);
}

TEST_CASE("SecretValuePut adds a version created now and bumps LastChangedDate",
          "[projections][secrets]") {
  Harness h = WithSecret();
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kOk.Put(kArn, {"v2", {kAwsCurrent}, ValueKind::kString, 2, {}, "d2"})).ok());
  CHECK(h.touched == Arns({kArn}));
  const Secret& s = h.secret();
  CHECK(s.last_changed_ms == kT0 + kHourMs);
  CHECK(s.created_ms == kT0);
  const Version& v = *s.FindVersion("v2");
  CHECK(v.created_ms == kT0 + kHourMs);
  CHECK(v.created_order == 1);
  CHECK(v.value_seq == 1);
  CHECK(v.kek_version == 2);
  CHECK(v.value_digest == "d2");
}

TEST_CASE("SecretMetadataUpdated changes only the fields it flags", "[projections][secrets]") {
  Harness h = WithSecret();
  h.Advance(kHourMs);
  SECTION("description only") {
    REQUIRE(h.Apply(kOk.MetadataUpdated(kArn, "new", std::nullopt)).ok());
    CHECK(h.secret().description == "new");
    CHECK(h.secret().kms_key_id.empty());
  }
  SECTION("kms key only, and an empty description is still a description") {
    REQUIRE(h.Apply(kOk.MetadataUpdated(kArn, "", "alias/other")).ok());
    CHECK(h.secret().description == "");
    CHECK(h.secret().kms_key_id == "alias/other");
  }
  SECTION("with a value, the new version becomes current") {
    REQUIRE(h.Apply(kOk.MetadataUpdated(kArn, std::nullopt, std::nullopt, VersionSpec{"v2"})).ok());
    CHECK_FALSE(h.secret().description.has_value());
    CHECK(DescribeLabels(h.secret()) == "v1 [AWSPREVIOUS], v2 [AWSCURRENT]");
  }
  CHECK(h.secret().last_changed_ms == kT0 + kHourMs);
  CHECK(h.touched == Arns({kArn}));
}

TEST_CASE("SecretTagged merges by key and SecretUntagged removes keys", "[projections][secrets]") {
  Harness h = WithSecret();
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kOk.Tagged(kArn, {{"team", "db"}, {"env", "dev"}, {"tier", "1"}})).ok());
  CHECK(h.secret().tags == TagList{{"env", "dev"}, {"team", "db"}, {"tier", "1"}});
  CHECK(h.secret().last_changed_ms == kT0 + kHourMs);

  h.Advance(kHourMs);
  REQUIRE(h.Apply(kOk.Untagged(kArn, {"env", "missing"})).ok());
  CHECK(h.secret().tags == TagList{{"team", "db"}, {"tier", "1"}});
  CHECK(h.secret().last_changed_ms == kT0 + 2 * kHourMs);
  CHECK(h.touched == Arns({kArn}));

  REQUIRE(h.Apply(kOk.Untagged(kArn, {"team", "tier"})).ok());
  CHECK(h.secret().tags.empty());
  CHECK(h.secret().ever_tagged);
}

TEST_CASE("tagging a never-tagged secret sets ever_tagged", "[projections][secrets]") {
  Harness h;
  REQUIRE(h.Apply(kOk.Created(kArn, kName, std::nullopt)).ok());
  REQUIRE(h.Apply(kOk.Tagged(kArn, {})).ok());
  CHECK(h.secret().ever_tagged);
}

TEST_CASE("deletion is scheduled, restored, and the purge frees the name",
          "[projections][secrets]") {
  Harness h = WithSecret();
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kOk.DeletionScheduled(kArn, h.now_ms + 30 * kDayMs, 30)).ok());
  CHECK(h.secret().deletion_date_ms == kT0 + kHourMs + 30 * kDayMs);
  CHECK_FALSE(h.secret().deletion_forced);
  CHECK(h.secret().last_changed_ms == kT0 + kHourMs);
  CHECK(h.view.FindByName(kName) != nullptr);

  h.Advance(kHourMs);
  REQUIRE(h.Apply(kOk.Restored(kArn)).ok());
  CHECK_FALSE(h.secret().scheduled_for_deletion());
  CHECK(h.secret().last_changed_ms == kT0 + 2 * kHourMs);

  REQUIRE(h.Apply(kOk.DeletionScheduled(kArn, h.now_ms, 0)).ok());
  CHECK(h.secret().deletion_forced);
  REQUIRE(h.Apply(kOk.Purged(kArn, {"v1"}, true)).ok());
  CHECK(h.touched == Arns({kArn}));
  CHECK(h.view.FindByArn(kArn) == nullptr);
  CHECK(h.view.FindByName(kName) == nullptr);

  REQUIRE(h.Apply(kOk.Created(kOtherArn, kName, std::nullopt)).ok());
  CHECK(h.view.FindByName(kName)->arn == kOtherArn);
}

TEST_CASE("a read sets last-accessed dates truncated to the UTC day", "[projections][secrets]") {
  Harness h = WithSecret();
  REQUIRE(h.Apply(kOk.Put(kArn, {"v2"})).ok());
  h.now_ms = 1709745599999;           // 2024-03-06T17:19:59.999Z
  const int64_t day = 1709683200000;  // 2024-03-06T00:00:00Z
  REQUIRE(h.Apply(kOk.ValueRead(kArn, "v1")).ok());
  CHECK(h.touched == Arns({kArn}));
  CHECK(h.secret().last_accessed_ms == day);
  CHECK(h.secret().FindVersion("v1")->last_accessed_ms == day);
  CHECK(h.secret().FindVersion("v2")->last_accessed_ms == 0);
  CHECK(h.secret().last_changed_ms == kT0);

  SECTION("a second read the same day changes nothing and touches nothing") {
    h.Advance(kHourMs);
    REQUIRE(h.Apply(kOk.ValueRead(kArn, "v1")).ok());
    CHECK(h.touched.empty());
  }
  SECTION("a batch read marks each (secret, version) pair") {
    REQUIRE(h.Apply(kOk.Created(kOtherArn, "other", VersionSpec{"o1"})).ok());
    h.Advance(kDayMs);
    REQUIRE(h.Apply(kOk.BatchRead(Arns({kArn, kOtherArn}), {"v2", "o1"}, 1)).ok());
    CHECK(h.touched == Arns({kArn, kOtherArn}));
    CHECK(h.secret().FindVersion("v2")->last_accessed_ms == day + kDayMs);
    CHECK(h.secret().FindVersion("v1")->last_accessed_ms == day);
    CHECK(h.secret(kOtherArn).last_accessed_ms == day + kDayMs);
  }
}

TEST_CASE("failed events change nothing but applied_seq", "[projections][secrets]") {
  Harness h = WithSecret();
  const Secret before = h.secret();
  const Events failed("InvalidRequestException");
  const std::vector<EventBytes> events = [&] {
    std::vector<EventBytes> v;
    v.push_back(failed.Created(kOtherArn, "other", VersionSpec{"o1"}));
    v.push_back(failed.Put(kArn, {"v2"}));
    v.push_back(failed.Put("arn:unknown", {"v2"}));
    v.push_back(failed.MetadataUpdated(kArn, "x", "y"));
    v.push_back(failed.StageUpdated(kArn, kAwsCurrent, "v1", "nope"));
    v.push_back(failed.Tagged(kArn, {{"a", "b"}}));
    v.push_back(failed.Untagged(kArn, {"env"}));
    v.push_back(failed.DeletionScheduled(kArn, 1, 7));
    v.push_back(failed.Restored(kArn));
    v.push_back(failed.Purged(kArn));
    v.push_back(failed.ValueRead(kArn, "v1"));
    v.push_back(failed.BatchRead(Arns({kArn}), {"v1"}));
    v.push_back(failed.LedgerInitialized("x", "y", "z", "w"));
    v.push_back(failed.OperationFailed());
    return v;
  }();
  for (const EventBytes& e : events) {
    const uint64_t seq = h.seq;
    h.Advance(kDayMs);
    REQUIRE(h.Apply(e).ok());
    CHECK(h.touched.empty());
    CHECK(h.view.applied_seq() == seq + 1);
  }
  CHECK(h.view.secrets().size() == 1);
  CHECK(h.secret() == before);
  CHECK(h.view.info() == LedgerInfo{});
}

TEST_CASE("read-only and no-change events change nothing but applied_seq",
          "[projections][secrets]") {
  Harness h = WithSecret();
  const Secret before = h.secret();
  std::vector<EventBytes> events;
  events.push_back(kOk.Described(kArn));
  events.push_back(kOk.Listed(3));
  events.push_back(kOk.VersionIdsListed(kArn, 1));
  events.push_back(kOk.PasswordGenerated(32));
  events.push_back(kOk.OperationFailed());
  events.push_back(kOk.Unchanged(kArn, "v1", "replay"));
  events.push_back(kOk.Unchanged("arn:gone", "", "absent"));
  for (const EventBytes& e : events) {
    REQUIRE(h.Apply(e).ok());
    CHECK(h.touched.empty());
  }
  CHECK(h.secret() == before);
  CHECK(h.view.applied_seq() == 8);
}

TEST_CASE("a mutating event for an unknown secret is DataLoss and changes nothing",
          "[projections][secrets]") {
  Harness h = WithSecret();
  const Secret before = h.secret();
  const std::string unknown = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghost-AAAAAA";
  struct Case {
    EventBytes event;
    std::string type;
  };
  std::vector<Case> cases;
  cases.push_back({kOk.Put(unknown, {"v2"}), "SecretValuePut"});
  cases.push_back({kOk.MetadataUpdated(unknown, "d", std::nullopt), "SecretMetadataUpdated"});
  cases.push_back({kOk.StageUpdated(unknown, kAwsCurrent, "a", "b"), "VersionStageUpdated"});
  cases.push_back({kOk.Tagged(unknown, {{"a", "b"}}), "SecretTagged"});
  cases.push_back({kOk.Untagged(unknown, {"a"}), "SecretUntagged"});
  cases.push_back({kOk.DeletionScheduled(unknown, 1, 7), "SecretDeletionScheduled"});
  cases.push_back({kOk.Restored(unknown), "SecretRestored"});
  cases.push_back({kOk.Purged(unknown), "SecretPurged"});
  cases.push_back({kOk.ValueRead(unknown, "v1"), "SecretValueRead"});
  cases.push_back({kOk.BatchRead({kArn, unknown}, {"v1", "v1"}), "BatchSecretValuesRead"});
  for (const Case& c : cases) {
    const uint64_t seq = h.view.applied_seq();
    h.touched.clear();
    CHECK(h.view.Apply(seq, h.now_ms + kDayMs, c.event.event(), &h.touched) ==
          DataLossError("seq " + std::to_string(seq) + ": " + c.type + " for unknown secret " +
                        unknown));
    CHECK(h.touched.empty());
    CHECK(h.view.applied_seq() == seq);
  }
  CHECK(h.secret() == before);
}

TEST_CASE("a read of an unknown version is DataLoss", "[projections][secrets]") {
  Harness h = WithSecret();
  CHECK(h.Apply(kOk.ValueRead(kArn, "v9")) ==
        DataLossError(std::string("seq 1: SecretValueRead reads unknown version v9 of ") + kArn));
  CHECK(h.secret().last_accessed_ms == 0);
}

TEST_CASE("a batch read whose lists differ in length is DataLoss", "[projections][secrets]") {
  Harness h = WithSecret();
  CHECK(h.Apply(kOk.BatchRead(Arns({kArn}), {})) ==
        DataLossError("seq 1: BatchSecretValuesRead lists 1 ARNs but 0 version ids"));
}

TEST_CASE("an event without a body is DataLoss", "[projections][secrets]") {
  Harness h;
  CHECK(h.Apply(kOk.WithoutBody()) == DataLossError("seq 0: event without a body"));
  CHECK(h.view.applied_seq() == 0);
}

TEST_CASE("applying a seq below applied_seq is DataLoss", "[projections][secrets]") {
  Harness h = WithSecret();
  std::vector<std::string> touched;
  CHECK(h.view.Apply(0, kT0, kOk.Described(kArn).event(), &touched) ==
        DataLossError("seq 0: already applied (applied_seq 1)"));
}

TEST_CASE("Apply accepts a null touched list", "[projections][secrets]") {
  SecretsView view;
  REQUIRE(view.Apply(0, kT0, kOk.Created(kArn, kName, VersionSpec{"v1"}).event(), nullptr).ok());
  CHECK(view.FindByArn(kArn) != nullptr);
}

}  // namespace cairn::projections::testing

namespace cairn::projections::testing {
namespace {

Secret Named(const std::string& arn, int64_t created_ms) {
  Secret s;
  s.arn = arn;
  s.name = arn.substr(arn.rfind(':') + 1);
  s.created_ms = created_ms;
  return s;
}

}  // namespace

// SecretCatalog's hash index must follow the map through inserts, erases,
// copies and moves: a copy finds its own secrets, never the original's.
TEST_CASE("SecretCatalog finds each secret through inserts, erases, copies and moves", "[projections][secrets]") {
  SecretCatalog catalog;
  REQUIRE(catalog.Insert(Named(kArn, 1)));
  REQUIRE(catalog.Insert(Named(kOtherArn, 2)));
  CHECK_FALSE(catalog.Insert(Named(kArn, 3)));  // the ARN is taken: nothing changes
  REQUIRE(catalog.Find(kArn) != nullptr);
  CHECK(catalog.Find(kArn)->created_ms == 1);
  CHECK(catalog.Find(std::string_view(kArn, std::strlen(kArn) - 1)) == nullptr);

  SecretCatalog copy = catalog;
  REQUIRE(copy.Find(kArn) != nullptr);
  CHECK(copy.Find(kArn) != catalog.Find(kArn));
  CHECK(copy.Find(kArn) == &copy.map().at(kArn));
  copy.Erase(kArn);
  CHECK(copy.Find(kArn) == nullptr);
  CHECK(catalog.Find(kArn) != nullptr);
  CHECK(copy.map().size() == 1);

  copy = catalog;  // assigned over: re-indexed
  CHECK(copy.Find(kArn) == &copy.map().at(kArn));

  const Secret* other = catalog.Find(kOtherArn);
  SecretCatalog moved = std::move(catalog);
  CHECK(moved.Find(kOtherArn) == other);  // a move keeps the nodes
  CHECK(moved.Find(kOtherArn) == &moved.map().at(kOtherArn));
  moved.Erase(kOtherArn);
  moved.Erase(kOtherArn);  // erasing an ARN not there changes nothing
  CHECK(moved.Find(kOtherArn) == nullptr);
  CHECK(moved.map().size() == 1);
}

}  // namespace cairn::projections::testing
