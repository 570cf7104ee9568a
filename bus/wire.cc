#include "bus/wire.h"

#include <algorithm>

#include "bus/internal/wiping_allocator.h"
#include "bus/internal/wire_peek.h"
#include "schema/api_generated.h"

namespace cairn::bus {
namespace {

namespace fbs = cairn::schema;

// Identifiers: api.fbs's file_identifier for requests; responses, a second
// root of the same schema, carry their own so one is never read as the other.
constexpr char kResponseIdentifier[] = "CRNP";

// The deepest legal nesting is ApiResponse -> values -> SecretBytes -> bytes;
// a page of records or values is far below max_tables.
flatbuffers::Verifier::Options VerifierOptions() {
  flatbuffers::Verifier::Options options;
  options.max_depth = 8;
  options.max_tables = 100000;
  options.check_alignment = true;
  options.check_nested_flatbuffers = false;  // the schema has none
  return options;
}

// The verifier checks alignment relative to the buffer's start, and the
// accessors read scalars in place, so the start itself must be aligned. A
// frame's bytes usually are; when not, they are copied (they may be secret).
struct AlignedView {
  crypto::ByteView bytes;
  crypto::SecureBuffer copy;
};
AlignedView Aligned(crypto::ByteView bytes) {
  if (bytes.empty()) return {bytes, {}};
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) == 0) return {bytes, {}};
  AlignedView v{{}, crypto::SecureBuffer(bytes)};
  v.bytes = v.copy.view();
  return v;
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

crypto::SecureBuffer Finish(flatbuffers::FlatBufferBuilder& fbb) {
  return crypto::SecureBuffer(fbb.GetBufferPointer(), fbb.GetSize());
}

flatbuffers::Offset<fbs::SecretBytes> BuildValue(flatbuffers::FlatBufferBuilder& fbb,
                                                 const WireValue& v) {
  auto bytes = fbb.CreateVector(v.bytes.data(), v.bytes.size());
  return fbs::CreateSecretBytes(fbb, v.index, static_cast<fbs::ValueKind>(v.kind), bytes);
}

Result<WireValue> ReadValue(const fbs::SecretBytes& v, std::string_view where) {
  const uint8_t kind = static_cast<uint8_t>(v.kind());
  if (kind != 1 && kind != 2) {
    return InvalidArgumentError(std::string(where) + " kind " + std::to_string(kind) +
                                " is neither SecretString (1) nor SecretBinary (2)");
  }
  WireValue out;
  out.index = v.index();
  out.kind = kind;
  if (v.bytes() != nullptr) out.bytes = crypto::SecureBuffer(v.bytes()->data(), v.bytes()->size());
  return out;
}

bool IsZero(const crypto::Digest& d) {
  return std::all_of(d.begin(), d.end(), [](uint8_t b) { return b == 0; });
}

// FlatBuffers asserts on buffers of 2 GiB or more; frames are far smaller.
Status CheckSize(crypto::ByteView bytes, std::string_view what) {
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return InvalidArgumentError(std::string(what) + " of " + std::to_string(bytes.size()) +
                                " bytes is too large");
  }
  return Status::Ok();
}

Status VerifyResponseHeader(crypto::ByteView bytes) {
  RETURN_IF_ERROR(CheckSize(bytes, "ApiResponse"));
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), VerifierOptions());
  if (!verifier.VerifyBuffer<fbs::ApiResponse>(kResponseIdentifier)) {
    return InvalidArgumentError("ApiResponse of " + std::to_string(bytes.size()) +
                                " bytes fails the FlatBuffers verifier");
  }
  return Status::Ok();
}

void ReadResponseRecords(const fbs::ApiResponse& r, ApiResponseMsg& out) {
  if (r.records() == nullptr) return;
  out.records.reserve(r.records()->size());
  for (const fbs::StoredRecord* record : *r.records()) {
    StoredRecord stored{record->seq(), {}};
    if (record->bytes() != nullptr) {
      stored.bytes.assign(reinterpret_cast<const char*>(record->bytes()->data()),
                          record->bytes()->size());
    }
    out.records.push_back(std::move(stored));
  }
}

}  // namespace

crypto::SecureBuffer EncodeRequest(const ApiRequestMsg& request) {
  internal::WipingAllocator allocator;
  flatbuffers::FlatBufferBuilder fbb(1024 + (request.value ? request.value->bytes.size() : 0),
                                     &allocator);
  auto request_id = fbb.CreateString(request.request_id);
  auto operation = fbb.CreateString(request.operation);
  auto params = fbb.CreateString(request.params_json);
  auto user_agent = fbb.CreateString(request.user_agent);
  flatbuffers::Offset<fbs::SecretBytes> value;
  if (request.value) value = BuildValue(fbb, *request.value);
  fbb.Finish(fbs::CreateApiRequest(fbb, request_id, operation, params, value, request.deadline_ms,
                                   user_agent),
             fbs::ApiRequestIdentifier());
  return Finish(fbb);
}

Result<ApiRequestMsg> DecodeRequest(crypto::ByteView raw) {
  AlignedView aligned = Aligned(raw);
  crypto::ByteView bytes = aligned.bytes;
  RETURN_IF_ERROR(CheckSize(bytes, "ApiRequest"));
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), VerifierOptions());
  if (!verifier.VerifyBuffer<fbs::ApiRequest>(fbs::ApiRequestIdentifier())) {
    return InvalidArgumentError("ApiRequest of " + std::to_string(bytes.size()) +
                                " bytes fails the FlatBuffers verifier");
  }
  const fbs::ApiRequest* r = fbs::GetApiRequest(bytes.data());
  if (r->request_id() == nullptr || r->request_id()->size() == 0) {
    return InvalidArgumentError("ApiRequest has no request_id");
  }
  ApiRequestMsg out;
  out.request_id = r->request_id()->str();
  if (r->operation() == nullptr || r->operation()->size() == 0) {
    return InvalidArgumentError("ApiRequest " + out.request_id + " has no operation");
  }
  if (r->params_json() == nullptr) {
    return InvalidArgumentError("ApiRequest " + out.request_id + " has no params_json");
  }
  out.operation = r->operation()->str();
  out.params_json = r->params_json()->str();
  if (r->value() != nullptr) {
    ASSIGN_OR_RETURN(out.value, ReadValue(*r->value(), "ApiRequest " + out.request_id + " value"));
  }
  out.deadline_ms = r->deadline_ms();
  out.user_agent = Str(r->user_agent());
  return out;
}

crypto::SecureBuffer EncodeResponse(const ApiResponseMsg& response) {
  // Sized for everything up front: growing by doubling copies (and wipes) a
  // page of records many times over.
  size_t size_hint = 1024 + response.body_json.size() + response.error_message.size();
  for (const WireValue& v : response.values) size_hint += v.bytes.size() + 64;
  for (const StoredRecord& record : response.records) size_hint += record.bytes.size() + 32;
  internal::WipingAllocator allocator;
  flatbuffers::FlatBufferBuilder fbb(size_hint, &allocator);
  auto request_id = fbb.CreateString(response.request_id);
  auto error_code = fbb.CreateString(response.error_code);
  auto error_message = fbb.CreateString(response.error_message);
  auto body = fbb.CreateString(response.body_json);
  std::vector<flatbuffers::Offset<fbs::SecretBytes>> values;
  for (const WireValue& v : response.values) values.push_back(BuildValue(fbb, v));
  auto values_vector = values.empty() ? 0 : fbb.CreateVector(values);
  // An all-zero leaf hash means "no receipt" and is left out.
  auto leaf = IsZero(response.leaf_hash)
                  ? 0
                  : fbb.CreateVector(response.leaf_hash.data(), response.leaf_hash.size());
  std::vector<flatbuffers::Offset<fbs::StoredRecord>> records;
  for (const StoredRecord& record : response.records) {
    auto bytes = fbb.CreateVector(reinterpret_cast<const uint8_t*>(record.bytes.data()),
                                  record.bytes.size());
    records.push_back(fbs::CreateStoredRecord(fbb, record.seq, bytes));
  }
  auto records_vector = records.empty() ? 0 : fbb.CreateVector(records);
  fbb.Finish(fbs::CreateApiResponse(fbb, request_id, error_code, error_message, body, values_vector,
                                    response.seq, leaf, records_vector),
             kResponseIdentifier);
  return Finish(fbb);
}

Result<ApiResponseMsg> DecodeResponse(crypto::ByteView raw) {
  AlignedView aligned = Aligned(raw);
  crypto::ByteView bytes = aligned.bytes;
  RETURN_IF_ERROR(VerifyResponseHeader(bytes));
  const auto* r = flatbuffers::GetRoot<fbs::ApiResponse>(bytes.data());
  ApiResponseMsg out;
  out.request_id = Str(r->request_id());
  out.error_code = Str(r->error_code());
  out.error_message = Str(r->error_message());
  if (r->body_json() == nullptr) {
    return InvalidArgumentError("ApiResponse " + out.request_id + " has no body_json");
  }
  out.body_json = r->body_json()->str();
  if (r->values() != nullptr) {
    for (const fbs::SecretBytes* v : *r->values()) {
      ASSIGN_OR_RETURN(WireValue value, ReadValue(*v, "ApiResponse " + out.request_id + " value"));
      out.values.push_back(std::move(value));
    }
  }
  out.seq = r->seq();
  if (r->leaf_hash() != nullptr && r->leaf_hash()->size() != 0) {
    if (r->leaf_hash()->size() != out.leaf_hash.size()) {
      return InvalidArgumentError("ApiResponse " + out.request_id + " leaf_hash is " +
                                  std::to_string(r->leaf_hash()->size()) + " bytes, not 32");
    }
    std::copy(r->leaf_hash()->begin(), r->leaf_hash()->end(), out.leaf_hash.begin());
  }
  ReadResponseRecords(*r, out);
  return out;
}

namespace internal {

std::string PeekRequestId(crypto::ByteView raw) {
  AlignedView aligned = Aligned(raw);
  crypto::ByteView bytes = aligned.bytes;
  if (!CheckSize(bytes, "ApiRequest").ok()) return "";
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), VerifierOptions());
  if (!verifier.VerifyBuffer<fbs::ApiRequest>(fbs::ApiRequestIdentifier())) return "";
  return Str(fbs::GetApiRequest(bytes.data())->request_id());
}

std::string PeekResponseId(crypto::ByteView raw) {
  AlignedView aligned = Aligned(raw);
  if (!VerifyResponseHeader(aligned.bytes).ok()) return "";
  return Str(flatbuffers::GetRoot<fbs::ApiResponse>(aligned.bytes.data())->request_id());
}

}  // namespace internal
}  // namespace cairn::bus
