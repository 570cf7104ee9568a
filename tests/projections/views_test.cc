// Views: the three projections applied together as the engine does, persisted
// in each record's batch, loaded back, and rebuilt by projections::Replay from
// a real log (DESIGN.md invariant 3), with access control in the traffic.
#include "projections/views.h"

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/replay.h"
#include "tests/projections/access_events.h"
#include "tests/projections/harness.h"
#include "tests/projections/live_ledger.h"
#include "tests/projections/principal_events.h"

namespace cairn::projections::testing {
namespace {

const Events kOk;
const AccessEvents kAccess;
const AccessEvents kRefused("AccessDeniedException");

std::string SecretArn(int n) {
  return "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/" + std::to_string(n) +
         "-AbCdEf";
}

// A script touching every view and every access-control event, refused calls
// and reads among them.
std::vector<EventBytes> Script(int rounds, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<EventBytes> e;
  e.push_back(kOk.LedgerInitialized("ledger-v", "us-east-1", kAccount, "mk"));
  e.push_back(kAccess.PolicyCreated("read-all", kReadAll, "read"));
  e.push_back(kAccess.PolicyCreated("deny-delete", kDenyDelete));
  for (int i = 0; i < rounds; ++i) {
    const std::string p = "p" + std::to_string(i);
    const std::string arn = SecretArn(i);
    const std::string key = KeyZ85(i % 60) + (i < 60 ? "" : "-b");
    e.push_back(PrincipalCreated({p, key, kPrincipalUser, i % 3 == 0}));
    e.push_back(kAccess.Attached(p, "read-all"));
    if (rng() % 2) e.push_back(kAccess.Attached(p, "deny-delete"));
    e.push_back(kRefused.Attached(p, "absent"));
    e.push_back(kOk.Created(arn, "app/" + std::to_string(i), VersionSpec{"v" + std::to_string(i)}));
    e.push_back(kAccess.ResourcePolicyPut(arn, rng() % 2 ? kAliceMayRead : kAccountMayDescribe));
    e.push_back(kAccess.ResourcePolicyRead(arn));
    e.push_back(kAccess.AccessDenied("secretsmanager:GetSecretValue", arn));
    e.push_back(kAccess.PrincipalUpdated(p, rng() % 4 != 0, rng() % 2 == 0));
    e.push_back(kAccess.PolicySimulated(p));
    e.push_back(kAccess.PoliciesListed(2));
    if (i % 4 == 1) e.push_back(kAccess.Detached(p, "read-all"));
    if (i % 5 == 2) e.push_back(kAccess.ResourcePolicyDeleted(arn));
    if (i % 5 == 3) {
      e.push_back(kOk.DeletionScheduled(arn, kT0, 0));
      e.push_back(kOk.Purged(arn));
    }
    if (i % 6 == 4) {
      e.push_back(kAccess.PrincipalDeleted(p));
      e.push_back(PrincipalCreated({p, key}));  // re-enrolled, nothing attached
    }
    if (i % 7 == 5) e.push_back(kAccess.PrincipalKeyRotated(p, key + "-rotated"));
  }
  return e;
}

// Entries under `prefix` in a state map.
size_t Count(const std::map<std::string, std::string>& entries, const std::string& prefix) {
  size_t n = 0;
  for (const auto& [key, value] : entries) n += key.rfind(prefix, 0) == 0;
  return n;
}

TEST_CASE("replaying the log gives the live state of every view, policies included",
          "[projections][replay][policies]") {
  const std::vector<EventBytes> script = Script(80, 11);
  LiveLedger live({"user:test", "LocalUser", "test", "req", "test"});
  int64_t t = kT0;
  for (const EventBytes& e : script) live.Append(e, t += kHourMs);

  const auto entries = StateEntries(live.store());
  Result<ReplayResult> replayed = Replay(live.store());
  REQUIRE(replayed.ok());
  CHECK(replayed->records == script.size());
  CHECK(replayed->state_entries == entries);
  CHECK(replayed->views.principals.principals() == live.views.principals.principals());
  CHECK(replayed->views.secrets.secrets() == live.views.secrets.secrets());
  CHECK(replayed->views.policies.policies().size() == 2);
  // The script must have exercised what it is meant to test.
  CHECK(Count(entries, "policy/") == 2);
  CHECK(Count(entries, "attached/") > 40);
  CHECK(Count(entries, "attached/") < 80);
  CHECK(Count(entries, "resource-policy/") > 30);
  CHECK(Count(entries, "resource-policy/") < 80);

  SECTION("a replay up to a seq sees the policies as they were") {
    ReplayLimit limit;
    limit.until_seq = 4;
    Result<ReplayResult> early = Replay(live.store(), limit);
    REQUIRE(early.ok());
    CHECK(early->views.policies.policies().size() == 2);
    CHECK(early->views.policies.AttachedTo("p0").empty());
    CHECK(Count(early->state_entries, "principal/") == 1);
  }
}

TEST_CASE("views loaded mid-way and carried on give the same entries as one pass",
          "[projections][replay][policies]") {
  const std::vector<EventBytes> script = Script(40, 5);
  const size_t half = script.size() / 2;

  Views straight;
  auto straight_store = ledger::NewMemStore();
  Views first_half;
  auto resumed_store = ledger::NewMemStore();
  auto apply = [&](Views& views, ledger::Store& store, size_t i) {
    Views::Touched touched;
    Status s = views.Apply(i, kT0 + static_cast<int64_t>(i), script[i].event(), &touched);
    INFO(s.ToString());
    REQUIRE(s.ok());
    ledger::WriteSet ws;
    views.WriteTouched(touched, ws);
    REQUIRE(store.Write(ws, false).ok());
  };
  for (size_t i = 0; i < script.size(); ++i) apply(straight, *straight_store, i);
  for (size_t i = 0; i < half; ++i) apply(first_half, *resumed_store, i);

  Result<Views> resumed = Views::Load(*resumed_store);
  REQUIRE(resumed.ok());
  CHECK(resumed->secrets.applied_seq() == half);
  CHECK(resumed->principals.principals() == first_half.principals.principals());
  CHECK(resumed->policies.policies().size() == first_half.policies.policies().size());
  for (size_t i = half; i < script.size(); ++i) apply(*resumed, *resumed_store, i);
  CHECK(StateEntries(*resumed_store) == StateEntries(*straight_store));

  Result<Views> empty = Views::Load(*ledger::NewMemStore());
  REQUIRE(empty.ok());
  CHECK(empty->secrets.applied_seq() == 0);
}

TEST_CASE("a view refusing an event makes Views::Apply DataLoss with the seq",
          "[projections][policies]") {
  Views views;
  Views::Touched touched;
  REQUIRE(
      views.Apply(0, kT0, kOk.LedgerInitialized("l", "us-east-1", kAccount, "mk").event(), &touched)
          .ok());
  CHECK(views.Apply(1, kT0, kAccess.Attached("alice", "absent").event(), &touched) ==
        DataLossError("seq 1: PrincipalPolicyAttached names absent policy absent"));
  CHECK(views.Apply(2, kT0, kAccess.PrincipalDeleted("alice").event(), &touched) ==
        DataLossError("seq 2: PrincipalDeleted names absent principal alice"));
  CHECK(touched.policies.empty());
  CHECK(touched.principals.empty());
}

TEST_CASE("loading views whose policy entries are tampered is DataLoss",
          "[projections][policies]") {
  LiveLedger live({"user:test", "LocalUser", "test", "req", "test"});
  for (const EventBytes& e : Script(3, 1)) live.Append(e, kT0);
  ledger::WriteSet ws;
  ws.Put(ledger::Family::kState, "attached/p1", "forged");
  REQUIRE(live.store_->Write(ws, false).ok());
  Result<Views> loaded = Views::Load(live.store());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status() == DataLossError("state entry attached/p1 is not a CBOR map"));
}

}  // namespace
}  // namespace cairn::projections::testing
