// What the bus reads of a record (schema/record.fbs): the seq and prev that
// link the chain, and the event type and payload that name a topic. Decoding is
// ledger::DecodeRecord from cairn_ledger_proof, the pure half of the ledger
// that auditors and replicas link too (no RocksDB): one decoder for the
// envelope everywhere. Pure functions; thread-safe.
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

// ledger::DecodeRecord: DataLoss if the bytes are not a record (verifier
// failure, wrong identifier, unknown format_version, prev not 32 bytes).
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
