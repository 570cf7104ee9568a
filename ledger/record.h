// Record encoding: the FlatBuffers envelope in schema/record.fbs. The exact bytes
// built here are what is stored and hashed (ledger/FORMAT.md); nothing is ever
// re-encoded to verify. Pure functions; thread-safe.
#ifndef CAIRN_LEDGER_RECORD_H_
#define CAIRN_LEDGER_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/status.h"

namespace cairn::ledger {

inline constexpr uint16_t kFormatVersion = 1;

struct Actor {
  std::string principal;       // "user:alice", "system:cairn"
  std::string principal_type;  // "LocalUser", "Principal", "Service"
  std::string source;          // "embedded:pid=1234", "tcp://127.0.0.1:5000"
  std::string request_id;      // UUID
  std::string user_agent;      // "cairn-cli/0.1.0"
  std::string access_key_id{};  // SigV4 calls through the HTTP gateway; else ""
  std::string invocation_id{};  // amz-sdk-invocation-id as the client sent it; else ""
};

// What a caller hands the ledger; seq and prev are assigned by the ledger.
struct RecordInput {
  int64_t time_unix_ms = 0;
  Actor actor;
  std::string event_type;  // e.g. "SecretValueRead"
  std::string payload;     // opaque bytes (a cairn.schema.Event for Cairn)
};

// A decoded record. Strings are copies, so it outlives the bytes.
struct RecordFields {
  uint16_t format_version = 0;
  uint64_t seq = 0;
  int64_t time_unix_ms = 0;
  crypto::Digest prev{};
  Actor actor;
  std::string event_type;
  std::string payload;
};

// What the chain check needs from a record: its embedded seq and prev hash.
// Nothing else is copied.
struct RecordLink {
  uint64_t seq = 0;
  crypto::Digest prev{};
};

std::string EncodeRecord(uint64_t seq, const crypto::Digest& prev, const RecordInput& input);
// Runs the FlatBuffers verifier first. DataLoss if the bytes are not a valid
// record (bad identifier, out-of-bounds offsets, prev not 32 bytes, unknown
// format version).
Result<RecordFields> DecodeRecord(std::string_view bytes);
// The same checks, in the same order and with the same errors, as DecodeRecord,
// but only seq and prev come out. Bytes at an address that is not a multiple of
// 8 are copied to a per-thread aligned buffer first; 8-aligned bytes are read in
// place. Borrows `bytes` for the call only.
Result<RecordLink> DecodeRecordLink(std::string_view bytes);
// A record read in place, for the hot paths that need a few fields (a
// replica taking pages of records): the views borrow the bytes.
struct RecordView {
  uint64_t seq = 0;
  int64_t time_unix_ms = 0;
  crypto::Digest prev{};
  std::string_view principal;   // actor.principal
  std::string_view user_agent;  // actor.user_agent
  std::string_view event_type;
  std::string_view payload;     // 4-aligned in the record, maybe not 8
};
// DecodeRecord's checks, in the same order and with the same errors, with
// nothing copied. `bytes` must be 8-aligned (a std::string's heap buffer is):
// InvalidArgument otherwise. The result borrows `bytes`.
Result<RecordView> DecodeRecordView(std::string_view bytes);
inline crypto::Digest RecordLeafHash(std::string_view bytes) { return crypto::LeafHash(crypto::AsBytes(bytes)); }

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_RECORD_H_
