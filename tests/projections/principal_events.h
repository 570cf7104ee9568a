// Builders for the principal events (schema PrincipalCreated), beside
// event_builders.h's secret events: real FlatBuffers bytes for PrincipalsView.
#ifndef CAIRN_TESTS_PROJECTIONS_PRINCIPAL_EVENTS_H_
#define CAIRN_TESTS_PROJECTIONS_PRINCIPAL_EVENTS_H_

#include <flatbuffers/flatbuffers.h>

#include <string>
#include <vector>

#include "projections/principals.h"
#include "schema/events_generated.h"
#include "tests/projections/event_builders.h"

namespace cairn::projections::testing {

struct PrincipalSpec {
  std::string name;
  std::string public_key;
  std::string principal_type = kPrincipalUser;
  bool admin = false;
  TagList tags = {};
};

// A 40-character Z85 key, distinct for n in [0, 62).
inline std::string KeyZ85(int n) {
  static const std::string kAlnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string key;
  for (int i = 0; i < 40; ++i) key.push_back(kAlnum[(n + i) % kAlnum.size()]);
  return key;
}

// PrincipalCreated; with a non-empty `error_code`, the failed call's event.
inline EventBytes PrincipalCreated(const PrincipalSpec& p, const std::string& error_code = "") {
  flatbuffers::FlatBufferBuilder fbb;
  const char* kind = p.principal_type == kPrincipalService ? ":role/" : ":user/";
  const std::string arn = "arn:aws:iam::123456789012" + std::string(kind) + p.name;
  std::vector<flatbuffers::Offset<schema::Tag>> tags;
  for (const auto& [key, value] : p.tags) tags.push_back(schema::CreateTagDirect(fbb, key.c_str(), value.c_str()));
  auto body = schema::CreatePrincipalCreatedDirect(fbb, p.name.c_str(), arn.c_str(),
                                                   p.principal_type.c_str(), p.public_key.c_str(),
                                                   &tags, p.admin);
  auto audit = schema::CreateAuditDirect(fbb, "CreatePrincipal", arn.c_str(), false, "AwsApiCall",
                                         error_code.c_str(), "", "{}");
  schema::FinishEventBuffer(
      fbb, schema::CreateEvent(fbb, audit, schema::Body::PrincipalCreated, body.Union()));
  return EventBytes(fbb.Release());
}

inline EventBytes PrincipalsListed(uint32_t count) {
  flatbuffers::FlatBufferBuilder fbb;
  auto body = schema::CreatePrincipalsListed(fbb, count);
  auto audit = schema::CreateAuditDirect(fbb, "ListPrincipals", "", true, "AwsApiCall", "", "", "{}");
  schema::FinishEventBuffer(
      fbb, schema::CreateEvent(fbb, audit, schema::Body::PrincipalsListed, body.Union()));
  return EventBytes(fbb.Release());
}

}  // namespace cairn::projections::testing

#endif  // CAIRN_TESTS_PROJECTIONS_PRINCIPAL_EVENTS_H_
