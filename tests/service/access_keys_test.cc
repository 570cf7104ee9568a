// Access keys on a real engine (service/principals.h): a principal's SigV4
// credentials made, listed, deactivated and deleted; the secret travelling
// only in Response::values and sealed everywhere else; Engine::AccessKeyFor
// following every change; crypto-shredding on deletion; access control; and
// the projection a replay rebuilds byte for byte.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "schema/events_generated.h"
#include "service/api.h"
#include "service/decide.h"
#include "tests/testing/temp_dir.h"
#include "tests/service/harness.h"
#include "tests/service/principal_fixture.h"

namespace cairn {
namespace {

using service::Json;
using service::testing::EventOf;
using testing::AsPrincipal;
using testing::PrincipalEngine;

constexpr char kAliceArn[] = "arn:aws:iam::123456789012:user/alice";

std::string Code(const service::Response& r) { return r.error ? r.error->code : ""; }
std::string Message(const service::Response& r) { return r.error ? r.error->message : ""; }

using testing::AnyFileHolds;

// A key just made: its id and the secret CreateAccessKey returned.
struct MadeKey {
  std::string id;
  std::string secret;
};

struct Keys : PrincipalEngine {
  Keys() {
    REQUIRE(Enrol("root", 1, /*admin=*/true).ok());
    REQUIRE(Enrol("alice", 2).ok());
    REQUIRE(Enrol("bob", 3).ok());
  }
  MadeKey Make(const std::string& principal) {
    auto r = Call("CreateAccessKey", {{"PrincipalName", principal}});
    INFO(Message(r));
    REQUIRE(r.ok());
    REQUIRE(r.values.size() == 1);
    return {r.body["AccessKey"]["AccessKeyId"].get<std::string>(),
            std::string(r.values[0].value.bytes.as_string_view())};
  }
  service::Response Update(const std::string& id, const std::string& status) {
    return Call("UpdateAccessKey", {{"AccessKeyId", id}, {"Status", status}});
  }
  // The principal AccessKeyFor names, "" for none; the secret must match.
  std::string Owner(const MadeKey& key) {
    auto grant = e().AccessKeyFor(key.id);
    if (!grant.has_value()) return "";
    REQUIRE(grant->secret != nullptr);
    CHECK(grant->secret->as_string_view() == key.secret);
    return grant->principal;
  }
  std::string WrappedDek(const std::string& id) {
    auto entry = e().ledger().store().Get(ledger::Family::kKeys, service::AccessKeyEntryKey(id));
    REQUIRE(entry.ok());
    return entry->has_value() ? (*entry)->substr(4) : "";
  }
};

bool AllOf(const std::string& s, std::string_view alphabet) {
  return s.find_first_not_of(alphabet) == std::string::npos;
}

TEST_CASE("CreateAccessKey answers an AKIA id in the body and the secret only in the values",
          "[service][access-keys]") {
  Keys k;
  auto r = k.Call("CreateAccessKey", {{"PrincipalName", "alice"}});
  INFO(Message(r));
  REQUIRE(r.ok());
  const Json& key = r.body["AccessKey"];
  CHECK(key["UserName"] == "alice");
  CHECK(key["Status"] == "Active");
  CHECK(key["CreateDate"].is_number());
  CHECK(key["CreateDate"].get<double>() == Approx(1'763'800'000.0).margin(10));
  const std::string id = key["AccessKeyId"].get<std::string>();
  CHECK(id.size() == 20);
  CHECK(id.starts_with("AKIA"));
  CHECK(AllOf(id.substr(4), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
  CHECK_FALSE(key.contains("SecretAccessKey"));

  REQUIRE(r.values.size() == 1);
  CHECK(r.values[0].index == 0);
  CHECK(r.values[0].value.kind == projections::ValueKind::kString);
  const std::string secret(r.values[0].value.bytes.as_string_view());
  CHECK(secret.size() == 40);
  CHECK(AllOf(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
  CHECK(r.body.dump().find(secret) == std::string::npos);
  Json shown = service::BodyWithValues("CreateAccessKey", r);
  CHECK(shown["AccessKey"]["SecretAccessKey"] == secret);
  service::WipeJsonStrings(shown);

  const ledger::RecordFields record = k.Record(r.seq);  // the event borrows from it
  CHECK(record.event_type == "AccessKeyCreated");
  const schema::Event* event = EventOf(record);
  CHECK(event->audit()->resource()->str() == kAliceArn);
  CHECK(event->audit()->request_parameters()->str() == R"({"principalName":"alice"})");
  const auto* created = event->body_as_AccessKeyCreated();
  REQUIRE(created != nullptr);
  CHECK(created->principal()->str() == "alice");
  CHECK(created->access_key_id()->str() == id);
  REQUIRE(created->ciphertext() != nullptr);
  CHECK(created->ciphertext()->size() > secret.size());
  CHECK_FALSE(k.WrappedDek(id).empty());
}

TEST_CASE("a principal has at most two access keys", "[service][access-keys]") {
  Keys k;
  k.Make("alice");
  const MadeKey second = k.Make("alice");
  auto third = k.Call("CreateAccessKey", {{"PrincipalName", "alice"}});
  CHECK(Code(third) == "LimitExceededException");
  CHECK(Message(third).starts_with("Cannot exceed quota for AccessKeysPerUser: 2"));
  CHECK(third.values.empty());
  CHECK(k.Record(third.seq).event_type == "OperationFailed");
  k.Make("bob");  // the quota is per principal

  SECTION("deleting one makes room again") {
    REQUIRE(k.Call("DeleteAccessKey", {{"AccessKeyId", second.id}}).ok());
    k.Make("alice");
  }
  SECTION("an Inactive key still counts") {
    REQUIRE(k.Update(second.id, "Inactive").ok());
    CHECK(Code(k.Call("CreateAccessKey", {{"PrincipalName", "alice"}})) == "LimitExceededException");
  }
}

TEST_CASE("CreateAccessKey refuses a missing, malformed or unknown principal name", "[service][access-keys]") {
  Keys k;
  auto missing = k.Call("CreateAccessKey", Json::object());
  CHECK(Code(missing) == "InvalidParameterException");
  CHECK(Message(missing) == "You must provide a PrincipalName.");
  auto malformed = k.Call("CreateAccessKey", {{"PrincipalName", "no/slash"}});
  CHECK(Code(malformed) == "ValidationException");
  auto unknown = k.Call("CreateAccessKey", {{"PrincipalName", "carol"}});
  CHECK(Code(unknown) == "ResourceNotFoundException");
  CHECK(Message(unknown) == "Cairn can't find a principal named carol.");
  for (const auto* r : {&missing, &malformed, &unknown}) CHECK(r->values.empty());
  CHECK(k.e().principals_for_testing().access_keys().empty());
}

TEST_CASE("ListAccessKeys lists by principal then id, and one principal's with PrincipalName",
          "[service][access-keys]") {
  Keys k;
  const MadeKey b = k.Make("bob");
  const MadeKey a1 = k.Make("alice");
  const MadeKey a2 = k.Make("alice");
  REQUIRE(k.Update(a2.id, "Inactive").ok());

  auto all = k.Call("ListAccessKeys", Json::object());
  REQUIRE(all.ok());
  CHECK(all.values.empty());
  const Json& list = all.body["AccessKeyMetadata"];
  REQUIRE(list.size() == 3);
  const std::string first = std::min(a1.id, a2.id);
  const std::string second = std::max(a1.id, a2.id);
  CHECK(list[0]["UserName"] == "alice");
  CHECK(list[0]["AccessKeyId"] == first);
  CHECK(list[1]["AccessKeyId"] == second);
  CHECK(list[2]["UserName"] == "bob");
  CHECK(list[2]["AccessKeyId"] == b.id);
  CHECK(list[2]["Status"] == "Active");
  const std::string first_status = first == a2.id ? "Inactive" : "Active";
  CHECK(list[0]["Status"] == first_status);
  CHECK(list[0].contains("CreateDate"));
  CHECK(all.body.dump().find(a1.secret) == std::string::npos);
  const ledger::RecordFields record = k.Record(all.seq);
  CHECK(record.event_type == "AccessKeysListed");
  CHECK(EventOf(record)->body_as_AccessKeysListed()->result_count() == 3);

  auto bobs = k.Call("ListAccessKeys", {{"PrincipalName", "bob"}});
  REQUIRE(bobs.body["AccessKeyMetadata"].size() == 1);
  CHECK(bobs.body["AccessKeyMetadata"][0]["AccessKeyId"] == b.id);
  CHECK(k.Call("ListAccessKeys", {{"PrincipalName", "root"}}).body["AccessKeyMetadata"].empty());
  CHECK(Code(k.Call("ListAccessKeys", {{"PrincipalName", "carol"}})) == "ResourceNotFoundException");
}

TEST_CASE("UpdateAccessKey and DeleteAccessKey check the id, the status and the owner", "[service][access-keys]") {
  Keys k;
  const MadeKey key = k.Make("alice");
  const std::string unknown = "AKIAAAAAAAAAAAAAAAAA";
  for (const std::string op : {"UpdateAccessKey", "DeleteAccessKey"}) {
    Json base = {{"Status", "Inactive"}};
    auto call = [&](Json extra) {
      Json params = base;
      params.update(extra);
      return k.Call(op, params);
    };
    INFO(op);
    CHECK(Code(call({{"AccessKeyId", "AKIA123"}})) == "ValidationException");
    CHECK(Code(call({{"AccessKeyId", "akiaaaaaaaaaaaaaaaaa"}})) == "ValidationException");
    CHECK(Code(call({{"AccessKeyId", std::string(129, 'A')}})) == "ValidationException");
    CHECK(Code(call(Json::object())) == "InvalidParameterException");
    auto missing = call({{"AccessKeyId", unknown}});
    CHECK(Code(missing) == "ResourceNotFoundException");
    CHECK(Message(missing) == "The Access Key with id " + unknown + " cannot be found.");
    CHECK(Code(call({{"AccessKeyId", key.id}, {"PrincipalName", "bob"}})) == "ResourceNotFoundException");
    CHECK(Code(call({{"AccessKeyId", key.id}, {"PrincipalName", "carol"}})) == "ResourceNotFoundException");
  }
  CHECK(Code(k.Update(key.id, "Disabled")) == "ValidationException");
  CHECK(Code(k.Call("UpdateAccessKey", {{"AccessKeyId", key.id}})) == "InvalidParameterException");
  CHECK(k.e().principals_for_testing().FindAccessKey(key.id)->status == "Active");

  auto updated = k.Call("UpdateAccessKey", {{"AccessKeyId", key.id}, {"Status", "Inactive"}, {"PrincipalName", "alice"}});
  REQUIRE(updated.ok());
  CHECK(updated.body == Json::object());
  const ledger::RecordFields record = k.Record(updated.seq);
  const auto* body = EventOf(record)->body_as_AccessKeyUpdated();
  REQUIRE(body != nullptr);
  CHECK(body->status()->str() == "Inactive");
  CHECK(EventOf(record)->audit()->resource()->str() == kAliceArn);
  CHECK(k.e().principals_for_testing().FindAccessKey(key.id)->status == "Inactive");

  auto deleted = k.Call("DeleteAccessKey", {{"AccessKeyId", key.id}});
  REQUIRE(deleted.ok());
  CHECK(deleted.body == Json::object());
  CHECK(k.Record(deleted.seq).event_type == "AccessKeyDeleted");
  CHECK(k.e().principals_for_testing().FindAccessKey(key.id) == nullptr);
  CHECK(Code(k.Call("DeleteAccessKey", {{"AccessKeyId", key.id}})) == "ResourceNotFoundException");
}

TEST_CASE("AccessKeyFor follows the key's status and its principal's state", "[service][access-keys]") {
  Keys k;
  const MadeKey key = k.Make("alice");
  const MadeKey other = k.Make("bob");
  CHECK(k.Owner(key) == "alice");
  CHECK(k.Owner(other) == "bob");
  CHECK_FALSE(k.e().AccessKeyFor("AKIAAAAAAAAAAAAAAAAA").has_value());
  CHECK_FALSE(k.e().AccessKeyFor("").has_value());

  SECTION("Inactive, then Active again") {
    REQUIRE(k.Update(key.id, "Inactive").ok());
    CHECK(k.Owner(key).empty());
    REQUIRE(k.Update(key.id, "Active").ok());
    CHECK(k.Owner(key) == "alice");
  }
  SECTION("the principal disabled, then enabled") {
    REQUIRE(k.Call("UpdatePrincipal", {{"Name", "alice"}, {"Enabled", false}}).ok());
    CHECK(k.Owner(key).empty());
    CHECK(k.Owner(other) == "bob");
    REQUIRE(k.Call("UpdatePrincipal", {{"Name", "alice"}, {"Enabled", true}}).ok());
    CHECK(k.Owner(key) == "alice");
  }
  SECTION("the key deleted") {
    REQUIRE(k.Call("DeleteAccessKey", {{"AccessKeyId", key.id}, {"PrincipalName", "alice"}}).ok());
    CHECK(k.Owner(key).empty());
    CHECK(k.Owner(other) == "bob");
  }
  SECTION("the principal deleted, with its keys") {
    auto deleted = k.Call("DeletePrincipal", {{"Name", "alice"}});
    REQUIRE(deleted.ok());
    CHECK(k.Owner(key).empty());
    CHECK(k.e().principals_for_testing().FindAccessKey(key.id) == nullptr);
    CHECK(k.WrappedDek(key.id).empty());
    const ledger::RecordFields record = k.Record(deleted.seq);
    const auto* body = EventOf(record)->body_as_PrincipalDeleted();
    REQUIRE(body->access_key_ids() != nullptr);
    REQUIRE(body->access_key_ids()->size() == 1);
    CHECK(body->access_key_ids()->Get(0)->str() == key.id);
    // A principal enrolled again under the name gets none of the old keys.
    REQUIRE(k.Enrol("alice", 9).ok());
    CHECK(k.Call("ListAccessKeys", {{"PrincipalName", "alice"}}).body["AccessKeyMetadata"].empty());
    CHECK(k.Owner(key).empty());
  }
  SECTION("the grant outlives a later change: the snapshot is copied on write") {
    auto grant = k.e().AccessKeyFor(key.id);
    REQUIRE(grant.has_value());
    REQUIRE(k.Call("DeleteAccessKey", {{"AccessKeyId", key.id}}).ok());
    CHECK(grant->secret->as_string_view() == key.secret);
  }
}

TEST_CASE("a disabled principal may get a key, which authenticates nobody until it is enabled",
          "[service][access-keys]") {
  Keys k;
  REQUIRE(k.Call("UpdatePrincipal", {{"Name", "alice"}, {"Enabled", false}}).ok());
  const MadeKey key = k.Make("alice");
  CHECK(k.Owner(key).empty());
  REQUIRE(k.Call("UpdatePrincipal", {{"Name", "alice"}, {"Enabled", true}}).ok());
  CHECK(k.Owner(key) == "alice");
}

TEST_CASE("reopening the engine keeps the keys and the secrets CreateAccessKey returned", "[service][access-keys]") {
  Keys k;
  const MadeKey active = k.Make("alice");
  const MadeKey inactive = k.Make("alice");
  const MadeKey bobs = k.Make("bob");
  REQUIRE(k.Update(inactive.id, "Inactive").ok());
  const projections::PrincipalsView before = k.e().principals_for_testing();
  k.Reopen();
  CHECK(k.e().principals_for_testing().access_keys() == before.access_keys());
  CHECK(k.Owner(active) == "alice");
  CHECK(k.Owner(inactive).empty());
  CHECK(k.Owner(bobs) == "bob");
  REQUIRE(k.Update(inactive.id, "Active").ok());  // opened from its sealed form now
  CHECK(k.Owner(inactive) == "alice");
}

TEST_CASE("the secret access key is in no record, no state entry and no file", "[service][access-keys][shred]") {
  Keys k;
  const MadeKey key = k.Make("alice");
  REQUIRE(k.Call("ListAccessKeys", Json::object()).ok());
  REQUIRE(k.Update(key.id, "Inactive").ok());

  std::vector<std::string> records;
  REQUIRE(ledger::ForEachRecord(k.e().ledger().store(), 0, [&](std::string_view, std::string_view bytes) {
            records.emplace_back(bytes);
            return true;
          }).ok());
  REQUIRE(records.size() == k.head());
  for (const std::string& record : records) CHECK(record.find(key.secret) == std::string::npos);
  const auto state = testing::FamilyContents(k.e().ledger().store(), ledger::Family::kState);
  REQUIRE(state.count("access-key/" + key.id) == 1);
  for (const auto& [name, entry] : state) CHECK(entry.find(key.secret) == std::string::npos);
  CHECK_FALSE(AnyFileHolds(k.f.dir, key.secret));
  k.engine.reset();  // everything flushed and closed
  CHECK_FALSE(AnyFileHolds(k.f.dir, key.secret));
}

TEST_CASE("deleting an access key shreds its data key from every file", "[service][access-keys][shred]") {
  Keys k;
  const MadeKey key = k.Make("alice");
  const std::string wrapped = k.WrappedDek(key.id);
  REQUIRE_FALSE(wrapped.empty());
  CHECK(AnyFileHolds(k.f.dir, wrapped));

  SECTION("by DeleteAccessKey") {
    REQUIRE(k.Call("DeleteAccessKey", {{"AccessKeyId", key.id}}).ok());
  }
  SECTION("by DeletePrincipal") {
    REQUIRE(k.Call("DeletePrincipal", {{"Name", "alice"}}).ok());
  }
  CHECK(k.WrappedDek(key.id).empty());
  CHECK_FALSE(AnyFileHolds(k.f.dir, wrapped));
  CHECK(testing::FamilyContents(k.e().ledger().store(), ledger::Family::kState).count("access-key/" + key.id) == 0);
  k.Reopen();
  CHECK(k.Owner(key).empty());
}

TEST_CASE("the access-key operations need their cairn: actions", "[service][access-keys][access]") {
  Keys k;
  const auto app = AsPrincipal("alice");

  SECTION("denied without a policy") {
    for (const auto& [op, params] : std::vector<std::pair<std::string, Json>>{
             {"CreateAccessKey", {{"PrincipalName", "alice"}}},
             {"ListAccessKeys", Json::object()},
             {"UpdateAccessKey", {{"AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"}, {"Status", "Active"}}},
             {"DeleteAccessKey", {{"AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"}}}}) {
      auto r = k.Call(op, params, app);
      INFO(op);
      CHECK(Code(r) == "AccessDeniedException");
      CHECK(Message(r).find("cairn:" + op) != std::string::npos);
      CHECK(r.values.empty());
      CHECK(k.Record(r.seq).event_type == "AccessDenied");
    }
    CHECK(k.e().principals_for_testing().access_keys().empty());
  }
  SECTION("an administrator has them all") {
    auto r = k.Call("CreateAccessKey", {{"PrincipalName", "alice"}}, AsPrincipal("root"));
    REQUIRE(r.ok());
    REQUIRE(r.values.size() == 1);
    const std::string id = r.body["AccessKey"]["AccessKeyId"];
    CHECK(k.Call("ListAccessKeys", Json::object(), AsPrincipal("root")).ok());
    CHECK(k.Call("UpdateAccessKey", {{"AccessKeyId", id}, {"Status", "Inactive"}}, AsPrincipal("root")).ok());
    CHECK(k.Call("DeleteAccessKey", {{"AccessKeyId", id}}, AsPrincipal("root")).ok());
  }
  SECTION("a policy granting cairn:CreateAccessKey on the principal's own ARN") {
    REQUIRE(k.Call("CreatePolicy", {{"PolicyName", "own-keys"},
                                    {"PolicyDocument", std::string(R"({"Version":"2012-10-17","Statement":[{)"
                                                                   R"("Effect":"Allow","Action":"cairn:CreateAccessKey",)"
                                                                   R"("Resource":")") +
                                                           kAliceArn + R"("}]})"}})
                .ok());
    REQUIRE(k.Call("AttachPrincipalPolicy", {{"PrincipalName", "alice"}, {"PolicyName", "own-keys"}}).ok());
    auto own = k.Call("CreateAccessKey", {{"PrincipalName", "alice"}}, app);
    INFO(Message(own));
    REQUIRE(own.ok());
    CHECK(own.values.size() == 1);
    auto bobs = k.Call("CreateAccessKey", {{"PrincipalName", "bob"}}, app);
    CHECK(Code(bobs) == "AccessDeniedException");
    CHECK(Message(bobs).find("arn:aws:iam::123456789012:user/bob") != std::string::npos);
    // Deleting needs its own action; the resource is the key's owner.
    const std::string id = own.body["AccessKey"]["AccessKeyId"];
    CHECK(Code(k.Call("DeleteAccessKey", {{"AccessKeyId", id}}, app)) == "AccessDeniedException");
  }
}

TEST_CASE("a replay of the log rebuilds the access-key state byte for byte", "[service][access-keys][replay]") {
  Keys k;
  const MadeKey a = k.Make("alice");
  k.Make("alice");
  const MadeKey b = k.Make("bob");
  REQUIRE(k.Update(a.id, "Inactive").ok());
  REQUIRE(k.Call("DeleteAccessKey", {{"AccessKeyId", b.id}}).ok());
  k.Make("bob");
  REQUIRE(k.Call("DeletePrincipal", {{"Name", "alice"}}).ok());
  k.Make("root");
  CHECK(Code(k.Call("CreateAccessKey", {{"PrincipalName", "alice"}})) == "ResourceNotFoundException");

  const auto stored = testing::FamilyContents(k.e().ledger().store(), ledger::Family::kState);
  auto replayed = testing::ReplayState(k.e().ledger().store());
  REQUIRE(replayed.ok());
  CHECK(*replayed == stored);
  size_t access_keys = 0;
  for (const auto& [name, entry] : stored) access_keys += name.starts_with("access-key/") ? 1 : 0;
  CHECK(access_keys == 2);  // bob's second and root's
}

}  // namespace
}  // namespace cairn
