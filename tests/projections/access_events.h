// Builders for the access-control events (schema PrincipalUpdated ...
// AccessDenied, AccessKeyCreated/Updated/Deleted), beside principal_events.h: real FlatBuffers bytes for
// PrincipalsView and PoliciesView. With a non-empty error_code every event is
// a failed call.
#ifndef CAIRN_TESTS_PROJECTIONS_ACCESS_EVENTS_H_
#define CAIRN_TESTS_PROJECTIONS_ACCESS_EVENTS_H_

#include <flatbuffers/flatbuffers.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ledger/store.h"

#include "schema/events_generated.h"
#include "tests/projections/event_builders.h"
#include "tests/projections/harness.h"

namespace cairn::projections::testing {

inline constexpr char kAccount[] = "123456789012";

// Documents the policy compiler accepts: an identity policy reading every
// secret, and a resource policy letting alice read the secret.
inline constexpr char kReadAll[] =
    R"({"Version":"2012-10-17","Statement":[{"Sid":"ReadAll","Effect":"Allow",)"
    R"("Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
inline constexpr char kDenyDelete[] = R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny",)"
                                      R"("Action":"secretsmanager:DeleteSecret","Resource":"*"}]})";
inline constexpr char kAliceMayRead[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},)"
    R"("Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
inline constexpr char kAccountMayDescribe[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},)"
    R"("Action":"secretsmanager:DescribeSecret","Resource":"*"}]})";

inline std::string PolicyArn(const std::string& name) {
  return "arn:aws:iam::" + std::string(kAccount) + ":policy/" + name;
}

class AccessEvents {
 public:
  explicit AccessEvents(std::string error_code = "") : error_code_(std::move(error_code)) {}

  EventBytes PrincipalUpdated(const std::string& name, bool enabled, bool admin) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::PrincipalUpdated,
                  schema::CreatePrincipalUpdatedDirect(fbb, name.c_str(), enabled, admin));
  }
  EventBytes PrincipalKeyRotated(const std::string& name, const std::string& key) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::PrincipalKeyRotated,
                  schema::CreatePrincipalKeyRotatedDirect(fbb, name.c_str(), key.c_str()));
  }
  EventBytes PrincipalDeleted(const std::string& name) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::PrincipalDeleted,
                  schema::CreatePrincipalDeletedDirect(fbb, name.c_str()));
  }
  EventBytes PolicyCreated(const std::string& name, const std::string& document,
                           const std::string& description = "") const {
    flatbuffers::FlatBufferBuilder fbb;
    const std::string arn = PolicyArn(name);
    return Finish(fbb, schema::Body::PolicyCreated,
                  schema::CreatePolicyCreatedDirect(fbb, name.c_str(), arn.c_str(),
                                                    description.c_str(), document.c_str()));
  }
  EventBytes PolicyDeleted(const std::string& name) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::PolicyDeleted,
                  schema::CreatePolicyDeletedDirect(fbb, name.c_str()));
  }
  EventBytes Attached(const std::string& principal, const std::string& policy) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(
        fbb, schema::Body::PrincipalPolicyAttached,
        schema::CreatePrincipalPolicyAttachedDirect(fbb, principal.c_str(), policy.c_str()));
  }
  EventBytes Detached(const std::string& principal, const std::string& policy) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(
        fbb, schema::Body::PrincipalPolicyDetached,
        schema::CreatePrincipalPolicyDetachedDirect(fbb, principal.c_str(), policy.c_str()));
  }
  EventBytes ResourcePolicyPut(const std::string& arn, const std::string& document) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::ResourcePolicyPut,
                  schema::CreateResourcePolicyPutDirect(fbb, arn.c_str(), document.c_str()));
  }
  EventBytes ResourcePolicyDeleted(const std::string& arn) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::ResourcePolicyDeleted,
                  schema::CreateResourcePolicyDeletedDirect(fbb, arn.c_str()));
  }
  // The reads: no state changes.
  EventBytes PoliciesListed(uint32_t count) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::PoliciesListed, schema::CreatePoliciesListed(fbb, count));
  }
  EventBytes PolicyRead(const std::string& name) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::PolicyRead, schema::CreatePolicyReadDirect(fbb, name.c_str()));
  }
  EventBytes PolicySimulated(const std::string& principal) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(
        fbb, schema::Body::PolicySimulated,
        schema::CreatePolicySimulatedDirect(fbb, principal.c_str(), "secretsmanager:GetSecretValue",
                                            "*", "Allow", "dev-read", "ReadAll"));
  }
  EventBytes ResourcePolicyRead(const std::string& arn) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::ResourcePolicyRead,
                  schema::CreateResourcePolicyReadDirect(fbb, arn.c_str()));
  }
  EventBytes ResourcePolicyValidated(const std::string& arn) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::ResourcePolicyValidated,
                  schema::CreateResourcePolicyValidatedDirect(fbb, arn.c_str(), true, 0));
  }
  // A refused call, with the implicit deny as its authorization.
  EventBytes AccessDenied(const std::string& action, const std::string& resource) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateAccessDeniedDirect(fbb, action.c_str(), resource.c_str());
    auto authorization = schema::CreateAuthorizationDirect(fbb, "ImplicitDeny", "", "");
    auto audit =
        schema::CreateAuditDirect(fbb, action.c_str(), resource.c_str(), false, "AwsApiCall",
                                  "AccessDeniedException", "denied", "{}", authorization);
    schema::FinishEventBuffer(
        fbb, schema::CreateEvent(fbb, audit, schema::Body::AccessDenied, body.Union()));
    return EventBytes(fbb.Release());
  }

  EventBytes AccessKeyCreated(const std::string& principal, const std::string& id,
                              const std::string& ciphertext = "sealed", uint32_t kek_version = 1) const {
    flatbuffers::FlatBufferBuilder fbb;
    const std::vector<uint8_t> bytes(ciphertext.begin(), ciphertext.end());
    return Finish(fbb, schema::Body::AccessKeyCreated,
                  schema::CreateAccessKeyCreatedDirect(fbb, principal.c_str(), id.c_str(), &bytes, kek_version));
  }
  EventBytes AccessKeyUpdated(const std::string& principal, const std::string& id,
                              const std::string& status) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::AccessKeyUpdated,
                  schema::CreateAccessKeyUpdatedDirect(fbb, principal.c_str(), id.c_str(), status.c_str()));
  }
  EventBytes AccessKeyDeleted(const std::string& principal, const std::string& id) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::AccessKeyDeleted,
                  schema::CreateAccessKeyDeletedDirect(fbb, principal.c_str(), id.c_str()));
  }

 private:
  template <typename T>
  EventBytes Finish(flatbuffers::FlatBufferBuilder& fbb, schema::Body type,
                    flatbuffers::Offset<T> body) const {
    const std::string action = schema::EnumNameBody(type);
    auto authorization =
        schema::CreateAuthorizationDirect(fbb, "Allow", "AdministratorAccess", "Statement[0]");
    auto audit = schema::CreateAuditDirect(fbb, action.c_str(), "", false, "AwsApiCall",
                                           error_code_.c_str(), "", "{}", authorization);
    schema::FinishEventBuffer(fbb, schema::CreateEvent(fbb, audit, type, body.Union()));
    return EventBytes(fbb.Release());
  }

  std::string error_code_;
};

// Feeds one view (PrincipalsView with string keys, PoliciesView with
// PolicyKey) consecutive seqs; keeps every key any call touched, so Persist
// writes (or deletes) all of them.
template <typename View, typename Key>
struct ViewHarness {
  Status Apply(const EventBytes& e) {
    touched.clear();
    Status s = view.Apply(seq++, now_ms, e.event(), &touched);
    all_touched.insert(all_touched.end(), touched.begin(), touched.end());
    return s;
  }
  std::unique_ptr<ledger::Store> Persist() const {
    auto store = ledger::NewMemStore();
    ledger::WriteSet ws;
    view.WriteTouched(all_touched, ws);
    REQUIRE(store->Write(ws, false).ok());
    return store;
  }
  View view;
  uint64_t seq = 0;
  int64_t now_ms = kT0;
  std::vector<Key> touched;
  std::vector<Key> all_touched;
};

}  // namespace cairn::projections::testing

#endif  // CAIRN_TESTS_PROJECTIONS_ACCESS_EVENTS_H_
