// Reading events back out of records: verified before any field is read.
#ifndef CAIRN_SERVICE_INTERNAL_EVENT_READER_H_
#define CAIRN_SERVICE_INTERNAL_EVENT_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/store.h"
#include "projections/secrets.h"

namespace cairn::schema {
struct Event;
}

namespace cairn::service::internal {

// Runs the FlatBuffers verifier over `payload` (identifier "CRNE"); the returned
// pointer borrows `payload`. DataLoss if it is not a valid Event.
Result<const schema::Event*> ReadEvent(std::string_view payload);
// ReadEvent of a payload at any address (one read in place from a record):
// read where it is when 8-aligned, else from a copy in `copy` (FlatBuffers
// reads scalars in place). The result borrows `payload` or `copy`.
Result<const schema::Event*> ReadEventAnyAlignment(std::string_view payload, std::string& copy);

struct StoredVersion {
  projections::ValueKind kind = projections::ValueKind::kNone;
  std::string ciphertext;
};

// The ciphertext of `version_id` from the record at `seq` (a SecretCreated or
// SecretValuePut). DataLoss if the record does not hold that version.
Result<StoredVersion> ReadStoredVersion(const ledger::Store& store, uint64_t seq,
                                        std::string_view version_id);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_EVENT_READER_H_
