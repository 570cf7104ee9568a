// PrincipalsView after enrolment: PrincipalUpdated, PrincipalKeyRotated and
// PrincipalDeleted, the key index they keep unique, their `state` entries and
// the DataLoss they report.
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
const AccessEvents kRefused("AccessDeniedException");

using PrincipalHarness = ViewHarness<PrincipalsView, std::string>;

PrincipalHarness AliceAndBob() {
  PrincipalHarness h;
  REQUIRE(h.Apply(PrincipalCreated({"alice", KeyZ85(1), kPrincipalUser, true})).ok());
  REQUIRE(h.Apply(PrincipalCreated({"bob", KeyZ85(2)})).ok());
  return h;
}

TEST_CASE("a PrincipalUpdated sets both flags", "[projections][principals]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.PrincipalUpdated("alice", false, false)).ok());
  CHECK(h.touched == std::vector<std::string>{"alice"});
  const Principal* alice = h.view.FindByName("alice");
  CHECK_FALSE(alice->enabled);
  CHECK_FALSE(alice->admin);
  CHECK(h.view.FindByKey(KeyZ85(1)) == alice);  // a disabled principal keeps its key
  REQUIRE(h.Apply(kAccess.PrincipalUpdated("bob", true, true)).ok());
  CHECK(h.view.FindByName("bob")->enabled);
  CHECK(h.view.FindByName("bob")->admin);

  Result<PrincipalsView> loaded = PrincipalsView::Load(*h.Persist());
  REQUIRE(loaded.ok());
  CHECK(loaded->principals() == h.view.principals());
}

TEST_CASE("a PrincipalKeyRotated replaces the key in the index", "[projections][principals]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.PrincipalKeyRotated("alice", KeyZ85(9))).ok());
  CHECK(h.touched == std::vector<std::string>{"alice"});
  CHECK(h.view.FindByName("alice")->public_key_z85 == KeyZ85(9));
  CHECK(h.view.FindByKey(KeyZ85(9)) == h.view.FindByName("alice"));
  CHECK(h.view.FindByKey(KeyZ85(1)) == nullptr);

  SECTION("the old key is free for another principal") {
    REQUIRE(h.Apply(PrincipalCreated({"carol", KeyZ85(1)})).ok());
    CHECK(h.view.FindByKey(KeyZ85(1))->name == "carol");
  }
  SECTION("rotating to the key it holds changes nothing") {
    REQUIRE(h.Apply(kAccess.PrincipalKeyRotated("alice", KeyZ85(9))).ok());
    CHECK(h.view.FindByKey(KeyZ85(9))->name == "alice");
  }
  Result<PrincipalsView> loaded = PrincipalsView::Load(*h.Persist());
  REQUIRE(loaded.ok());
  CHECK(loaded->principals() == h.view.principals());
  CHECK(loaded->FindByKey(KeyZ85(9))->name == "alice");
}

TEST_CASE("a PrincipalDeleted removes the principal, its key and its entry",
          "[projections][principals]") {
  PrincipalHarness h = AliceAndBob();
  REQUIRE(h.Apply(kAccess.PrincipalDeleted("alice")).ok());
  CHECK(h.touched == std::vector<std::string>{"alice"});
  CHECK(h.view.FindByName("alice") == nullptr);
  CHECK(h.view.FindByKey(KeyZ85(1)) == nullptr);
  auto entries = StateEntries(*h.Persist());
  CHECK(entries.count("principal/alice") == 0);
  CHECK(entries.count("principal/bob") == 1);
  // Name and key may be enrolled again.
  REQUIRE(h.Apply(PrincipalCreated({"alice", KeyZ85(1)})).ok());
  CHECK_FALSE(h.view.FindByName("alice")->admin);
  CHECK(h.view.FindByKey(KeyZ85(1))->name == "alice");
}

TEST_CASE("failed principal changes change nothing", "[projections][principals]") {
  PrincipalHarness h = AliceAndBob();
  const auto before = h.view.principals();
  REQUIRE(h.Apply(kRefused.PrincipalUpdated("alice", false, false)).ok());
  REQUIRE(h.Apply(kRefused.PrincipalKeyRotated("alice", KeyZ85(2))).ok());
  REQUIRE(h.Apply(kRefused.PrincipalDeleted("alice")).ok());
  REQUIRE(h.Apply(kRefused.PrincipalUpdated("nobody", false, false)).ok());
  REQUIRE(
      h.Apply(kAccess.AccessDenied("cairn:DeletePrincipal", "arn:aws:iam::123456789012:user/alice"))
          .ok());
  REQUIRE(h.Apply(kAccess.PolicyCreated("read-all", kReadAll)).ok());
  REQUIRE(h.Apply(kAccess.Attached("alice", "read-all")).ok());
  CHECK(h.touched.empty());
  CHECK(h.view.principals() == before);
  CHECK(h.view.FindByKey(KeyZ85(1))->name == "alice");
}

TEST_CASE("a principal change that contradicts the view is DataLoss", "[projections][principals]") {
  PrincipalHarness h = AliceAndBob();  // seqs 0, 1
  const auto before = h.view.principals();
  Status got;
  Status want;
  SECTION("an update of an absent principal") {
    got = h.Apply(kAccess.PrincipalUpdated("carol", true, false));
    want = DataLossError("seq 2: PrincipalUpdated names absent principal carol");
  }
  SECTION("a rotation of an absent principal") {
    got = h.Apply(kAccess.PrincipalKeyRotated("carol", KeyZ85(9)));
    want = DataLossError("seq 2: PrincipalKeyRotated names absent principal carol");
  }
  SECTION("a deletion of an absent principal") {
    got = h.Apply(kAccess.PrincipalDeleted("carol"));
    want = DataLossError("seq 2: PrincipalDeleted names absent principal carol");
  }
  SECTION("a rotation to another principal's key") {
    got = h.Apply(kAccess.PrincipalKeyRotated("alice", KeyZ85(2)));
    want = DataLossError("seq 2: principals bob and alice share a public key");
  }
  SECTION("a rotation to no key") {
    got = h.Apply(kAccess.PrincipalKeyRotated("alice", ""));
    want = DataLossError("seq 2: a principal without a public key");
  }
  CHECK(got == want);
  CHECK(h.touched.empty());
  CHECK(h.view.principals() == before);
  CHECK(h.view.FindByKey(KeyZ85(1))->name == "alice");
  CHECK(h.view.FindByKey(KeyZ85(2))->name == "bob");
}

}  // namespace
}  // namespace cairn::projections::testing
