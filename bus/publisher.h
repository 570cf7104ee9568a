// Publisher: the events' PUB socket, CURVE-encrypted; only enrolled principals
// can subscribe (the context's ZAP handler, domain "events").
//
// Invariant: the bus is a notification, the log is the record. Each committed
// record goes out once, strictly in seq order, as three frames
//   [topic][seq: 8 bytes big-endian][record bytes, exactly as stored]
// with topic "<EventType>/<secret name>" ("SecretValueRead/prod/db"; events
// about no secret end in "/", e.g. "PrincipalCreated/") so subscribers filter
// by prefix. Every second the daemon publishes a heartbeat
//   ["cairn.heartbeat"][head seq + 1: 8 bytes BE][leaf hash of the head: 32 bytes]
// so an idle subscriber learns that it missed something, and each signed
// checkpoint as it is made
//   ["cairn.checkpoint"][tree size: 8 bytes BE][C2SP signed note text]
// so auditors collect them without polling. The same records also go out
// in batches, for whoever takes every record (replicas, auditors, rotation
// handlers: bus::Follower):
//   ["cairn.batch"][first seq: 8 bytes BE][each record: 4-byte BE length, bytes]
// One message, so one CURVE encryption per subscriber, carries a whole
// commit group; a subscriber to the prefix "cairn." gets batches,
// heartbeats and checkpoints and no single-record messages (no event type
// starts with "cairn."). One subscribing to "" gets every record twice and
// keeps one. A subscriber checks
// that seq is the next one and that the record's prev is the last leaf hash it
// holds, and reads gaps from the API (bus/follower.h).
//
// ZeroMQ drops at the high-water mark instead of blocking the publisher (it
// counts messages, not bytes: a stalled subscriber holds up to send_hwm
// messages, batches included; cairnd's --events-hwm sets it);
// subscribers see the gap. Not thread-safe: one thread publishes.
#ifndef CAIRN_BUS_PUBLISHER_H_
#define CAIRN_BUS_PUBLISHER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/context.h"
#include "bus/curve.h"
#include "crypto/hash.h"
#include "crypto/status.h"

namespace cairn::bus {

inline constexpr char kHeartbeatTopic[] = "cairn.heartbeat";
inline constexpr char kCheckpointTopic[] = "cairn.checkpoint";
inline constexpr char kBatchTopic[] = "cairn.batch";
inline constexpr char kServiceTopicPrefix[] = "cairn.";  // batches, heartbeats, checkpoints

// "<EventType>/<secret name>" for a stored record: the event type from the
// envelope and the secret's name from the event's Audit.resource (an ARN
// loses its "-xxxxxx" suffix; a resource that is not a secret ARN, e.g. a
// SecretId that failed to resolve, is used as is; no resource gives "").
// A payload that is not a verifiable cairn.schema.Event names no secret.
// DataLoss if the bytes are not a record.
Result<std::string> TopicForRecord(std::string_view record_bytes);

struct PublisherOptions {
  std::string endpoint = "tcp://127.0.0.1:7702";
  const CurveKeyPair* server_key = nullptr;  // nullptr: plain (tests of the framing only)
  int send_hwm = 100000;
};

class Publisher {
 public:
  // Binds the PUB socket (send_hwm, bounded linger; with a server key,
  // curve_server and ZAP domain "events"). Unavailable if the address is
  // taken, InvalidArgument for a malformed endpoint or a server key in a
  // context without a KeyLookup (libzmq would accept any client). The
  // context must outlive the Publisher.
  static Result<std::unique_ptr<Publisher>> Bind(BusContext& context, const PublisherOptions& options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Publishes one record under its topic (TopicForRecord). Never blocks:
  // Unavailable if ZeroMQ refuses the message now (the caller counts it),
  // DataLoss if the bytes are not a record.
  Status Publish(uint64_t seq, std::string_view record_bytes);
  // Records first_seq, first_seq + 1, ... as one "cairn.batch" message.
  // Never blocks; Unavailable as for Publish; InvalidArgument for no records.
  Status PublishBatch(uint64_t first_seq, const std::vector<std::string>& records);
  // The heartbeat frames above. Never blocks; Unavailable as for Publish.
  Status PublishHeartbeat(uint64_t next_seq, const crypto::Digest& head_leaf);
  Status PublishCheckpoint(uint64_t tree_size, std::string_view note);
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Impl;
  Publisher(std::unique_ptr<Impl> impl, std::string endpoint);
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

// One received message. For a heartbeat, seq is the head's next seq and
// `record` the 32-byte head leaf hash; for a checkpoint, seq is the tree size
// and `record` the signed note.
struct RecordMessage {
  std::string topic;
  uint64_t seq = 0;
  std::string record;
  bool heartbeat() const { return topic == kHeartbeatTopic; }
  bool checkpoint() const { return topic == kCheckpointTopic; }
};
// DataLoss unless it has an 8-byte seq (and, for a heartbeat, a 32-byte hash).
Result<RecordMessage> ParseRecordMessage(const std::string& topic, const std::string& seq,
                                         const std::string& record);

// Consecutive records grouped into batches of at most `max_records` records
// and `max_bytes` bytes of records (a record over max_bytes makes a batch of
// its own), in seq order from `first_seq`.
struct RecordBatch {
  uint64_t first_seq = 0;
  std::vector<std::string> records;
};
class Batcher {
 public:
  Batcher(uint64_t first_seq, size_t max_records, size_t max_bytes)
      : max_records_(max_records), max_bytes_(max_bytes) {
    batch_.first_seq = first_seq;
  }
  // Adds the next record; the batch it closed, if it did not fit in the last.
  std::optional<RecordBatch> Add(std::string record);
  // The batch so far (nullopt if empty); the next one starts after it.
  std::optional<RecordBatch> Take();

 private:
  size_t max_records_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  RecordBatch batch_;
};

// A batch message's body: each record as a 4-byte big-endian length and its
// bytes (each under 4 GiB).
std::string EncodeBatch(const std::vector<std::string>& records);
// The records of a batch message's body, in order, pointing into `body`.
// DataLoss if the lengths do not tile the body exactly or it holds none.
Result<std::vector<std::string_view>> SplitBatch(std::string_view body);

}  // namespace cairn::bus

#endif  // CAIRN_BUS_PUBLISHER_H_
