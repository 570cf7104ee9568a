// The API's messages (schema/api.fbs) in C++ and their codec. Decoding runs
// the FlatBuffers verifier over untrusted bytes before reading a field; a
// buffer that fails it, or lacks a request id or an operation, is
// InvalidArgument with a message naming what is wrong, never a crash.
// Encoding builds into a wiping allocator and returns a SecureBuffer, because
// a request or response may carry a secret value.
#ifndef CAIRN_BUS_WIRE_H_
#define CAIRN_BUS_WIRE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::bus {

// Upper bound on one frame: AWS's 64 KiB secret plus its parameters, or a page
// of ReadRecords. Larger frames are refused before decoding.
inline constexpr size_t kMaxFrameBytes = 4u << 20;

struct WireValue {
  uint32_t index = 0;
  uint8_t kind = 0;  // 1 SecretString, 2 SecretBinary
  crypto::SecureBuffer bytes;
};

struct ApiRequestMsg {
  std::string request_id;
  std::string operation;
  std::string params_json = "{}";
  std::optional<WireValue> value;
  uint32_t deadline_ms = 0;  // 0: the server's default
  std::string user_agent;
};

struct StoredRecord {
  uint64_t seq = 0;
  std::string bytes;
  // Never on the wire. A Follower's FetchRecords may set it to the leaf hash
  // of `bytes` it computed on its own thread (a replica reading ahead), which
  // the follower then takes instead of hashing the record again.
  std::optional<crypto::Digest> leaf_hash;
};

struct ApiResponseMsg {
  std::string request_id;
  std::string error_code;     // "" on success
  std::string error_message;
  std::string body_json = "{}";
  std::vector<WireValue> values;
  uint64_t seq = 0;
  crypto::Digest leaf_hash{};
  std::vector<StoredRecord> records;
};

crypto::SecureBuffer EncodeRequest(const ApiRequestMsg& request);
Result<ApiRequestMsg> DecodeRequest(crypto::ByteView bytes);
crypto::SecureBuffer EncodeResponse(const ApiResponseMsg& response);
Result<ApiResponseMsg> DecodeResponse(crypto::ByteView bytes);

}  // namespace cairn::bus

#endif  // CAIRN_BUS_WIRE_H_
