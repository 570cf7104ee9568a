// Test helpers for the bus: ledger-shaped records built with FlatBuffers
// directly (the bus links the schema, not the ledger) and an in-memory log
// behind a FetchRecords, which can lag behind what was published.
#ifndef CAIRN_TESTS_BUS_BUS_TEST_UTIL_H_
#define CAIRN_TESTS_BUS_BUS_TEST_UTIL_H_

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/follower.h"
#include "crypto/hash.h"
#include "schema/events_generated.h"
#include "schema/record_generated.h"

namespace cairn::bus::testing {

inline std::string AsString(const flatbuffers::FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

// A cairn.schema.Event: a SecretValueRead of `resource` ("" for none: then
// an OperationFailed with no resource).
inline std::string MakeEvent(std::string_view resource) {
  flatbuffers::FlatBufferBuilder fbb;
  auto action = fbb.CreateString("GetSecretValue");
  flatbuffers::Offset<flatbuffers::String> res = resource.empty() ? 0 : fbb.CreateString(resource);
  auto audit = schema::CreateAudit(fbb, action, res, true);
  if (resource.empty()) {
    auto body = schema::CreateOperationFailed(fbb);
    schema::FinishEventBuffer(
        fbb, schema::CreateEvent(fbb, audit, schema::Body::OperationFailed, body.Union()));
  } else {
    auto body = schema::CreateSecretValueRead(fbb, fbb.CreateString(resource));
    schema::FinishEventBuffer(
        fbb, schema::CreateEvent(fbb, audit, schema::Body::SecretValueRead, body.Union()));
  }
  return AsString(fbb);
}

// A record envelope as the ledger stores it (schema/record.fbs).
inline std::string MakeRecord(uint64_t seq, const crypto::Digest& prev,
                              std::string_view event_type = "SecretValueRead",
                              std::string_view payload = "", uint16_t format_version = 1) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.ForceDefaults(true);
  auto actor = schema::CreateActor(fbb, fbb.CreateString("user:alice"),
                                   fbb.CreateString("Principal"), fbb.CreateString("test"),
                                   fbb.CreateString("req"), fbb.CreateString("bus-test"));
  auto prev_vec = fbb.CreateVector(prev.data(), prev.size());
  auto type = fbb.CreateString(event_type);
  auto body = fbb.CreateVector(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  schema::FinishRecordBuffer(
      fbb, schema::CreateRecord(fbb, format_version, seq, 1700000000000 + static_cast<int64_t>(seq),
                                prev_vec, actor, type, body));
  return AsString(fbb);
}

inline crypto::Digest Leaf(std::string_view bytes) {
  return crypto::LeafHash(crypto::AsBytes(bytes));
}

// An append-only chain of records and a FetchRecords over it. `visible`
// limits what fetch returns (an API lagging behind the publisher). Fetch is
// thread-safe so a publisher thread may append while a follower fetches.
class FakeLog {
 public:
  // Appends a correctly linked record and returns its bytes.
  std::string Append(std::string_view event_type = "SecretValueRead") {
    std::lock_guard<std::mutex> lock(mu_);
    crypto::Digest prev = records_.empty() ? crypto::Digest{} : Leaf(records_.back());
    records_.push_back(MakeRecord(records_.size(), prev, event_type,
                                  MakeEvent("arn:aws:secretsmanager:us-east-1:123456789012:secret:"
                                            "app/key-" +
                                            std::to_string(records_.size() % 10) + "-AbCdEf")));
    return records_.back();
  }
  void AppendN(size_t n) {
    for (size_t i = 0; i < n; ++i) Append();
  }
  // Replaces record `seq`'s bytes (a tampered log).
  void Replace(uint64_t seq, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    records_[seq] = std::move(bytes);
  }
  std::string At(uint64_t seq) const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_[seq];
  }
  crypto::Digest LeafAt(uint64_t seq) const { return Leaf(At(seq)); }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  void SetVisible(size_t visible) {
    std::lock_guard<std::mutex> lock(mu_);
    visible_ = visible;
  }

  struct Call {
    uint64_t from;
    uint32_t max;
    bool operator==(const Call&) const = default;
  };
  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  FetchRecords Fetcher() {
    return [this](uint64_t from, uint32_t max) -> Result<std::vector<StoredRecord>> {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back({from, max});
      std::vector<StoredRecord> out;
      size_t end = std::min(records_.size(), visible_);
      for (uint64_t s = from; s < end && out.size() < max; ++s) out.push_back({s, records_[s]});
      return out;
    };
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> records_;
  size_t visible_ = SIZE_MAX;
  std::vector<Call> calls_;
};

}  // namespace cairn::bus::testing

#endif  // CAIRN_TESTS_BUS_BUS_TEST_UTIL_H_
