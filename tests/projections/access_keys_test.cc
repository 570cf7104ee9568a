// PrincipalsView's access keys: AccessKeyCreated, AccessKeyUpdated,
// AccessKeyDeleted and PrincipalDeleted, their "access-key/<id>" entries in the
// `state` family, and the DataLoss they report.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "projections/principals.h"
#include "tests/projections/access_events.h"
#include "tests/projections/harness.h"
#include "tests/projections/principal_events.h"

namespace cairn::projections::testing {
namespace {

const AccessEvents kAccess;
const AccessEvents kRefused("LimitExceededException");

using PrincipalHarness = ViewHarness<PrincipalsView, std::string>;

constexpr char kKeyA[] = "AKIAAAAAAAAAAAAAAAAA";
constexpr char kKeyB[] = "AKIABBBBBBBBBBBBBBBB";

PrincipalHarness AliceAndBob() {
  PrincipalHarness h;
  REQUIRE(h.Apply(PrincipalCreated({"alice", KeyZ85(1)})).ok());
  REQUIRE(h.Apply(PrincipalCreated({"bob", KeyZ85(2)})).ok());
  return h;
}

void ExpectLoadsTheSame(const PrincipalHarness& h) {
  Result<PrincipalsView> loaded = PrincipalsView::Load(*h.Persist());
  REQUIRE(loaded.ok());
  CHECK(loaded->access_keys() == h.view.access_keys());
  CHECK(loaded->principals() == h.view.principals());
}

TEST_CASE("an AccessKeyCreated adds an Active key with its sealed secret", "[projections][access-keys]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("alice", kKeyA, "ciphertext-a", 3)).ok());
  CHECK(h.touched == std::vector<std::string>{std::string("access-key/") + kKeyA});
  const AccessKey* key = h.view.FindAccessKey(kKeyA);
  REQUIRE(key != nullptr);
  CHECK(key->principal == "alice");
  CHECK(key->status == kAccessKeyActive);
  CHECK(key->created_ms == h.now_ms);
  CHECK(key->ciphertext == "ciphertext-a");
  CHECK(key->kek_version == 3);
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("bob", kKeyB)).ok());
  CHECK(h.view.AccessKeysOf("alice") == std::vector<const AccessKey*>{key});
  CHECK(h.view.AccessKeysOf("carol").empty());
  ExpectLoadsTheSame(h);
}

TEST_CASE("an AccessKeyUpdated sets the status and an AccessKeyDeleted removes the key",
          "[projections][access-keys]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("alice", kKeyA)).ok());
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("alice", kKeyB)).ok());
  REQUIRE(h.Apply(kAccess.AccessKeyUpdated("alice", kKeyA, "Inactive")).ok());
  CHECK(h.view.FindAccessKey(kKeyA)->status == kAccessKeyInactive);
  ExpectLoadsTheSame(h);
  REQUIRE(h.Apply(kAccess.AccessKeyDeleted("alice", kKeyB)).ok());
  CHECK(h.touched == std::vector<std::string>{std::string("access-key/") + kKeyB});
  CHECK(h.view.FindAccessKey(kKeyB) == nullptr);
  auto store = h.Persist();
  CHECK_FALSE(store->Get(ledger::Family::kState, std::string("access-key/") + kKeyB)->has_value());
  ExpectLoadsTheSame(h);
}

TEST_CASE("a PrincipalDeleted drops the principal's access keys and their entries", "[projections][access-keys]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("alice", kKeyA)).ok());
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("bob", kKeyB)).ok());
  REQUIRE(h.Apply(kAccess.PrincipalDeleted("alice")).ok());
  CHECK(h.touched == std::vector<std::string>{std::string("access-key/") + kKeyA, "alice"});
  CHECK(h.view.FindAccessKey(kKeyA) == nullptr);
  CHECK(h.view.FindAccessKey(kKeyB) != nullptr);
  ExpectLoadsTheSame(h);
}

TEST_CASE("failed access-key calls change nothing", "[projections][access-keys]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kRefused.AccessKeyCreated("alice", kKeyA)).ok());
  REQUIRE(h.Apply(kRefused.AccessKeyUpdated("alice", kKeyA, "Bogus")).ok());
  REQUIRE(h.Apply(kRefused.AccessKeyDeleted("carol", kKeyB)).ok());
  CHECK(h.view.access_keys().empty());
  CHECK(h.all_touched == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("access-key events that contradict the view are DataLoss", "[projections][access-keys]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("alice", kKeyA)).ok());
  Status got;
  std::string want;
  SECTION("a key of an absent principal") {
    got = h.Apply(kAccess.AccessKeyCreated("carol", kKeyB));
    want = "seq 3: AccessKeyCreated: access key AKIABBBBBBBBBBBBBBBB of absent principal carol";
  }
  SECTION("an id made twice") {
    got = h.Apply(kAccess.AccessKeyCreated("bob", kKeyA));
    want = "seq 3: AccessKeyCreated: access key AKIAAAAAAAAAAAAAAAAA exists already";
  }
  SECTION("a key without a ciphertext") {
    got = h.Apply(kAccess.AccessKeyCreated("bob", kKeyB, ""));
    want = "seq 3: AccessKeyCreated: an access key without an id or ciphertext";
  }
  SECTION("an update by another principal") {
    got = h.Apply(kAccess.AccessKeyUpdated("bob", kKeyA, "Inactive"));
    want = "seq 3: AccessKeyUpdated names access key AKIAAAAAAAAAAAAAAAAA, which principal bob does not have";
  }
  SECTION("an unknown status") {
    got = h.Apply(kAccess.AccessKeyUpdated("alice", kKeyA, "Disabled"));
    want = "seq 3: AccessKeyUpdated sets status Disabled";
  }
  SECTION("deleting an absent key") {
    got = h.Apply(kAccess.AccessKeyDeleted("alice", kKeyB));
    want = "seq 3: AccessKeyDeleted names access key AKIABBBBBBBBBBBBBBBB, which principal alice does not have";
  }
  CHECK(got == DataLossError(want));
}

TEST_CASE("Load refuses access-key entries not written by the view", "[projections][access-keys]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.AccessKeyCreated("alice", kKeyA)).ok());
  auto store = h.Persist();
  const std::string key = std::string("access-key/") + kKeyA;
  const std::string entry = **store->Get(ledger::Family::kState, key);
  ledger::WriteSet ws;
  std::string needle;
  SECTION("an entry under another id") {
    ws.Put(ledger::Family::kState, std::string("access-key/") + kKeyB, entry);
    needle = "holds access key";
  }
  SECTION("an entry of an absent principal") {
    ws.Delete(ledger::Family::kState, "principal/alice");
    needle = "of absent principal alice";
  }
  SECTION("a truncated entry") {
    ws.Put(ledger::Family::kState, key, entry.substr(0, entry.size() - 1));
    needle = "is not a CBOR map";
  }
  REQUIRE(store->Write(ws, false).ok());
  Result<PrincipalsView> loaded = PrincipalsView::Load(*store);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kDataLoss);
  INFO(loaded.status().message());
  CHECK(loaded.status().message().find(needle) != std::string::npos);
}

}  // namespace
}  // namespace cairn::projections::testing
