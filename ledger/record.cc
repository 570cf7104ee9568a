// EncodeRecord / DecodeRecord: the FlatBuffers envelope of ledger/FORMAT.md.
#include "ledger/record.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "schema/record_generated.h"

namespace cairn::ledger {
namespace {

constexpr size_t kAlign = 8;  // the widest scalar in a Record (seq, time_unix_ms)

// The four identifier bytes, printable ones as is and the rest as \xNN.
std::string Printable(const uint8_t* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
      out += static_cast<char>(p[i]);
    } else {
      out += {'\\', 'x', kHex[p[i] >> 4], kHex[p[i] & 0xf]};
    }
  }
  return out;
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

Actor ReadActor(const schema::Actor* a) {
  if (a == nullptr) return {};
  return {Str(a->principal()), Str(a->principal_type()), Str(a->source()), Str(a->request_id()),
          Str(a->user_agent()), Str(a->access_key_id()), Str(a->invocation_id())};
}

// The verified root table, or DataLoss naming the first check that fails.
Result<const schema::Record*> VerifiedRoot(const uint8_t* data, size_t size) {
  flatbuffers::Verifier verifier(data, size);
  if (!verifier.VerifyBuffer<schema::Record>(nullptr)) {
    return DataLossError("record bytes fail the FlatBuffers verifier (" + std::to_string(size) +
                         " bytes)");
  }
  if (size < 8 || !schema::RecordBufferHasIdentifier(data)) {
    return DataLossError("record file identifier is \"" + Printable(data + 4, size < 8 ? 0 : 4) +
                         "\", want \"" + schema::RecordIdentifier() + "\"");
  }
  const schema::Record* r = schema::GetRecord(data);
  if (r->format_version() != kFormatVersion) {
    return DataLossError("unknown record format_version " + std::to_string(r->format_version()));
  }
  if (r->prev() == nullptr || r->prev()->size() != 32) {
    return DataLossError("record prev hash is " +
                         std::to_string(r->prev() ? r->prev()->size() : 0) + " bytes, want 32");
  }
  return r;
}

Result<RecordFields> ReadVerified(const uint8_t* data, size_t size) {
  ASSIGN_OR_RETURN(const schema::Record* r, VerifiedRoot(data, size));
  RecordFields f;
  f.format_version = r->format_version();
  f.seq = r->seq();
  f.time_unix_ms = r->time_unix_ms();
  std::copy(r->prev()->begin(), r->prev()->end(), f.prev.begin());
  f.actor = ReadActor(r->actor());
  f.event_type = Str(r->event_type());
  if (r->payload()) f.payload.assign(r->payload()->begin(), r->payload()->end());
  return f;
}

Result<RecordLink> ReadLink(const uint8_t* data, size_t size) {
  ASSIGN_OR_RETURN(const schema::Record* r, VerifiedRoot(data, size));
  RecordLink link;
  link.seq = r->seq();
  std::copy(r->prev()->begin(), r->prev()->end(), link.prev.begin());
  return link;
}

std::string_view View(const flatbuffers::String* s) { return s ? s->string_view() : std::string_view(); }

}  // namespace

std::string EncodeRecord(uint64_t seq, const crypto::Digest& prev, const RecordInput& input) {
  flatbuffers::FlatBufferBuilder fbb(256 + input.payload.size());
  fbb.ForceDefaults(true);  // every scalar is present in the bytes (FORMAT.md)
  const Actor& a = input.actor;
  // The gateway's fields are written only when set, so records of other
  // transports keep the bytes they had before the fields existed.
  auto optional = [&fbb](const std::string& s) {
    return s.empty() ? flatbuffers::Offset<flatbuffers::String>() : fbb.CreateString(s);
  };
  auto actor = schema::CreateActor(fbb, fbb.CreateString(a.principal),
                                   fbb.CreateString(a.principal_type), fbb.CreateString(a.source),
                                   fbb.CreateString(a.request_id), fbb.CreateString(a.user_agent),
                                   optional(a.access_key_id), optional(a.invocation_id));
  auto prev_vec = fbb.CreateVector(prev.data(), prev.size());
  auto event_type = fbb.CreateString(input.event_type);
  auto payload = fbb.CreateVector(reinterpret_cast<const uint8_t*>(input.payload.data()),
                                  input.payload.size());
  auto record = schema::CreateRecord(fbb, kFormatVersion, seq, input.time_unix_ms, prev_vec, actor,
                                     event_type, payload);
  schema::FinishRecordBuffer(fbb, record);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

Result<RecordFields> DecodeRecord(std::string_view bytes) {
  // FlatBuffers reads scalars in place; bytes borrowed from a RocksDB block may
  // sit at any address, so misaligned input is copied to an aligned buffer.
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % kAlign == 0) return ReadVerified(data, bytes.size());
  auto aligned = std::make_unique<uint64_t[]>(bytes.size() / kAlign + 1);
  std::memcpy(aligned.get(), bytes.data(), bytes.size());
  return ReadVerified(reinterpret_cast<const uint8_t*>(aligned.get()), bytes.size());
}

Result<RecordLink> DecodeRecordLink(std::string_view bytes) {
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % kAlign == 0) return ReadLink(data, bytes.size());
  thread_local std::vector<uint64_t> aligned;  // grows to the largest record seen
  aligned.resize(bytes.size() / kAlign + 1);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  return ReadLink(reinterpret_cast<const uint8_t*>(aligned.data()), bytes.size());
}

Result<RecordView> DecodeRecordView(std::string_view bytes) {
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % kAlign != 0) {
    return InvalidArgumentError("DecodeRecordView needs 8-aligned bytes");
  }
  ASSIGN_OR_RETURN(const schema::Record* r, VerifiedRoot(data, bytes.size()));
  RecordView v;
  v.seq = r->seq();
  v.time_unix_ms = r->time_unix_ms();
  std::copy(r->prev()->begin(), r->prev()->end(), v.prev.begin());
  if (const schema::Actor* a = r->actor()) {
    v.principal = View(a->principal());
    v.user_agent = View(a->user_agent());
  }
  v.event_type = View(r->event_type());
  if (r->payload()) v.payload = std::string_view(reinterpret_cast<const char*>(r->payload()->data()), r->payload()->size());
  return v;
}

}  // namespace cairn::ledger
