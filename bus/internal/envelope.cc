#include "bus/internal/envelope.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "schema/events_generated.h"
#include "ledger/record.h"

namespace cairn::bus::internal {
namespace {

constexpr size_t kAlign = 8;            // the widest scalar in a Record or an Event

// Calls `read(data, size)` on `bytes`, copied to an aligned buffer first if
// they sit at an address the verifier would reject.
template <typename Read>
auto WithAligned(std::string_view bytes, Read read) {
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % kAlign == 0) return read(data, bytes.size());
  auto aligned = std::make_unique<uint64_t[]>(bytes.size() / kAlign + 1);
  std::memcpy(aligned.get(), bytes.data(), bytes.size());
  return read(reinterpret_cast<const uint8_t*>(aligned.get()), bytes.size());
}

std::string ReadResource(const uint8_t* data, size_t size) {
  flatbuffers::Verifier verifier(data, size);
  if (size < 8 || !schema::EventBufferHasIdentifier(data) ||
      !verifier.VerifyBuffer<schema::Event>(schema::EventIdentifier())) {
    return {};
  }
  const schema::Event* event = schema::GetEvent(data);
  if (event->audit() == nullptr || event->audit()->resource() == nullptr) return {};
  return event->audit()->resource()->str();
}

}  // namespace

Result<Envelope> DecodeEnvelope(std::string_view bytes) {
  ASSIGN_OR_RETURN(ledger::RecordFields record, ledger::DecodeRecord(bytes));
  return Envelope{record.seq, record.prev, std::move(record.event_type), std::move(record.payload)};
}

std::string ResourceOfEvent(std::string_view payload) { return WithAligned(payload, ReadResource); }

std::string SecretNameOfResource(std::string_view resource) {
  // arn : partition : secretsmanager : region : account : secret : <name>-<6>
  std::string_view rest = resource;
  std::string_view fields[6];
  for (auto& field : fields) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::string(resource);
    field = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (fields[0] != "arn" || fields[2] != "secretsmanager" || fields[5] != "secret") {
    return std::string(resource);
  }
  // AWS appends "-" and six random characters to the name.
  if (rest.size() > 7 && rest[rest.size() - 7] == '-') rest.remove_suffix(7);
  return std::string(rest);
}

}  // namespace cairn::bus::internal
