#include "service/internal/event_reader.h"

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "schema/events_generated.h"

namespace cairn::service::internal {

Result<const schema::Event*> ReadEvent(std::string_view payload) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  if (!schema::VerifyEventBuffer(verifier)) {
    return DataLossError("record payload is not a valid Cairn event");
  }
  return schema::GetEvent(payload.data());
}

Result<const schema::Event*> ReadEventAnyAlignment(std::string_view payload, std::string& copy) {
  if (reinterpret_cast<uintptr_t>(payload.data()) % 8 != 0) {
    copy.assign(payload);
    payload = copy;
  }
  return ReadEvent(payload);
}

Result<StoredVersion> ReadStoredVersion(const ledger::Store& store, uint64_t seq,
                                        std::string_view version_id) {
  const std::string where = "record seq " + std::to_string(seq);
  ASSIGN_OR_RETURN(std::string bytes, ledger::ReadRecord(store, seq));
  // Read in place (every audited read comes here): the record's bytes are a
  // std::string's, 8-aligned; its payload is copied only if it is not.
  ASSIGN_OR_RETURN(ledger::RecordView record, ledger::DecodeRecordView(bytes));
  std::string copy;
  ASSIGN_OR_RETURN(const schema::Event* event, ReadEventAnyAlignment(record.payload, copy));
  const schema::VersionWritten* version = nullptr;
  if (auto* created = event->body_as_SecretCreated()) version = created->version();
  if (auto* put = event->body_as_SecretValuePut()) version = put->version();
  if (auto* updated = event->body_as_SecretMetadataUpdated()) version = updated->version();
  if (version == nullptr || version->version_id() == nullptr ||
      version->version_id()->string_view() != version_id || version->ciphertext() == nullptr) {
    return DataLossError(where + " does not hold the value of version " + std::string(version_id));
  }
  StoredVersion out;
  out.kind = static_cast<projections::ValueKind>(version->value_kind());
  out.ciphertext.assign(reinterpret_cast<const char*>(version->ciphertext()->data()),
                        version->ciphertext()->size());
  return out;
}

}  // namespace cairn::service::internal
