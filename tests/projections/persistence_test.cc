// SecretsView in the `state` family: WriteTouched then Load gives the same
// view, the same state gives the same bytes, and tampered entries are DataLoss.
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/projections/harness.h"

namespace cairn::projections::testing {
namespace {

const Events kOk;
constexpr char kOtherArn[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-XyZ123";
const std::string kSecretKey = std::string("secret/") + kArn;

// A view exercising every field: info, two secrets, deprecated versions, a
// placeholder, reads, a deletion schedule, non-UTF-8 tag bytes and digests.
Harness RichView() {
  Harness h;
  REQUIRE(h.Apply(kOk.LedgerInitialized("ledger-1", "eu-west-1", "123456789012", "mk-1")).ok());
  REQUIRE(
      h
          .Apply(kOk.Created(
              kArn, kName,
              VersionSpec{
                  "v1", {kAwsCurrent}, ValueKind::kString, 1, {}, std::string("\x00\xff\x10", 3)},
              {{"env", "prod"}, {"bytes", "\xff\xfe"}}, "the db"))
          .ok());
  h.Advance(kHourMs);
  REQUIRE(h.Apply(kOk.Put(kArn, {"v2"})).ok());
  REQUIRE(h.Apply(kOk.Put(kArn, {"v3", {"blue"}, ValueKind::kBinary, 2})).ok());
  REQUIRE(h.Apply(kOk.Put(kArn, {"v4"})).ok());
  REQUIRE(h.Apply(kOk.Placeholder(kArn, "v5")).ok());
  h.Advance(kDayMs);
  REQUIRE(h.Apply(kOk.ValueRead(kArn, "v4")).ok());
  REQUIRE(h.Apply(kOk.Created(kOtherArn, "other", std::nullopt, {}, std::nullopt, "alias/k")).ok());
  REQUIRE(h.Apply(kOk.DeletionScheduled(kOtherArn, h.now_ms + 7 * kDayMs, 7)).ok());
  REQUIRE(h.Apply(kOk.Described(kArn)).ok());
  return h;
}

std::vector<std::string> AllArns(const SecretsView& view) {
  std::vector<std::string> arns;
  for (const auto& [arn, secret] : view.secrets()) arns.push_back(arn);
  return arns;
}

std::unique_ptr<ledger::Store> Persist(const SecretsView& view) {
  std::unique_ptr<ledger::Store> store = ledger::NewMemStore();
  ledger::WriteSet ws;
  view.WriteTouched(AllArns(view), ws);
  REQUIRE(store->Write(ws, false).ok());
  return store;
}

void Put(ledger::Store& store, const std::string& key, const std::string& value) {
  ledger::WriteSet ws;
  ws.Put(ledger::Family::kState, key, value);
  REQUIRE(store.Write(ws, false).ok());
}

void Delete(ledger::Store& store, const std::string& key) {
  ledger::WriteSet ws;
  ws.Delete(ledger::Family::kState, key);
  REQUIRE(store.Write(ws, false).ok());
}

std::string Get(const ledger::Store& store, const std::string& key) {
  auto value = store.Get(ledger::Family::kState, key);
  REQUIRE(value.ok());
  REQUIRE(value->has_value());
  return **value;
}

Status LoadStatus(const ledger::Store& store) {
  Result<SecretsView> view = SecretsView::Load(store);
  return view.ok() ? Status::Ok() : view.status();
}

// Re-encodes a secret entry after `edit` changed its decoded form.
template <typename Edit>
std::string Edited(const std::string& entry, Edit edit) {
  nlohmann::json j = nlohmann::json::from_cbor(entry);
  edit(j);
  std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

}  // namespace

TEST_CASE("WriteTouched then Load reproduces the view", "[projections][persistence]") {
  Harness h = RichView();
  auto store = Persist(h.view);
  Result<SecretsView> loaded = SecretsView::Load(*store);
  REQUIRE(loaded.ok());
  CHECK(loaded->info() == h.view.info());
  CHECK(loaded->applied_seq() == h.view.applied_seq());
  CHECK(loaded->secrets() == h.view.secrets());
  CHECK(loaded->FindByName(kName) == loaded->FindByArn(kArn));
  CHECK(loaded->FindByName("other")->arn == kOtherArn);
}

TEST_CASE("equal state encodes to identical bytes", "[projections][persistence]") {
  auto first = Persist(RichView().view);
  auto second = Persist(RichView().view);
  Result<SecretsView> loaded = SecretsView::Load(*first);
  REQUIRE(loaded.ok());
  auto third = Persist(*loaded);
  CHECK(StateEntries(*first) == StateEntries(*second));
  CHECK(StateEntries(*first) == StateEntries(*third));
  CHECK(StateEntries(*first).size() == 4);  // two secrets, info, applied_seq
}

TEST_CASE("every entry is the CBOR nlohmann would write for the same document",
          "[projections][persistence]") {
  auto store = Persist(RichView().view);
  for (const auto& [key, value] : StateEntries(*store)) {
    if (key == "applied_seq") continue;
    INFO(key);
    const std::vector<uint8_t> oracle = nlohmann::json::to_cbor(nlohmann::json::from_cbor(value));
    CHECK(std::string(oracle.begin(), oracle.end()) == value);
  }
}

TEST_CASE("applied_seq is stored as eight big-endian bytes", "[projections][persistence]") {
  Harness h;
  h.seq = 0x0102;
  REQUIRE(h.Apply(kOk.Listed(0)).ok());
  auto store = Persist(h.view);
  CHECK(Get(*store, "applied_seq") == std::string("\0\0\0\0\0\0\x01\x03", 8));
}

TEST_CASE("WriteTouched deletes the entry of a purged secret", "[projections][persistence]") {
  Harness h = RichView();
  auto store = Persist(h.view);
  REQUIRE(h.Apply(kOk.Purged(kOtherArn)).ok());
  ledger::WriteSet ws;
  h.view.WriteTouched(h.touched, ws);
  REQUIRE(store->Write(ws, false).ok());
  CHECK(StateEntries(*store).count(std::string("secret/") + kOtherArn) == 0);
  Result<SecretsView> loaded = SecretsView::Load(*store);
  REQUIRE(loaded.ok());
  CHECK(loaded->FindByName("other") == nullptr);
  CHECK(loaded->secrets() == h.view.secrets());
}

TEST_CASE("Load of an empty store gives an empty view at seq 0", "[projections][persistence]") {
  auto store = ledger::NewMemStore();
  Result<SecretsView> loaded = SecretsView::Load(*store);
  REQUIRE(loaded.ok());
  CHECK(loaded->applied_seq() == 0);
  CHECK(loaded->secrets().empty());
  CHECK(loaded->info() == LedgerInfo{});
}

TEST_CASE("Load rejects tampered state with DataLoss", "[projections][persistence]") {
  auto store = Persist(RichView().view);
  const std::string entry = Get(*store, kSecretKey);

  SECTION("first byte of a secret entry flipped") {
    std::string bad = entry;
    bad[0] = static_cast<char>(bad[0] ^ 0x40);
    Put(*store, kSecretKey, bad);
    CHECK(LoadStatus(*store).code() == StatusCode::kDataLoss);
  }
  SECTION("secret entry truncated") {
    Put(*store, kSecretKey, entry.substr(0, entry.size() - 3));
    CHECK(LoadStatus(*store) == DataLossError("state entry " + kSecretKey + " is not a CBOR map"));
  }
  SECTION("secret entry stored under another secret's key") {
    const std::string other_key = std::string("secret/") + kOtherArn;
    Put(*store, other_key, entry);
    CHECK(LoadStatus(*store) ==
          DataLossError("state entry " + other_key + " holds secret " + kArn));
  }
  SECTION("secret entry with a member of the wrong type") {
    Put(*store, kSecretKey, Edited(entry, [](nlohmann::json& j) { j["created_ms"] = "soon"; }));
    Status s = LoadStatus(*store);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Matchers::StartsWith("state entry " + kSecretKey + ": "));
  }
  SECTION("secret entry with an extra member") {
    Put(*store, kSecretKey, Edited(entry, [](nlohmann::json& j) { j["extra"] = 1; }));
    CHECK(LoadStatus(*store) ==
          DataLossError("state entry " + kSecretKey + " is not in canonical form"));
  }
  SECTION("secret entry with an unknown format") {
    Put(*store, kSecretKey, Edited(entry, [](nlohmann::json& j) { j["format"] = 2; }));
    CHECK(LoadStatus(*store) ==
          DataLossError("state entry " + kSecretKey + " has an unknown format"));
  }
  SECTION("a label on two versions") {
    Put(*store, kSecretKey,
        Edited(entry, [](nlohmann::json& j) { j["versions"]["v1"]["stages"] = {kAwsCurrent}; }));
    CHECK(LoadStatus(*store) ==
          DataLossError("state entry " + kSecretKey + ": label AWSCURRENT is on two versions"));
  }
  SECTION("an unknown value kind") {
    Put(*store, kSecretKey,
        Edited(entry, [](nlohmann::json& j) { j["versions"]["v1"]["kind"] = 9; }));
    CHECK(LoadStatus(*store) ==
          DataLossError("state entry " + kSecretKey + ": version v1 has an unknown value kind"));
  }
  SECTION("two secrets with one name") {
    const std::string twin_arn = std::string(kArn) + "-twin";
    Put(*store, "secret/" + twin_arn,
        Edited(entry, [&](nlohmann::json& j) { j["arn"] = twin_arn; }));
    CHECK(LoadStatus(*store) == DataLossError(std::string("state: secrets ") + kArn + " and " +
                                              twin_arn + " share the name prod/db"));
  }
  SECTION("applied_seq of the wrong length") {
    Put(*store, "applied_seq", std::string(7, '\0'));
    CHECK(LoadStatus(*store) == DataLossError("state entry applied_seq is 7 bytes, want 8"));
  }
  SECTION("info missing") {
    Delete(*store, "info");
    CHECK(LoadStatus(*store) == DataLossError("state: applied_seq present without info"));
  }
  SECTION("info corrupt") {
    Put(*store, "info", "\xa1");
    CHECK(LoadStatus(*store) == DataLossError("state entry info is not a CBOR map"));
  }
  SECTION("applied_seq missing") {
    Delete(*store, "applied_seq");
    CHECK(LoadStatus(*store) == DataLossError("state: entries present without applied_seq"));
  }
}

}  // namespace cairn::projections::testing
