#include "service/internal/outcome.h"

namespace cairn::service::internal {

std::string FinishEvent(flatbuffers::FlatBufferBuilder& fbb, const AuditFields& audit,
                        schema::Body body_type, flatbuffers::Offset<void> body) {
  auto action = fbb.CreateString(audit.action);
  auto resource = fbb.CreateString(audit.resource);
  auto category = fbb.CreateString(audit.event_category);
  auto code = fbb.CreateString(audit.error_code);
  auto message = fbb.CreateString(audit.error_message);
  auto params = fbb.CreateString(audit.request_parameters);
  flatbuffers::Offset<schema::Authorization> authorization;
  if (audit.authorization.has_value()) {
    authorization = schema::CreateAuthorization(
        fbb, fbb.CreateString(iam::VerdictName(audit.authorization->verdict)),
        fbb.CreateString(audit.authorization->policy), fbb.CreateString(audit.authorization->statement));
  }
  auto audit_offset = schema::CreateAudit(fbb, action, resource, audit.read_only, category, code,
                                          message, params, authorization);
  schema::FinishEventBuffer(fbb, schema::CreateEvent(fbb, audit_offset, body_type, body));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

Decision ServiceEventDecision(Outcome outcome, const std::string& arn) {
  AuditFields audit;
  audit.action = schema::EnumNameBody(outcome.body_type);
  audit.resource = arn;
  audit.event_category = "AwsServiceEvent";
  audit.request_parameters = "null";
  return SuccessDecision(std::move(outcome), audit);
}

Decision SuccessDecision(Outcome outcome, const AuditFields& audit) {
  Decision d;
  d.event_type = schema::EnumNameBody(outcome.body_type);
  d.payload = FinishEvent(outcome.fbb, audit, outcome.body_type, outcome.body);
  d.key_writes = std::move(outcome.key_writes);
  d.body = std::move(outcome.response);
  d.to_open = std::move(outcome.to_open);
  d.generated_password = std::move(outcome.generated_password);
  d.records_to_read = outcome.records_to_read;
  d.audit_read = outcome.audit_read;
  d.with_data_keys = outcome.with_data_keys;
  d.replica_seed = outcome.replica_seed;
  d.replica_report = std::move(outcome.replica_report);
  d.replica_status_read = outcome.replica_status_read;
  d.snapshot_read = std::move(outcome.snapshot_read);
  return d;
}

Decision FailureDecision(AuditFields audit, ApiError error) {
  audit.error_code = error.code;
  audit.error_message = error.message;
  flatbuffers::FlatBufferBuilder fbb;
  auto body = schema::CreateOperationFailed(fbb);
  Decision d;
  d.event_type = schema::EnumNameBody(schema::Body::OperationFailed);
  d.payload = FinishEvent(fbb, audit, schema::Body::OperationFailed, body.Union());
  d.error = std::move(error);
  return d;
}

Decision DeniedDecision(AuditFields audit, std::string_view action, std::string message) {
  audit.error_code = kAccessDenied;
  audit.error_message = message;
  flatbuffers::FlatBufferBuilder fbb;
  auto body = schema::CreateAccessDenied(fbb, fbb.CreateString(action), fbb.CreateString(audit.resource));
  Decision d;
  d.event_type = schema::EnumNameBody(schema::Body::AccessDenied);
  d.payload = FinishEvent(fbb, audit, schema::Body::AccessDenied, body.Union());
  d.error = ApiError{kAccessDenied, std::move(message)};
  return d;
}

void SetUnchanged(Outcome& out, const std::string& arn, const std::string& version_id,
                  const std::string& reason) {
  auto a = out.fbb.CreateString(arn);
  auto v = out.fbb.CreateString(version_id);
  auto r = out.fbb.CreateString(reason);
  out.SetBody(schema::CreateSecretUnchanged(out.fbb, a, v, r));
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> StringVector(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::string>& items) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> offsets;
  offsets.reserve(items.size());
  for (const std::string& s : items) offsets.push_back(fbb.CreateString(s));
  return fbb.CreateVector(offsets);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<schema::Tag>>> TagVector(
    flatbuffers::FlatBufferBuilder& fbb,
    const std::vector<std::pair<std::string, std::string>>& tags) {
  std::vector<flatbuffers::Offset<schema::Tag>> offsets;
  offsets.reserve(tags.size());
  for (const auto& [key, value] : tags) {
    auto k = fbb.CreateString(key);
    auto v = fbb.CreateString(value);
    offsets.push_back(schema::CreateTag(fbb, k, v));
  }
  return fbb.CreateVector(offsets);
}

}  // namespace cairn::service::internal
