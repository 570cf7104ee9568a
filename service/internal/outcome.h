// What an operation hands back to Decide on success, and how its one Event is
// finished. The event body is built into `fbb`; Decide adds the Audit and
// finishes the buffer (file identifier "CRNE").
#ifndef CAIRN_SERVICE_INTERNAL_OUTCOME_H_
#define CAIRN_SERVICE_INTERNAL_OUTCOME_H_

#include <flatbuffers/flatbuffers.h>

#include <optional>
#include <string>
#include <vector>

#include "crypto/secure_buffer.h"
#include "ledger/store.h"
#include "schema/events_generated.h"
#include "service/access.h"
#include "service/decide.h"

namespace cairn::service::internal {

struct Outcome {
  flatbuffers::FlatBufferBuilder fbb;
  schema::Body body_type = schema::Body::NONE;
  flatbuffers::Offset<void> body;
  ledger::WriteSet key_writes;
  Json response = Json::object();
  std::vector<ValueToOpen> to_open;
  std::optional<crypto::SecureBuffer> generated_password;
  std::optional<RecordRange> records_to_read;
  std::optional<AuditRead> audit_read;
  bool with_data_keys = false;
  bool replica_seed = false;
  std::optional<ReplicaReport> replica_report;
  bool replica_status_read = false;
  std::optional<SnapshotRead> snapshot_read;

  template <typename T>
  void SetBody(flatbuffers::Offset<T> offset) {
    body_type = schema::BodyTraits<T>::enum_value;
    body = offset.Union();
  }
};

// CloudTrail-shaped audit fields (schema Audit).
struct AuditFields {
  std::string action;
  std::string resource;
  bool read_only = false;
  std::string event_category = "AwsApiCall";
  std::string error_code;
  std::string error_message;
  std::string request_parameters = "{}";
  // The access decision (service/access.h); absent for service events.
  std::optional<AccessDecision> authorization;
};

// Adds the Audit and the Event table to `fbb` (which already holds `body`) and
// returns the finished buffer's bytes.
std::string FinishEvent(flatbuffers::FlatBufferBuilder& fbb, const AuditFields& audit,
                        schema::Body body_type, flatbuffers::Offset<void> body);

// A finished Decision for a successful outcome, or for a failure (an
// OperationFailed event carrying the error in its Audit).
Decision SuccessDecision(Outcome outcome, const AuditFields& audit);
Decision FailureDecision(AuditFields audit, ApiError error);
// A service event (not caused by a call: the rotation orchestrator, expiry),
// audited as an AwsServiceEvent on `arn` whose action is the event's type.
Decision ServiceEventDecision(Outcome outcome, const std::string& arn);
// A call refused by access control: an AccessDenied event naming `action`,
// with `audit.authorization` the deciding statement, answering
// AccessDeniedException with `message`.
Decision DeniedDecision(AuditFields audit, std::string_view action, std::string message);

// Sets a SecretUnchanged body: a successful call that changed nothing.
void SetUnchanged(Outcome& out, const std::string& arn, const std::string& version_id,
                  const std::string& reason);

// Small builders for event fields.
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> StringVector(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::string>& items);
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<schema::Tag>>> TagVector(
    flatbuffers::FlatBufferBuilder& fbb,
    const std::vector<std::pair<std::string, std::string>>& tags);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_OUTCOME_H_
