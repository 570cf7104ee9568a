#include "bus/wire.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "schema/api_generated.h"

namespace cairn::bus {
namespace {

namespace fbs = cairn::schema;

WireValue Value(uint32_t index, uint8_t kind, std::string_view bytes) {
  return WireValue{index, kind, crypto::SecureBuffer::FromString(bytes)};
}

ApiRequestMsg FullRequest() {
  ApiRequestMsg r;
  r.request_id = "2f1c7e6a-0d7b-4c1e-9a51-3f0e8b7c6d5a";
  r.operation = "PutSecretValue";
  r.params_json = R"({"SecretId":"prod/db","ClientRequestToken":"tok"})";
  r.value = Value(0, 1, std::string("s3cr\0t", 6));
  r.deadline_ms = 2500;
  r.user_agent = "cairn-cli/0.2";
  return r;
}

ApiResponseMsg FullResponse() {
  ApiResponseMsg r;
  r.request_id = "2f1c7e6a-0d7b-4c1e-9a51-3f0e8b7c6d5a";
  r.error_code = "ResourceNotFoundException";
  r.error_message = "no secret prod/db";
  r.body_json = R"({"Name":"prod/db"})";
  r.values.push_back(Value(0, 1, "first"));
  r.values.push_back(Value(3, 2, std::string("\x00\xff\x10", 3)));
  r.seq = 0x0102030405060708ull;
  for (size_t i = 0; i < r.leaf_hash.size(); ++i) r.leaf_hash[i] = static_cast<uint8_t>(0xa0 + i);
  r.records.push_back({7, std::string("record\0seven", 12)});
  r.records.push_back({8, ""});
  return r;
}

bool SameValue(const WireValue& a, const WireValue& b) {
  return a.index == b.index && a.kind == b.kind && a.bytes.size() == b.bytes.size() &&
         a.bytes.Equals(b.bytes.view());
}

void CheckSame(const ApiRequestMsg& a, const ApiRequestMsg& b) {
  CHECK(a.request_id == b.request_id);
  CHECK(a.operation == b.operation);
  CHECK(a.params_json == b.params_json);
  REQUIRE(a.value.has_value() == b.value.has_value());
  if (a.value) CHECK(SameValue(*a.value, *b.value));
  CHECK(a.deadline_ms == b.deadline_ms);
  CHECK(a.user_agent == b.user_agent);
}

void CheckSame(const ApiResponseMsg& a, const ApiResponseMsg& b) {
  CHECK(a.request_id == b.request_id);
  CHECK(a.error_code == b.error_code);
  CHECK(a.error_message == b.error_message);
  CHECK(a.body_json == b.body_json);
  REQUIRE(a.values.size() == b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) CHECK(SameValue(a.values[i], b.values[i]));
  CHECK(a.seq == b.seq);
  CHECK(a.leaf_hash == b.leaf_hash);
  REQUIRE(a.records.size() == b.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    CHECK(a.records[i].seq == b.records[i].seq);
    CHECK(a.records[i].bytes == b.records[i].bytes);
  }
}

std::vector<uint8_t> Bytes(const crypto::SecureBuffer& b) {
  return {b.data(), b.data() + b.size()};
}

crypto::ByteView View(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

// A request built by hand, to leave fields out or set them wrong.
std::vector<uint8_t> HandMadeRequest(bool with_id, bool with_operation, bool with_params,
                                     int kind) {
  flatbuffers::FlatBufferBuilder fbb;
  auto id = with_id ? fbb.CreateString("id-1") : 0;
  auto op = with_operation ? fbb.CreateString("GetSecretValue") : 0;
  auto params = with_params ? fbb.CreateString("{}") : 0;
  flatbuffers::Offset<fbs::SecretBytes> value;
  if (kind >= 0)
    value = fbs::CreateSecretBytes(fbb, 0, static_cast<fbs::ValueKind>(kind),
                                   fbb.CreateVector<uint8_t>({1, 2}));
  fbb.Finish(fbs::CreateApiRequest(fbb, id, op, params, value, 0, 0), fbs::ApiRequestIdentifier());
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

std::vector<uint8_t> HandMadeResponse(size_t leaf_bytes, int kind, bool with_body) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<uint8_t> leaf(leaf_bytes, 0x11);
  auto leaf_vector = fbb.CreateVector(leaf);
  std::vector<flatbuffers::Offset<fbs::SecretBytes>> values;
  if (kind >= 0)
    values.push_back(fbs::CreateSecretBytes(fbb, 0, static_cast<fbs::ValueKind>(kind)));
  auto body = with_body ? fbb.CreateString("{}") : 0;
  fbb.Finish(fbs::CreateApiResponse(fbb, fbb.CreateString("id-2"), 0, 0, body,
                                    fbb.CreateVector(values), 5, leaf_vector),
             "CRNP");
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

TEST_CASE("a request round-trips every field", "[bus]") {
  ApiRequestMsg request = FullRequest();
  crypto::SecureBuffer encoded = EncodeRequest(request);
  auto decoded = DecodeRequest(encoded.view());
  REQUIRE(decoded.ok());
  CheckSame(request, *decoded);
}

TEST_CASE("a request without a value or options round-trips with defaults", "[bus]") {
  ApiRequestMsg request;
  request.request_id = "r";
  request.operation = "ListSecrets";
  auto decoded = DecodeRequest(EncodeRequest(request).view());
  REQUIRE(decoded.ok());
  CheckSame(request, *decoded);
  CHECK(decoded->params_json == "{}");
  CHECK_FALSE(decoded->value.has_value());
}

TEST_CASE("a response round-trips every field", "[bus]") {
  ApiResponseMsg response = FullResponse();
  auto decoded = DecodeResponse(EncodeResponse(response).view());
  REQUIRE(decoded.ok());
  CheckSame(response, *decoded);
}

TEST_CASE("an empty response round-trips with no receipt", "[bus]") {
  ApiResponseMsg response;
  auto decoded = DecodeResponse(EncodeResponse(response).view());
  REQUIRE(decoded.ok());
  CheckSame(response, *decoded);
  CHECK(decoded->body_json == "{}");
}

TEST_CASE("a buffer at an odd address decodes the same", "[bus]") {
  std::vector<uint8_t> shifted = {0};
  crypto::SecureBuffer encoded = EncodeResponse(FullResponse());
  shifted.insert(shifted.end(), encoded.data(), encoded.data() + encoded.size());
  auto decoded = DecodeResponse(crypto::ByteView(shifted.data() + 1, encoded.size()));
  REQUIRE(decoded.ok());
  CheckSame(FullResponse(), *decoded);
}

TEST_CASE("every truncation of a request or response is rejected or loses only padding", "[bus]") {
  auto check = [](const std::vector<uint8_t>& full, auto decode, auto expected) {
    int rejected = 0;
    for (size_t n = 0; n < full.size(); ++n) {
      INFO("truncated to " << n << " of " << full.size() << " bytes");
      auto decoded = decode(crypto::ByteView(full.data(), n));
      if (decoded.ok()) {
        CHECK(n + 8 > full.size());  // only trailing alignment padding can go
        CheckSame(expected, *decoded);
      } else {
        CHECK(decoded.status().code() == StatusCode::kInvalidArgument);
        ++rejected;
      }
    }
    CHECK(rejected + 8 >= static_cast<int>(full.size()));
  };
  check(Bytes(EncodeRequest(FullRequest())), DecodeRequest, FullRequest());
  check(Bytes(EncodeResponse(FullResponse())), DecodeResponse, FullResponse());
}

TEST_CASE("flipped bits never crash the decoder and a flipped identifier is rejected", "[bus]") {
  std::vector<uint8_t> full = Bytes(EncodeRequest(FullRequest()));
  int rejected = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    for (uint8_t bit : {0x01, 0x10, 0x80}) {
      std::vector<uint8_t> flipped = full;
      flipped[i] ^= bit;
      auto decoded = DecodeRequest(View(flipped));
      if (!decoded.ok()) {
        CHECK(decoded.status().code() == StatusCode::kInvalidArgument);
        ++rejected;
      }
    }
  }
  CHECK(rejected > 0);
  for (size_t i = 4; i < 8; ++i) {  // the file identifier "CRNA"
    std::vector<uint8_t> flipped = full;
    flipped[i] ^= 0x20;
    CHECK_FALSE(DecodeRequest(View(flipped)).ok());
  }
  std::vector<uint8_t> bad_root = full;
  bad_root[3] ^= 0x40;  // the root offset now points far outside the buffer
  CHECK_FALSE(DecodeRequest(View(bad_root)).ok());
}

TEST_CASE("garbage and empty buffers are InvalidArgument", "[bus]") {
  std::mt19937 rng(99);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> garbage(rng() % 300);
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng());
    auto request = DecodeRequest(View(garbage));
    auto response = DecodeResponse(View(garbage));
    CHECK_FALSE(request.ok());
    CHECK_FALSE(response.ok());
  }
  auto empty = DecodeRequest(crypto::ByteView());
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == StatusCode::kInvalidArgument);
  CHECK(empty.status().message().find("verifier") != std::string::npos);
}

TEST_CASE("a response is never read as a request nor a request as a response", "[bus]") {
  CHECK_FALSE(DecodeRequest(EncodeResponse(FullResponse()).view()).ok());
  CHECK_FALSE(DecodeResponse(EncodeRequest(FullRequest()).view()).ok());
}

TEST_CASE("a request missing a required field is InvalidArgument naming it", "[bus]") {
  SECTION("request_id") {
    auto r = DecodeRequest(View(HandMadeRequest(false, true, true, -1)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status() == InvalidArgumentError("ApiRequest has no request_id"));
  }
  SECTION("operation") {
    auto r = DecodeRequest(View(HandMadeRequest(true, false, true, -1)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status() == InvalidArgumentError("ApiRequest id-1 has no operation"));
  }
  SECTION("params_json") {
    auto r = DecodeRequest(View(HandMadeRequest(true, true, false, -1)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status() == InvalidArgumentError("ApiRequest id-1 has no params_json"));
  }
  SECTION("all present") { CHECK(DecodeRequest(View(HandMadeRequest(true, true, true, 2))).ok()); }
}

TEST_CASE("a value kind other than SecretString or SecretBinary is InvalidArgument", "[bus]") {
  for (int kind : {0, 3, 255}) {
    auto r = DecodeRequest(View(HandMadeRequest(true, true, true, kind)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status() == InvalidArgumentError("ApiRequest id-1 value kind " + std::to_string(kind) +
                                             " is neither SecretString (1) nor SecretBinary (2)"));
    auto response = DecodeResponse(View(HandMadeResponse(32, kind, true)));
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a response leaf hash must be 32 bytes or absent", "[bus]") {
  CHECK(DecodeResponse(View(HandMadeResponse(32, 1, true))).ok());
  CHECK(DecodeResponse(View(HandMadeResponse(0, 1, true))).ok());
  for (size_t n : {1, 31, 33, 64}) {
    auto r = DecodeResponse(View(HandMadeResponse(n, 1, true)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status() == InvalidArgumentError("ApiResponse id-2 leaf_hash is " + std::to_string(n) +
                                             " bytes, not 32"));
  }
}

TEST_CASE("a response without body_json is InvalidArgument", "[bus]") {
  auto r = DecodeResponse(View(HandMadeResponse(32, 1, false)));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status() == InvalidArgumentError("ApiResponse id-2 has no body_json"));
}

}  // namespace
}  // namespace cairn::bus
