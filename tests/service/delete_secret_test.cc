// DeleteSecret, RestoreSecret and the purge (API reference §2.10-2.11, §3.5).
#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

constexpr char kDeletedMessage[] =
    "You can't perform this operation on the secret because it was marked for deletion.";

TEST_CASE("DeleteSecret schedules the deletion 30 days out by default", "[service]") {
  Harness h;
  std::string arn = h.Create("s", "1", 1).body["ARN"];
  Decision d = h.Call("DeleteSecret", {{"SecretId", "s"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretDeletionScheduled");
  CHECK(d.body.dump() ==
        Json({{"ARN", arn}, {"Name", "s"}, {"DeletionDate", (kT0 + 30 * kDayMs) / 1000.0}}).dump());
  const schema::SecretDeletionScheduled* body = EventOf(d)->body_as_SecretDeletionScheduled();
  CHECK(body->recovery_window_days() == 30);
  CHECK(body->deletion_date_unix_ms() == kT0 + 30 * kDayMs);
  Decision seven = h.Call("DeleteSecret", {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}});
  CHECK(ErrorCode(seven) == kInvalidRequest);  // already scheduled
}

TEST_CASE("DeleteSecret validates the recovery window", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  CHECK(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "s"}, {"RecoveryWindowInDays", 6}})) ==
        kInvalidParameter);
  CHECK(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "s"}, {"RecoveryWindowInDays", 31}})) ==
        kInvalidParameter);
  Decision both = h.Call(
      "DeleteSecret",
      {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}, {"ForceDeleteWithoutRecovery", true}});
  CHECK(ErrorCode(both) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "nope"}})) == kResourceNotFound);
  Decision seven = h.Call(
      "DeleteSecret",
      {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}, {"ForceDeleteWithoutRecovery", false}});
  REQUIRE(ErrorCode(seven) == "");
  CHECK(*h.SecretNamed("s").deletion_date_ms == kT0 + 7 * kDayMs);
}

TEST_CASE("a secret scheduled for deletion refuses reads, writes and tags", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  h.Put("s", "2", 2, {{"VersionStages", {"x"}}});
  REQUIRE(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "s"}})) == "");
  std::vector<std::pair<std::string, Json>> calls = {
      {"GetSecretValue", {{"SecretId", "s"}}},
      {"UpdateSecret", {{"SecretId", "s"}, {"Description", "d"}}},
      {"UpdateSecretVersionStage",
       {{"SecretId", "s"}, {"VersionStage", "x"}, {"RemoveFromVersionId", Token(2)}}},
      {"TagResource", {{"SecretId", "s"}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}}},
      {"UntagResource", {{"SecretId", "s"}, {"TagKeys", {"k"}}}},
      {"DeleteSecret", {{"SecretId", "s"}}},
  };
  for (auto& [op, params] : calls) {
    Decision d = h.Call(op, params);
    INFO(op);
    CHECK(ErrorCode(d) == kInvalidRequest);
    CHECK(ErrorMessage(d) == kDeletedMessage);
  }
  CHECK(ErrorCode(h.Put("s", "3", 3)) == kInvalidRequest);
  Decision batch = h.Call("BatchGetSecretValue", {{"SecretIdList", {"s"}}});
  REQUIRE(ErrorCode(batch) == "");
  CHECK(batch.body["Errors"][0]["ErrorCode"] == kInvalidRequest);
  Decision create = h.Call("CreateSecret", {{"Name", "s"}});
  CHECK(ErrorCode(create) == kInvalidRequest);
  CHECK(ErrorMessage(create) ==
        "You can't create this secret because a secret with this name is already scheduled for "
        "deletion.");

  Decision describe = h.Call("DescribeSecret", {{"SecretId", "s"}});
  REQUIRE(ErrorCode(describe) == "");
  CHECK(describe.body["DeletedDate"] == (kT0 + 30 * kDayMs) / 1000.0);
  CHECK(ErrorCode(h.Call("ListSecretVersionIds", {{"SecretId", "s"}})) == "");
}

TEST_CASE("RestoreSecret brings back a secret with its versions and labels", "[service]") {
  Harness h;
  std::string arn = h.Create("s", "1", 1).body["ARN"];
  h.Put("s", "2", 2);
  h.Call("DeleteSecret", {{"SecretId", "s"}});
  Decision d = h.Call("RestoreSecret", {{"SecretId", "s"}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "SecretRestored");
  CHECK(d.body == Json({{"ARN", arn}, {"Name", "s"}}));
  CHECK_FALSE(h.SecretNamed("s").scheduled_for_deletion());
  CHECK(h.GetValue("s") == "2");
  CHECK(h.GetValue("s", {{"VersionStage", "AWSPREVIOUS"}}) == "1");
  CHECK_FALSE(h.Call("DescribeSecret", {{"SecretId", "s"}}).body.contains("DeletedDate"));
  Decision again = h.Call("RestoreSecret", {{"SecretId", "s"}});
  CHECK(ErrorCode(again) == "");
  CHECK(again.event_type == "SecretUnchanged");
  CHECK(ErrorCode(h.Call("RestoreSecret", {{"SecretId", "nope"}})) == kResourceNotFound);
}

TEST_CASE("the purge after the recovery window destroys every version's data key", "[service]") {
  Harness h;
  std::string arn = h.Create("s", "1", 1).body["ARN"];
  h.Put("s", "2", 2);
  h.Call("DeleteSecret", {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}});
  h.Advance(7 * kDayMs - 1);
  CHECK(h.Maintain().empty());
  CHECK(h.keys.size() == 2);
  h.Advance(1);
  std::vector<Decision> purges = h.Maintain();
  REQUIRE(purges.size() == 1);
  const Decision& p = purges[0];
  CHECK(p.event_type == "SecretPurged");
  const schema::Event* e = EventOf(p);
  const schema::SecretPurged* body = e->body_as_SecretPurged();
  CHECK(Str(body->arn()) == arn);
  CHECK(body->destroyed_version_ids()->size() == 2);
  CHECK_FALSE(body->forced());
  CHECK(Str(e->audit()->action()) == "DeleteSecret");
  CHECK(Str(e->audit()->event_category()) == "AwsServiceEvent");
  CHECK(Str(e->audit()->resource()) == arn);
  CHECK(p.key_writes.size() == 2);
  CHECK(h.keys.empty());
  CHECK(ErrorCode(h.Call("DescribeSecret", {{"SecretId", "s"}})) == kResourceNotFound);
  CHECK(ErrorCode(h.Call("RestoreSecret", {{"SecretId", "s"}})) == kResourceNotFound);
}

TEST_CASE("ForceDeleteWithoutRecovery purges on the next maintenance pass", "[service]") {
  Harness h;
  h.auto_maintain = false;
  std::string arn = h.Create("s", "1", 1).body["ARN"];
  Decision d = h.Call("DeleteSecret", {{"SecretId", arn}, {"ForceDeleteWithoutRecovery", true}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.body["DeletionDate"] == kT0 / 1000.0);
  CHECK(EventOf(d)->body_as_SecretDeletionScheduled()->recovery_window_days() == 0);
  CHECK(ErrorCode(h.Create("s", "again", 2)) == kInvalidRequest);  // not purged yet
  std::vector<Decision> purges = h.Maintain();
  REQUIRE(purges.size() == 1);
  CHECK(EventOf(purges[0])->body_as_SecretPurged()->forced());
  CHECK(h.keys.empty());
  CHECK(ErrorCode(h.Create("s", "again", 2)) == "");
}

// Regression (found by the aws CLI conformance suite): a forced delete waits
// for the next maintenance pass to purge, and RestoreSecret used to bring the
// secret back in between.
TEST_CASE("A secret deleted without recovery cannot be restored before its purge", "[service]") {
  Harness h;
  h.auto_maintain = false;
  h.Create("s", "1", 1);
  REQUIRE(ErrorCode(h.Call("DeleteSecret", {{"SecretId", "s"}, {"ForceDeleteWithoutRecovery", true}})) == "");
  Decision restore = h.Call("RestoreSecret", {{"SecretId", "s"}});
  CHECK(ErrorCode(restore) == kInvalidRequest);
  CHECK(ErrorMessage(restore).find("ForceDeleteWithoutRecovery") != std::string::npos);
  CHECK(ErrorCode(h.Call("GetSecretValue", {{"SecretId", "s"}})) == kInvalidRequest);
  REQUIRE(h.Maintain().size() == 1);
  CHECK(ErrorCode(h.Call("RestoreSecret", {{"SecretId", "s"}})) == "ResourceNotFoundException");
}

TEST_CASE("ForceDeleteWithoutRecovery of a secret scheduled for deletion succeeds", "[service]") {
  Harness h;
  h.Create("s", "1", 1);
  h.Call("DeleteSecret", {{"SecretId", "s"}});
  Decision d = h.Call("DeleteSecret", {{"SecretId", "s"}, {"ForceDeleteWithoutRecovery", true}});
  REQUIRE(ErrorCode(d) == "");
  CHECK(h.view.FindByName("s") == nullptr);  // purged by the maintenance pass after the call
}

TEST_CASE(
    "ForceDeleteWithoutRecovery of an unknown secret succeeds with an answer built from the "
    "SecretId",
    "[service]") {
  Harness h;
  Decision by_name =
      h.Call("DeleteSecret", {{"SecretId", "ghost"}, {"ForceDeleteWithoutRecovery", true}});
  REQUIRE(ErrorCode(by_name) == "");
  CHECK(by_name.event_type == "SecretUnchanged");
  CHECK(by_name.body.dump() == Json({{"Name", "ghost"}, {"DeletionDate", kT0 / 1000.0}}).dump());
  std::string arn = std::string(kArnPrefix) + "ghost-AbC123";
  Decision by_arn =
      h.Call("DeleteSecret", {{"SecretId", arn}, {"ForceDeleteWithoutRecovery", true}});
  REQUIRE(ErrorCode(by_arn) == "");
  CHECK(by_arn.body["ARN"] == arn);
  CHECK(by_arn.body["Name"] == "ghost");
}

}  // namespace
}  // namespace cairn::service::testing
