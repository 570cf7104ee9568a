// PoliciesView: evolve from the access-control events, its `state` entries
// (FORMAT in projections/policies.cc), and the DataLoss it reports for
// contradictions and tampered entries.
#include "projections/policies.h"

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/projections/access_events.h"
#include "tests/projections/harness.h"
#include "tests/projections/principal_events.h"

namespace cairn::projections::testing {
namespace {

using nlohmann::json;
using Kind = PolicyKey::Kind;

const Events kOk;
const AccessEvents kAccess;
const AccessEvents kRefused("AccessDeniedException");

// Applies events at consecutive seqs; keeps every key any call touched, so
// Persist writes (or deletes) all of them.
using PolicyHarness = ViewHarness<PoliciesView, PolicyKey>;

// The view as text, compiled forms aside (each must be there).
std::vector<std::string> Describe(const PoliciesView& view) {
  std::vector<std::string> out;
  for (const auto& [name, p] : view.policies()) {
    CHECK(p.compiled != nullptr);
    out.push_back("policy " + name + " " + p.arn + " " + p.description + " " + p.document + " " +
                  std::to_string(p.created_ms));
  }
  for (const std::string principal : {"alice", "bob", "carol"}) {
    for (const std::string& name : view.AttachedTo(principal))
      out.push_back(principal + " <- " + name);
  }
  for (const std::string arn : {kArn, "arn:other"}) {
    if (const ResourcePolicy* r = view.ResourcePolicyFor(arn)) {
      CHECK(r->compiled != nullptr);
      out.push_back("resource " + r->secret_arn + " " + r->document);
    }
  }
  return out;
}

void Put(ledger::Store& store, const std::string& key, const std::string& value) {
  ledger::WriteSet ws;
  ws.Put(ledger::Family::kState, key, value);
  REQUIRE(store.Write(ws, false).ok());
}

std::string Cbor(const json& j) {
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Status LoadStatus(const ledger::Store& store) {
  Result<PoliciesView> view = PoliciesView::Load(store, kAccount);
  return view.ok() ? Status::Ok() : view.status();
}

std::string CompileError(const std::string& document, iam::PolicyKind kind) {
  auto compiled = iam::Compile(document, {kind, kAccount});
  REQUIRE_FALSE(compiled.ok());
  return compiled.status().message();
}

// Two policies, alice holding both and bob one, a resource policy on kArn.
PolicyHarness Populated() {
  PolicyHarness h;
  REQUIRE(h.Apply(kOk.LedgerInitialized("ledger-1", "us-east-1", kAccount, "mk")).ok());
  REQUIRE(h.Apply(kAccess.PolicyCreated("read-all", kReadAll, "reads \xff every secret")).ok());
  h.now_ms += kHourMs;
  REQUIRE(h.Apply(kAccess.PolicyCreated("deny-delete", kDenyDelete)).ok());
  REQUIRE(h.Apply(kAccess.Attached("alice", "read-all")).ok());
  REQUIRE(h.Apply(kAccess.Attached("alice", "deny-delete")).ok());
  REQUIRE(h.Apply(kAccess.Attached("bob", "read-all")).ok());
  REQUIRE(h.Apply(kAccess.ResourcePolicyPut(kArn, kAliceMayRead)).ok());
  return h;
}

TEST_CASE("a PolicyCreated stores the policy, compiled, under its name",
          "[projections][policies]") {
  PolicyHarness h = Populated();
  const Policy* p = h.view.FindPolicy("read-all");
  REQUIRE(p != nullptr);
  CHECK(p->name == "read-all");
  CHECK(p->arn == PolicyArn("read-all"));
  CHECK(p->description == "reads \xff every secret");
  CHECK(p->document == kReadAll);
  CHECK(p->created_ms == kT0);
  CHECK(p->compiled != nullptr);
  CHECK(h.view.FindPolicy("deny-delete")->created_ms == kT0 + kHourMs);
  CHECK(h.view.FindPolicy("absent") == nullptr);
  CHECK(h.view.policies().size() == 2);
}

TEST_CASE("attaching and detaching move a policy on and off a principal",
          "[projections][policies]") {
  PolicyHarness h = Populated();
  CHECK(h.view.AttachedTo("alice") ==
        std::set<std::string, std::less<>>{"deny-delete", "read-all"});
  CHECK(h.view.AttachmentCount("read-all") == 2);
  CHECK(h.view.AttachmentCount("deny-delete") == 1);
  CHECK(h.view.AttachedTo("carol").empty());

  SECTION("attaching twice is a no-op") {
    REQUIRE(h.Apply(kAccess.Attached("bob", "read-all")).ok());
    CHECK(h.view.AttachmentCount("read-all") == 2);
  }
  SECTION("detaching the last policy deletes the principal's entry") {
    REQUIRE(h.Apply(kAccess.Detached("bob", "read-all")).ok());
    CHECK(h.touched == std::vector<PolicyKey>{{Kind::kAttached, "bob"}});
    CHECK(h.view.AttachedTo("bob").empty());
    CHECK(h.view.AttachmentCount("read-all") == 1);
    auto entries = StateEntries(*h.Persist());
    CHECK(entries.count("attached/bob") == 0);
    CHECK(entries.count("attached/alice") == 1);
  }
  SECTION("detaching one of two keeps the other") {
    REQUIRE(h.Apply(kAccess.Detached("alice", "read-all")).ok());
    CHECK(h.view.AttachedTo("alice") == std::set<std::string, std::less<>>{"deny-delete"});
  }
  SECTION("detaching a policy the principal does not hold changes nothing") {
    REQUIRE(h.Apply(kAccess.Detached("bob", "deny-delete")).ok());
    CHECK(h.view.AttachedTo("bob") == std::set<std::string, std::less<>>{"read-all"});
  }
}

TEST_CASE("a PrincipalDeleted drops the principal's attachments", "[projections][policies]") {
  PolicyHarness h = Populated();
  REQUIRE(h.Apply(kAccess.PrincipalDeleted("alice")).ok());
  CHECK(h.touched == std::vector<PolicyKey>{{Kind::kAttached, "alice"}});
  CHECK(h.view.AttachedTo("alice").empty());
  CHECK(h.view.AttachmentCount("deny-delete") == 0);
  CHECK(h.view.policies().size() == 2);  // the policies stay
  CHECK(StateEntries(*h.Persist()).count("attached/alice") == 0);
  REQUIRE(h.Apply(kAccess.PrincipalDeleted("carol")).ok());  // nothing attached
  CHECK(h.touched.empty());
}

TEST_CASE("a PolicyDeleted removes a detached policy", "[projections][policies]") {
  PolicyHarness h = Populated();
  REQUIRE(h.Apply(kAccess.Detached("alice", "deny-delete")).ok());
  REQUIRE(h.Apply(kAccess.PolicyDeleted("deny-delete")).ok());
  CHECK(h.touched == std::vector<PolicyKey>{{Kind::kPolicy, "deny-delete"}});
  CHECK(h.view.FindPolicy("deny-delete") == nullptr);
  CHECK(StateEntries(*h.Persist()).count("policy/deny-delete") == 0);
  // The name is free again.
  REQUIRE(h.Apply(kAccess.PolicyCreated("deny-delete", kReadAll)).ok());
  CHECK(h.view.FindPolicy("deny-delete")->document == kReadAll);
}

TEST_CASE("resource policies are put, replaced, deleted and purged with their secret",
          "[projections][policies]") {
  PolicyHarness h = Populated();
  REQUIRE(h.view.ResourcePolicyFor(kArn) != nullptr);
  CHECK(h.view.ResourcePolicyFor(kArn)->secret_arn == kArn);
  CHECK(h.view.ResourcePolicyFor(kArn)->document == kAliceMayRead);

  REQUIRE(h.Apply(kAccess.ResourcePolicyPut(kArn, kAccountMayDescribe)).ok());
  CHECK(h.touched == std::vector<PolicyKey>{{Kind::kResourcePolicy, kArn}});
  CHECK(h.view.ResourcePolicyFor(kArn)->document == kAccountMayDescribe);
  CHECK(h.view.ResourcePolicyFor(kArn)->compiled != nullptr);

  SECTION("deleted") {
    REQUIRE(h.Apply(kAccess.ResourcePolicyDeleted(kArn)).ok());
    CHECK(h.touched == std::vector<PolicyKey>{{Kind::kResourcePolicy, kArn}});
    REQUIRE(h.Apply(kAccess.ResourcePolicyDeleted(kArn)).ok());  // none left: a no-op
    CHECK(h.touched.empty());
  }
  SECTION("purged with the secret") {
    REQUIRE(h.Apply(kOk.Purged(kArn)).ok());
    CHECK(h.touched == std::vector<PolicyKey>{{Kind::kResourcePolicy, kArn}});
    REQUIRE(h.Apply(kOk.Purged("arn:other")).ok());
    CHECK(h.touched.empty());
  }
  CHECK(h.view.ResourcePolicyFor(kArn) == nullptr);
  CHECK(StateEntries(*h.Persist()).count("resource-policy/" + std::string(kArn)) == 0);
}

TEST_CASE("failed calls, reads and other views' events leave the policies alone",
          "[projections][policies]") {
  PolicyHarness h = Populated();
  const std::vector<std::string> before = Describe(h.view);
  const std::vector<EventBytes> events = [] {
    std::vector<EventBytes> e;
    e.push_back(kRefused.PolicyCreated("new", kReadAll));
    e.push_back(kRefused.PolicyCreated("bad", "not json"));  // failed: never compiled
    e.push_back(kRefused.PolicyDeleted("read-all"));
    e.push_back(kRefused.Attached("carol", "read-all"));
    e.push_back(kRefused.Attached("carol", "absent"));
    e.push_back(kRefused.Detached("alice", "read-all"));
    e.push_back(kRefused.PrincipalDeleted("alice"));
    e.push_back(kRefused.ResourcePolicyPut(kArn, kAccountMayDescribe));
    e.push_back(kRefused.ResourcePolicyDeleted(kArn));
    e.push_back(Events("AccessDeniedException").Purged(kArn));
    e.push_back(kAccess.AccessDenied("secretsmanager:GetSecretValue", kArn));
    e.push_back(kAccess.PoliciesListed(2));
    e.push_back(kAccess.PolicyRead("read-all"));
    e.push_back(kAccess.PolicySimulated("alice"));
    e.push_back(kAccess.ResourcePolicyRead(kArn));
    e.push_back(kAccess.ResourcePolicyValidated(kArn));
    e.push_back(kAccess.PrincipalUpdated("alice", false, false));
    e.push_back(kAccess.PrincipalKeyRotated("alice", KeyZ85(7)));
    e.push_back(PrincipalCreated({"carol", KeyZ85(3)}));
    e.push_back(kOk.Created("arn:other", "other", VersionSpec{"v1"}));
    e.push_back(kOk.OperationFailed());
    return e;
  }();
  for (const EventBytes& e : events) {
    REQUIRE(e.Verifies());
    REQUIRE(h.Apply(e).ok());
    CHECK(h.touched.empty());
  }
  CHECK(Describe(h.view) == before);
}

TEST_CASE("the account id is learnt from the genesis record unless given",
          "[projections][policies]") {
  // A resource policy naming the account compiles with the account the view
  // learnt (or was given); a failed genesis teaches nothing.
  PoliciesView learnt;
  REQUIRE(
      learnt.Apply(0, kT0, kOk.LedgerInitialized("l", "us-east-1", kAccount, "mk").event(), nullptr)
          .ok());
  REQUIRE(
      learnt.Apply(1, kT0, kAccess.ResourcePolicyPut(kArn, kAccountMayDescribe).event(), nullptr)
          .ok());
  CHECK(learnt.ResourcePolicyFor(kArn)->compiled != nullptr);
  PoliciesView given(kAccount);
  REQUIRE(given
              .Apply(0, kT0, kOk.LedgerInitialized("l", "us-east-1", "210987654321", "mk").event(),
                     nullptr)
              .ok());
  REQUIRE(given.Apply(1, kT0, kAccess.ResourcePolicyPut(kArn, kAccountMayDescribe).event(), nullptr)
              .ok());
  CHECK(given.ResourcePolicyFor(kArn)->compiled != nullptr);
}

TEST_CASE("an access-control event that contradicts the policies is DataLoss",
          "[projections][policies]") {
  PolicyHarness h = Populated();  // seqs 0..6
  const std::vector<std::string> before = Describe(h.view);
  Status want;
  Status got;
  SECTION("a policy name created twice") {
    got = h.Apply(kAccess.PolicyCreated("read-all", kDenyDelete));
    want = DataLossError("seq 7: policy read-all exists already");
  }
  SECTION("a policy document that does not compile") {
    got = h.Apply(kAccess.PolicyCreated("bad", "{\"Version\":\"2012-10-17\"}"));
    want = DataLossError("seq 7: policy bad does not compile: " +
                         CompileError("{\"Version\":\"2012-10-17\"}", iam::PolicyKind::kIdentity));
  }
  SECTION("an identity policy naming a Principal") {
    got = h.Apply(kAccess.PolicyCreated("bad", kAliceMayRead));
    want = DataLossError("seq 7: policy bad does not compile: " +
                         CompileError(kAliceMayRead, iam::PolicyKind::kIdentity));
  }
  SECTION("a policy without a name") {
    got = h.Apply(kAccess.PolicyCreated("", kReadAll));
    want = DataLossError("seq 7: a policy without a name");
  }
  SECTION("an attachment of an absent policy") {
    got = h.Apply(kAccess.Attached("carol", "absent"));
    want = DataLossError("seq 7: PrincipalPolicyAttached names absent policy absent");
  }
  SECTION("a detachment of an absent policy") {
    got = h.Apply(kAccess.Detached("alice", "absent"));
    want = DataLossError("seq 7: PrincipalPolicyDetached names absent policy absent");
  }
  SECTION("an absent policy deleted") {
    got = h.Apply(kAccess.PolicyDeleted("absent"));
    want = DataLossError("seq 7: PolicyDeleted for absent policy absent");
  }
  SECTION("an attached policy deleted (the service refuses that)") {
    got = h.Apply(kAccess.PolicyDeleted("read-all"));
    want = DataLossError("seq 7: PolicyDeleted for policy read-all, attached to 2 principal(s)");
  }
  SECTION("a resource policy that does not compile") {
    got = h.Apply(kAccess.ResourcePolicyPut(kArn, kReadAll));  // no Principal
    want =
        DataLossError("seq 7: the resource policy of " + std::string(kArn) +
                      " does not compile: " + CompileError(kReadAll, iam::PolicyKind::kResource));
  }
  SECTION("a resource policy without a secret") {
    got = h.Apply(kAccess.ResourcePolicyPut("", kAliceMayRead));
    want = DataLossError("seq 7: a resource policy without a secret ARN");
  }
  CHECK(got == want);
  CHECK(h.touched.empty());
  CHECK(Describe(h.view) == before);
}

TEST_CASE("policy entries follow the documented CBOR format", "[projections][policies]") {
  PolicyHarness h = Populated();
  const auto entries = StateEntries(*h.Persist());
  // nlohmann's encoder sorts keys bytewise and writes shortest heads: an oracle.
  CHECK(entries.at("policy/deny-delete") == Cbor({{"arn", PolicyArn("deny-delete")},
                                                  {"created_ms", kT0 + kHourMs},
                                                  {"description", ""},
                                                  {"document", kDenyDelete},
                                                  {"format", 1},
                                                  {"name", "deny-delete"}}));
  CHECK(entries.at("attached/alice") ==
        Cbor({{"format", 1}, {"policies", json::array({"deny-delete", "read-all"})}}));
  CHECK(entries.at("attached/bob") ==
        Cbor({{"format", 1}, {"policies", json::array({"read-all"})}}));
  CHECK(entries.at("resource-policy/" + std::string(kArn)) ==
        Cbor({{"document", kAliceMayRead}, {"format", 1}, {"secret_arn", kArn}}));
  CHECK(entries.size() == 5);  // two policies, two attachments, one resource policy
}

TEST_CASE("policies written and loaded back are the same view, byte for byte",
          "[projections][policies]") {
  PolicyHarness h = Populated();
  auto store = h.Persist();
  Result<PoliciesView> loaded = PoliciesView::Load(*store, kAccount);
  REQUIRE(loaded.ok());
  CHECK(Describe(*loaded) == Describe(h.view));
  CHECK(loaded->AttachmentCount("read-all") == 2);

  // Re-encoding what was loaded gives the same bytes.
  std::vector<PolicyKey> keys = h.all_touched;
  auto again = ledger::NewMemStore();
  ledger::WriteSet ws;
  loaded->WriteTouched(keys, ws);
  REQUIRE(again->Write(ws, false).ok());
  CHECK(StateEntries(*again) == StateEntries(*store));

  // And the loaded view carries on like the original.
  PolicyHarness resumed{std::move(loaded).value(), h.seq, h.now_ms, {}, h.all_touched};
  for (PolicyHarness* view : {&h, &resumed}) {
    REQUIRE(view->Apply(kAccess.Detached("alice", "read-all")).ok());
    REQUIRE(view->Apply(kAccess.PrincipalDeleted("bob")).ok());
    REQUIRE(view->Apply(kAccess.PolicyDeleted("read-all")).ok());
    REQUIRE(view->Apply(kOk.Purged(kArn)).ok());
  }
  CHECK(StateEntries(*resumed.Persist()) == StateEntries(*h.Persist()));

  Result<PoliciesView> empty = PoliciesView::Load(*ledger::NewMemStore(), kAccount);
  REQUIRE(empty.ok());
  CHECK(empty->policies().empty());
}

TEST_CASE("loading a tampered policy entry is DataLoss", "[projections][policies]") {
  PolicyHarness h = Populated();
  auto store = h.Persist();
  const std::string read_all = **store->Get(ledger::Family::kState, "policy/read-all");
  const std::string resource_key = "resource-policy/" + std::string(kArn);
  const std::string resource = **store->Get(ledger::Family::kState, resource_key);
  Status want;
  SECTION("not CBOR") {
    Put(*store, "policy/read-all", "forged");
    want = DataLossError("state entry policy/read-all is not a CBOR map");
  }
  SECTION("moved under another name") {
    Put(*store, "policy/read-most", read_all);
    want = DataLossError("state entry policy/read-most holds policy read-all");
  }
  SECTION("a member missing") {
    json j = json::from_cbor(read_all);
    j.erase("document");
    Put(*store, "policy/read-all", Cbor(j));
    want = DataLossError(
        "state entry policy/read-all: [json.exception.out_of_range.403] key 'document' not found");
  }
  SECTION("an unknown format") {
    json j = json::from_cbor(read_all);
    j["format"] = 2;
    Put(*store, "policy/read-all", Cbor(j));
    want = DataLossError("state entry policy/read-all has an unknown format");
  }
  SECTION("not in canonical form") {
    REQUIRE(static_cast<uint8_t>(read_all[0]) == 0xa6);  // a map of 6, shortest head
    std::string longer = read_all;
    longer.replace(0, 1, std::string("\xb8\x06", 2));
    Put(*store, "policy/read-all", longer);
    want = DataLossError("state entry policy/read-all is not in canonical form");
  }
  SECTION("a canonical entry whose document does not compile") {
    json j = json::from_cbor(read_all);
    j["document"] = "not json";
    Put(*store, "policy/read-all", Cbor(j));
    want = DataLossError("state entry policy/read-all does not compile: " +
                         CompileError("not json", iam::PolicyKind::kIdentity));
  }
  SECTION("an attachment of an absent policy") {
    Put(*store, "attached/carol", Cbor({{"format", 1}, {"policies", json::array({"absent"})}}));
    want = DataLossError("state entry attached/carol names absent policy absent");
  }
  SECTION("an attachment entry with no policy") {
    Put(*store, "attached/carol", Cbor({{"format", 1}, {"policies", json::array()}}));
    want = DataLossError("state entry attached/carol attaches no policy");
  }
  SECTION("attached policies out of order") {
    Put(*store, "attached/alice",
        Cbor({{"format", 1}, {"policies", json::array({"read-all", "deny-delete"})}}));
    want = DataLossError("state entry attached/alice is not in canonical form");
  }
  SECTION("a resource policy moved to another secret") {
    Put(*store, "resource-policy/arn:other", resource);
    want = DataLossError("state entry resource-policy/arn:other holds the resource policy of " +
                         std::string(kArn));
  }
  SECTION("a resource policy that does not compile") {
    json j = json::from_cbor(resource);
    j["document"] = kReadAll;
    Put(*store, resource_key, Cbor(j));
    want = DataLossError("state entry " + resource_key + " does not compile: " +
                         CompileError(kReadAll, iam::PolicyKind::kResource));
  }
  CHECK(LoadStatus(*store) == want);
}

}  // namespace
}  // namespace cairn::projections::testing
