// PrincipalsView: evolve from PrincipalCreated, its `state` entries (FORMAT in
// projections/principals.cc), and the DataLoss it reports for contradictions
// and tampered entries.
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "projections/principals.h"
#include "tests/projections/harness.h"
#include "tests/projections/principal_events.h"

namespace cairn::projections::testing {
namespace {

const Events kOk;

// Applies events at consecutive seqs from 0 and the harness clock.
struct PrincipalHarness {
  Status Apply(const EventBytes& e) {
    touched.clear();
    Status s = view.Apply(seq++, now_ms, e.event(), &touched);
    return s;
  }
  PrincipalsView view;
  uint64_t seq = 0;
  int64_t now_ms = kT0;
  std::vector<std::string> touched;
};

std::unique_ptr<ledger::Store> Persist(const PrincipalsView& view) {
  std::vector<std::string> names;
  for (const auto& [name, p] : view.principals()) names.push_back(name);
  auto store = ledger::NewMemStore();
  ledger::WriteSet ws;
  view.WriteTouched(names, ws);
  REQUIRE(store->Write(ws, false).ok());
  return store;
}

void Put(ledger::Store& store, const std::string& key, const std::string& value) {
  ledger::WriteSet ws;
  ws.Put(ledger::Family::kState, key, value);
  REQUIRE(store.Write(ws, false).ok());
}

Status LoadStatus(const ledger::Store& store) {
  Result<PrincipalsView> view = PrincipalsView::Load(store);
  return view.ok() ? Status::Ok() : view.status();
}

PrincipalHarness TwoPrincipals() {
  PrincipalHarness h;
  REQUIRE(h.Apply(kOk.LedgerInitialized("ledger-1", "us-east-1", "123456789012", "mk")).ok());
  REQUIRE(h.Apply(PrincipalCreated({"alice", KeyZ85(1), kPrincipalUser, true,
                                    {{"team", "ops"}, {"bytes", "\xff\xfe"}}}))
              .ok());
  h.now_ms += kHourMs;
  REQUIRE(h.Apply(PrincipalCreated({"ci.bot", KeyZ85(2), kPrincipalService})).ok());
  return h;
}

TEST_CASE("a PrincipalCreated enrols the principal under its name and key", "[projections][principals]") {
  PrincipalHarness h = TwoPrincipals();
  CHECK(h.touched == std::vector<std::string>{"ci.bot"});
  const Principal* alice = h.view.FindByName("alice");
  REQUIRE(alice != nullptr);
  CHECK(alice->arn == "arn:aws:iam::123456789012:user/alice");
  CHECK(alice->principal_type == "User");
  CHECK(alice->public_key_z85 == KeyZ85(1));
  CHECK(alice->admin);
  CHECK(alice->enabled);
  CHECK(alice->created_ms == kT0);
  CHECK(alice->tags == TagList{{"team", "ops"}, {"bytes", "\xff\xfe"}});
  const Principal* bot = h.view.FindByKey(KeyZ85(2));
  REQUIRE(bot != nullptr);
  CHECK(bot->name == "ci.bot");
  CHECK(bot->arn == "arn:aws:iam::123456789012:role/ci.bot");
  CHECK_FALSE(bot->admin);
  CHECK(bot->created_ms == kT0 + kHourMs);
  CHECK(h.view.FindByName("carol") == nullptr);
  CHECK(h.view.FindByKey(KeyZ85(3)) == nullptr);
}

TEST_CASE("failed calls and other views' events leave the principals alone", "[projections][principals]") {
  PrincipalHarness h;
  REQUIRE(h.Apply(PrincipalCreated({"alice", KeyZ85(1)}, "AccessDeniedException")).ok());
  REQUIRE(h.Apply(kOk.Created(kArn, kName, VersionSpec{"v1"})).ok());
  REQUIRE(h.Apply(PrincipalsListed(0)).ok());
  REQUIRE(h.Apply(kOk.OperationFailed()).ok());
  CHECK(h.view.principals().empty());
  CHECK(h.touched.empty());
}

TEST_CASE("SecretsView ignores the principal events", "[projections][principals]") {
  Harness h;
  REQUIRE(h.Apply(kOk.LedgerInitialized("ledger-1", "us-east-1", "123456789012", "mk")).ok());
  REQUIRE(h.Apply(PrincipalCreated({"alice", KeyZ85(1)})).ok());
  CHECK(h.touched.empty());
  REQUIRE(h.Apply(PrincipalsListed(1)).ok());
  CHECK(h.view.secrets().empty());
  CHECK(h.view.applied_seq() == 3);
}

TEST_CASE("a PrincipalCreated that contradicts the view is DataLoss", "[projections][principals]") {
  PrincipalHarness h = TwoPrincipals();
  SECTION("a name enrolled already") {
    CHECK(h.Apply(PrincipalCreated({"alice", KeyZ85(9)})) ==
          DataLossError("seq 3: principal alice exists already"));
  }
  SECTION("a public key enrolled already") {
    CHECK(h.Apply(PrincipalCreated({"carol", KeyZ85(2)})) ==
          DataLossError("seq 3: principals ci.bot and carol share a public key"));
  }
  SECTION("no public key") {
    CHECK(h.Apply(PrincipalCreated({"carol", ""})) ==
          DataLossError("seq 3: a principal without a name or public key"));
  }
  CHECK(h.view.principals().size() == 2);
  CHECK(h.view.FindByKey(KeyZ85(9)) == nullptr);
}

TEST_CASE("principal entries follow the documented CBOR format", "[projections][principals]") {
  PrincipalHarness h = TwoPrincipals();
  auto store = Persist(h.view);
  auto bytes = store->Get(ledger::Family::kState, "principal/alice");
  REQUIRE(bytes.ok());
  REQUIRE(bytes->has_value());
  // nlohmann's encoder sorts keys bytewise and writes shortest heads: an oracle.
  nlohmann::json expected = {
      {"admin", true},
      {"arn", "arn:aws:iam::123456789012:user/alice"},
      {"created_ms", kT0},
      {"enabled", true},
      {"format", 1},
      {"name", "alice"},
      {"principal_type", "User"},
      {"public_key", KeyZ85(1)},
      {"tags", nlohmann::json::array({nlohmann::json::array({"team", "ops"})})}};
  PrincipalHarness plain;
  REQUIRE(plain.Apply(PrincipalCreated({"alice", KeyZ85(1), kPrincipalUser, true, {{"team", "ops"}}})).ok());
  auto plain_store = Persist(plain.view);
  const std::vector<uint8_t> oracle = nlohmann::json::to_cbor(expected);
  CHECK(**plain_store->Get(ledger::Family::kState, "principal/alice") ==
        std::string(oracle.begin(), oracle.end()));
  CHECK(StateEntries(*store).size() == 2);  // no applied_seq of its own
}

TEST_CASE("principals written and loaded back are the same view", "[projections][principals]") {
  PrincipalHarness h = TwoPrincipals();
  auto store = Persist(h.view);
  Result<PrincipalsView> loaded = PrincipalsView::Load(*store);
  REQUIRE(loaded.ok());
  CHECK(loaded->principals() == h.view.principals());
  REQUIRE(loaded->FindByKey(KeyZ85(2)) != nullptr);
  CHECK(loaded->FindByKey(KeyZ85(2))->name == "ci.bot");
  CHECK(StateEntries(*Persist(*loaded)) == StateEntries(*store));
  Result<PrincipalsView> empty = PrincipalsView::Load(*ledger::NewMemStore());
  REQUIRE(empty.ok());
  CHECK(empty->principals().empty());
}

TEST_CASE("loading a tampered principal entry is DataLoss", "[projections][principals]") {
  PrincipalHarness h = TwoPrincipals();
  auto store = Persist(h.view);
  const std::string alice = **store->Get(ledger::Family::kState, "principal/alice");
  Status want;
  SECTION("not CBOR") {
    Put(*store, "principal/alice", "forged");
    want = DataLossError("state entry principal/alice is not a CBOR map");
  }
  SECTION("moved under another name") {
    Put(*store, "principal/mallory", alice);
    want = DataLossError("state entry principal/mallory holds principal alice");
  }
  SECTION("a member missing") {
    nlohmann::json j = nlohmann::json::from_cbor(alice);
    j.erase("admin");
    const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
    Put(*store, "principal/alice", std::string(cbor.begin(), cbor.end()));
    want = DataLossError(
        "state entry principal/alice: [json.exception.out_of_range.403] key 'admin' not found");
  }
  SECTION("an unknown format") {
    nlohmann::json j = nlohmann::json::from_cbor(alice);
    j["format"] = 2;
    const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
    Put(*store, "principal/alice", std::string(cbor.begin(), cbor.end()));
    want = DataLossError("state entry principal/alice has an unknown format");
  }
  SECTION("not in canonical form") {
    REQUIRE(static_cast<uint8_t>(alice[0]) == 0xa9);  // a map of 9, shortest head
    std::string longer = alice;
    longer.replace(0, 1, std::string("\xb8\x09", 2));  // the same map, one-byte count
    Put(*store, "principal/alice", longer);
    want = DataLossError("state entry principal/alice is not in canonical form");
  }
  SECTION("two entries with one public key") {
    nlohmann::json j = nlohmann::json::from_cbor(alice);
    j["name"] = "zed";
    const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
    Put(*store, "principal/zed", std::string(cbor.begin(), cbor.end()));
    want = DataLossError("state entry principal/zed: principals alice and zed share a public key");
  }
  CHECK(LoadStatus(*store) == want);
}

}  // namespace
}  // namespace cairn::projections::testing
