#include "ledger/record.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "schema/record_generated.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

using testing::Input;

crypto::Digest Filled(uint8_t b) {
  crypto::Digest d;
  d.fill(b);
  return d;
}

TEST_CASE("a record decodes to exactly the fields it was encoded from", "[ledger][record]") {
  RecordInput in = Input(7, 100);
  in.payload[3] = '\0';  // payloads are bytes, not C strings
  std::string bytes = EncodeRecord(42, Filled(0xab), in);
  Result<RecordFields> f = DecodeRecord(bytes);
  REQUIRE(f.ok());
  CHECK(f->format_version == kFormatVersion);
  CHECK(f->seq == 42);
  CHECK(f->time_unix_ms == in.time_unix_ms);
  CHECK(f->prev == Filled(0xab));
  CHECK(f->actor.principal == "user:alice");
  CHECK(f->actor.principal_type == "LocalUser");
  CHECK(f->actor.source == "embedded:pid=1");
  CHECK(f->actor.request_id == "req-7");
  CHECK(f->actor.user_agent == "test");
  CHECK(f->event_type == "SecretValueRead");
  CHECK(f->payload == in.payload);
}

TEST_CASE("the encoder reproduces the FORMAT.md example byte for byte", "[ledger][record]") {
  RecordInput in;
  in.time_unix_ms = 1700000000000;
  in.actor = {"user:alice", "LocalUser", "embedded:pid=1", "r-1", "cli"};
  in.event_type = "Ping";
  in.payload = "hi";
  const char* kHex =
      "2000000043524e520000000000001200"
      "2c0006001800200008000c0010001400"
      "12000000000001003800000068000000"
      "24000000180000000000000000000000"
      "0068e5cf8b0100000000000002000000"
      "686900000400000050696e6700000000"
      "20000000000000000000000000000000"
      "00000000000000000000000000000000"
      "0000000000000e001800040008000c00"
      "100014000e0000001400000020000000"
      "2c0000003c000000400000000a000000"
      "757365723a616c696365000009000000"
      "4c6f63616c557365720000000e000000"
      "656d6265646465643a7069643d310000"
      "03000000722d310003000000636c6900";
  std::string bytes = EncodeRecord(0, crypto::Digest{}, in);
  CHECK(crypto::ToHex(crypto::AsBytes(bytes)) == kHex);
  CHECK(crypto::ToHex(RecordLeafHash(bytes)) ==
        "03b53b8437bebf4cad1459847a433a21cfd9e5fc8dc157e2f5157bc4730a9eb3");
}

TEST_CASE("encoding is deterministic and carries the CRNR identifier", "[ledger][record]") {
  std::string a = EncodeRecord(1, Filled(1), Input(1));
  CHECK(a == EncodeRecord(1, Filled(1), Input(1)));
  CHECK(a.substr(4, 4) == "CRNR");
  CHECK(a != EncodeRecord(2, Filled(1), Input(1)));
}

TEST_CASE("a record with default-valued scalars still stores every field", "[ledger][record]") {
  // ForceDefaults: seq 0 and time 0 are written, not left to the schema default.
  RecordInput in;
  std::string bytes = EncodeRecord(0, crypto::Digest{}, in);
  auto* table = flatbuffers::GetRoot<flatbuffers::Table>(bytes.data());
  CHECK(table->CheckField(schema::Record::VT_SEQ));
  CHECK(table->CheckField(schema::Record::VT_TIME_UNIX_MS));
  CHECK(table->CheckField(schema::Record::VT_FORMAT_VERSION));
  Result<RecordFields> f = DecodeRecord(bytes);
  REQUIRE(f.ok());
  CHECK(f->seq == 0);
  CHECK(f->payload.empty());
}

TEST_CASE("the leaf hash covers the stored bytes with the 0x00 prefix", "[ledger][record]") {
  std::string bytes = EncodeRecord(3, Filled(2), Input(3));
  std::string prefixed = std::string(1, '\0') + bytes;
  CHECK(RecordLeafHash(bytes) == crypto::Sha256(crypto::AsBytes(prefixed)));
}

TEST_CASE("decode rejects bytes that are not a record", "[ledger][record]") {
  std::string good = EncodeRecord(5, Filled(9), Input(5));

  SECTION("empty input") {
    Result<RecordFields> f = DecodeRecord("");
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().code() == StatusCode::kDataLoss);
    CHECK(f.status().message() == "record bytes fail the FlatBuffers verifier (0 bytes)");
  }
  SECTION("random garbage") {
    std::string junk(300, '\0');
    uint32_t x = 12345;
    for (char& c : junk) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
    Result<RecordFields> f = DecodeRecord(junk);
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().code() == StatusCode::kDataLoss);
  }
  SECTION("a root offset pointing past the end") {
    std::string bad = good;
    bad[0] = '\xff';
    bad[1] = '\xff';
    Result<RecordFields> f = DecodeRecord(bad);
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().message() ==
          "record bytes fail the FlatBuffers verifier (" + std::to_string(bad.size()) + " bytes)");
  }
  SECTION("a truncated record") {
    for (size_t cut : {good.size() / 2, size_t{8}, size_t{3}}) {
      Result<RecordFields> f = DecodeRecord(good.substr(0, cut));
      REQUIRE_FALSE(f.ok());
      CHECK(f.status().code() == StatusCode::kDataLoss);
    }
  }
  SECTION("another file identifier") {
    std::string bad = good;
    bad.replace(4, 4, "EVNT");
    Result<RecordFields> f = DecodeRecord(bad);
    REQUIRE_FALSE(f.ok());
    CHECK(f.status() == DataLossError("record file identifier is \"EVNT\", want \"CRNR\""));
  }
}

TEST_CASE("decode rejects a prev hash that is not 32 bytes", "[ledger][record]") {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<uint8_t> prev(31, 0);
  auto rec = schema::CreateRecordDirect(fbb, 1, 0, 0, &prev);
  schema::FinishRecordBuffer(fbb, rec);
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  CHECK(DecodeRecord(bytes).status() == DataLossError("record prev hash is 31 bytes, want 32"));

  flatbuffers::FlatBufferBuilder none;
  schema::FinishRecordBuffer(none, schema::CreateRecord(none));
  std::string no_prev(reinterpret_cast<const char*>(none.GetBufferPointer()), none.GetSize());
  CHECK(DecodeRecord(no_prev).status() == DataLossError("record prev hash is 0 bytes, want 32"));
}

TEST_CASE("decode rejects an unknown format version", "[ledger][record]") {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<uint8_t> prev(32, 0);
  schema::FinishRecordBuffer(fbb, schema::CreateRecordDirect(fbb, 2, 0, 0, &prev));
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  CHECK(DecodeRecord(bytes).status() == DataLossError("unknown record format_version 2"));
}

TEST_CASE("decode accepts a record at an odd address", "[ledger][record]") {
  std::string bytes = EncodeRecord(9, Filled(4), Input(9));
  std::string shifted = "x" + bytes;
  Result<RecordFields> f = DecodeRecord(std::string_view(shifted).substr(1));
  REQUIRE(f.ok());
  CHECK(f->seq == 9);
}

// `good`, and bytes that are not it: empty, garbage, every 7th truncation and
// every single-byte flip.
std::vector<std::string> GoodAndBroken(const std::string& good) {
  std::vector<std::string> cases = {good, "", std::string(300, '\x5a')};
  for (size_t cut = 0; cut < good.size(); cut += 7) cases.push_back(good.substr(0, cut));
  for (size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] ^= 0x41;
    cases.push_back(bad);
  }
  return cases;
}

// DecodeRecordLink is what VerifyStore decodes with: it must accept and reject
// exactly what DecodeRecord does, with the same error, aligned or not.
TEST_CASE("the link decoder agrees with the full decoder on good and bad bytes",
          "[ledger][record]") {
  std::string good = EncodeRecord(5, Filled(9), Input(5));
  std::vector<std::string> cases = GoodAndBroken(good);
  flatbuffers::FlatBufferBuilder v2;
  std::vector<uint8_t> prev(32, 0);
  schema::FinishRecordBuffer(v2, schema::CreateRecordDirect(v2, 2, 0, 0, &prev));
  cases.emplace_back(reinterpret_cast<const char*>(v2.GetBufferPointer()), v2.GetSize());
  for (const std::string& bytes : cases) {
    for (size_t shift : {0, 1, 3}) {
      std::string padded = std::string(shift, 'x') + bytes;
      std::string_view view = std::string_view(padded).substr(shift);
      Result<RecordFields> full = DecodeRecord(view);
      Result<RecordLink> link = DecodeRecordLink(view);
      INFO("case of " << bytes.size() << " bytes, shifted by " << shift);
      REQUIRE(full.ok() == link.ok());
      if (full.ok()) {
        CHECK(link->seq == full->seq);
        CHECK(link->prev == full->prev);
      } else {
        CHECK(link.status() == full.status());
      }
    }
  }
}

// DecodeRecordView is what a replica reads pages with: on 8-aligned bytes it
// must accept and reject exactly what DecodeRecord does, with the same error,
// and its views must be DecodeRecord's fields; it never reads misaligned bytes.
TEST_CASE("the view decoder agrees with the full decoder and refuses misaligned bytes", "[ledger][record]") {
  RecordInput input = Input(5);
  input.actor.user_agent = "cairn-replica/0.1.0";
  std::string good = EncodeRecord(5, Filled(9), input);
  std::vector<std::string> cases = GoodAndBroken(good);
  for (const std::string& bytes : cases) {
    std::vector<uint64_t> aligned(bytes.size() / 8 + 1);
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    const std::string_view view(reinterpret_cast<const char*>(aligned.data()), bytes.size());
    Result<RecordFields> full = DecodeRecord(view);
    Result<RecordView> fast = DecodeRecordView(view);
    INFO("case of " << bytes.size() << " bytes");
    REQUIRE(full.ok() == fast.ok());
    if (!full.ok()) {
      CHECK(fast.status() == full.status());
      continue;
    }
    CHECK(fast->seq == full->seq);
    CHECK(fast->time_unix_ms == full->time_unix_ms);
    CHECK(fast->prev == full->prev);
    CHECK(fast->principal == full->actor.principal);
    CHECK(fast->user_agent == full->actor.user_agent);
    CHECK(fast->event_type == full->event_type);
    CHECK(fast->payload == full->payload);
  }
  std::vector<uint64_t> buffer(good.size() / 8 + 2);
  std::memcpy(reinterpret_cast<char*>(buffer.data()) + 1, good.data(), good.size());
  Result<RecordView> odd = DecodeRecordView(std::string_view(reinterpret_cast<const char*>(buffer.data()) + 1, good.size()));
  CHECK(odd.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::ledger
