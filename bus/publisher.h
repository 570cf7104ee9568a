// bus/: Cairn's ZeroMQ transport. It knows the schema, never the service.
//
// Invariant: the bus is a notification, the log is the record. A subscriber
// gets three frames per record, [topic][seq (8 bytes, big-endian)][record
// bytes], checks that seq is the next one and that the record's prev equals the
// last leaf hash it holds, and on a gap reads the missing range from the ledger.
//
// Publisher binds a PUB socket and publishes committed records. cppzmq throws;
// this module's adapter (bus/internal/zmq_adapter.cc) catches and converts, so
// every method returns a Status. Not thread-safe: one thread publishes.
#ifndef CAIRN_BUS_PUBLISHER_H_
#define CAIRN_BUS_PUBLISHER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace cairn::bus {

// Topic of every ledger record; subscribers may subscribe to a prefix.
inline constexpr char kRecordTopic[] = "cairn.record";

class Publisher {
 public:
  // Binds `endpoint` (e.g. "tcp://127.0.0.1:7702"). Unavailable if the address
  // is taken, InvalidArgument for a malformed endpoint.
  static Result<std::unique_ptr<Publisher>> Bind(const std::string& endpoint);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Queues one record for every connected subscriber (never blocks; ZeroMQ may
  // drop at the high-water mark, which subscribers detect as a gap).
  Status Publish(uint64_t seq, std::string_view record_bytes);
  // The endpoint actually bound (resolves "tcp://127.0.0.1:*").
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Impl;
  explicit Publisher(std::unique_ptr<Impl> impl, std::string endpoint);
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

// Splits a received message into its parts. DataLoss unless it has exactly
// three frames with an 8-byte seq.
struct RecordMessage {
  std::string topic;
  uint64_t seq = 0;
  std::string record;
};
Result<RecordMessage> ParseRecordMessage(const std::string& topic, const std::string& seq,
                                         const std::string& record);

}  // namespace cairn::bus

#endif  // CAIRN_BUS_PUBLISHER_H_
