// The bus's own reading of the record envelope (schema/record.fbs). The bus
// knows the schema, not the ledger (DESIGN), so it does not link cairn_ledger;
// this is the small part of ledger/record.cc it needs: the seq and prev that
// link the chain, and the event type and payload that name a topic.
// Pure functions; thread-safe.
#ifndef CAIRN_BUS_INTERNAL_ENVELOPE_H_
#define CAIRN_BUS_INTERNAL_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/status.h"

namespace cairn::bus::internal {

struct Envelope {
  uint64_t seq = 0;
  crypto::Digest prev{};
  std::string event_type;
  std::string payload;  // a cairn.schema.Event for Cairn, unverified here
};

// Runs the FlatBuffers verifier first (on an aligned copy if `bytes` is not
// 8-byte aligned). DataLoss if the bytes are not a record: verifier failure,
// wrong identifier, unknown format_version, prev not 32 bytes.
Result<Envelope> DecodeEnvelope(std::string_view bytes);

// The secret's name in an event's Audit.resource: the name inside a secret
// ARN "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6>",
// anything else as is (a SecretId as given), "" for no resource.
std::string SecretNameOfResource(std::string_view resource);

// The Audit.resource of a cairn.schema.Event payload; "" if the payload is
// not a verifiable Event or names no resource.
std::string ResourceOfEvent(std::string_view payload);

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_ENVELOPE_H_
