// Publisher and the record message format: topic, framing, heartbeat.
#include "bus/publisher.h"

#include <array>
#include <zmq.hpp>

#include "bus/internal/context_impl.h"
#include "bus/internal/envelope.h"
#include "bus/internal/zmq_status.h"

namespace cairn::bus {
namespace {

constexpr int kLingerMs = 1000;  // flush on close, bounded (never forever)

std::array<char, 8> BigEndian(uint64_t v) {
  std::array<char, 8> be;
  for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(v >> (56 - 8 * i));
  return be;
}

}  // namespace

Result<std::string> TopicForRecord(std::string_view record_bytes) {
  ASSIGN_OR_RETURN(internal::Envelope envelope, internal::DecodeEnvelope(record_bytes));
  return envelope.event_type + "/" +
         internal::SecretNameOfResource(internal::ResourceOfEvent(envelope.payload));
}

struct Publisher::Impl {
  explicit Impl(zmq::context_t& context) : socket(context, zmq::socket_type::pub) {}
  zmq::socket_t socket;

  // Sends three frames without blocking; Unavailable if ZeroMQ refuses.
  Status Send(std::string_view topic, uint64_t seq, std::string_view body) {
    std::array<char, 8> be = BigEndian(seq);
    try {
      auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
      if (!socket.send(zmq::const_buffer(topic.data(), topic.size()), more) ||
          !socket.send(zmq::const_buffer(be.data(), be.size()), more) ||
          !socket.send(zmq::const_buffer(body.data(), body.size()), zmq::send_flags::dontwait)) {
        return UnavailableError("publisher queue full at seq " + std::to_string(seq));
      }
      return Status::Ok();
    } catch (const zmq::error_t& e) {
      return internal::ZmqStatus(e, "publishing seq " + std::to_string(seq));
    }
  }
};

Publisher::Publisher(std::unique_ptr<Impl> impl, std::string endpoint)
    : impl_(std::move(impl)), endpoint_(std::move(endpoint)) {}

Publisher::~Publisher() = default;

Result<std::unique_ptr<Publisher>> Publisher::Bind(BusContext& context,
                                                   const PublisherOptions& options) {
  if (options.server_key != nullptr && !context.impl().authenticates()) {
    // Without a ZAP handler libzmq would accept any client knowing our key.
    return InvalidArgumentError("a CURVE publisher needs a BusContext with a KeyLookup");
  }
  try {
    auto impl = std::make_unique<Impl>(context.impl().context);
    zmq::socket_t& socket = impl->socket;
    socket.set(zmq::sockopt::sndhwm, options.send_hwm);
    socket.set(zmq::sockopt::linger, kLingerMs);
    if (options.server_key != nullptr) {
      socket.set(zmq::sockopt::curve_server, true);
      socket.set(zmq::sockopt::curve_secretkey, options.server_key->secret_z85.as_string_view());
      socket.set(zmq::sockopt::zap_domain, "events");
    }
    socket.bind(options.endpoint);
    std::string bound = socket.get(zmq::sockopt::last_endpoint);
    return std::unique_ptr<Publisher>(new Publisher(std::move(impl), std::move(bound)));
  } catch (const zmq::error_t& e) {
    return internal::ZmqStatus(e, "binding the event publisher to " + options.endpoint);
  }
}

Status Publisher::Publish(uint64_t seq, std::string_view record_bytes) {
  ASSIGN_OR_RETURN(std::string topic, TopicForRecord(record_bytes));
  return impl_->Send(topic, seq, record_bytes);
}

Status Publisher::PublishBatch(uint64_t first_seq, const std::vector<std::string>& records) {
  if (records.empty()) return InvalidArgumentError("a batch holds at least one record");
  for (const std::string& r : records) {
    if (r.size() > UINT32_MAX) return InvalidArgumentError("a record of " + std::to_string(r.size()) + " bytes");
  }
  return impl_->Send(kBatchTopic, first_seq, EncodeBatch(records));
}

Status Publisher::PublishHeartbeat(uint64_t next_seq, const crypto::Digest& head_leaf) {
  std::string_view leaf(reinterpret_cast<const char*>(head_leaf.data()), head_leaf.size());
  return impl_->Send(kHeartbeatTopic, next_seq, leaf);
}

Status Publisher::PublishCheckpoint(uint64_t tree_size, std::string_view note) {
  return impl_->Send(kCheckpointTopic, tree_size, note);
}

std::optional<RecordBatch> Batcher::Add(std::string record) {
  std::optional<RecordBatch> closed;
  if (!batch_.records.empty() &&
      (batch_.records.size() >= max_records_ || bytes_ + record.size() > max_bytes_)) {
    closed = Take();
  }
  bytes_ += record.size();
  batch_.records.push_back(std::move(record));
  return closed;
}

std::optional<RecordBatch> Batcher::Take() {
  if (batch_.records.empty()) return std::nullopt;
  RecordBatch taken = std::move(batch_);
  batch_ = RecordBatch{taken.first_seq + taken.records.size(), {}};
  bytes_ = 0;
  return taken;
}

std::string EncodeBatch(const std::vector<std::string>& records) {
  size_t size = 0;
  for (const std::string& r : records) size += 4 + r.size();
  std::string body;
  body.reserve(size);
  for (const std::string& r : records) {
    const std::array<char, 8> be = BigEndian(r.size());
    body.append(be.data() + 4, 4);
    body.append(r);
  }
  return body;
}

Result<std::vector<std::string_view>> SplitBatch(std::string_view body) {
  std::vector<std::string_view> records;
  while (!body.empty()) {
    if (body.size() < 4) return DataLossError("batch message: a record length cut short");
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(body[i]);
    body.remove_prefix(4);
    if (length > body.size()) {
      return DataLossError("batch message: record " + std::to_string(records.size()) + " claims " +
                           std::to_string(length) + " bytes, " + std::to_string(body.size()) + " remain");
    }
    records.push_back(body.substr(0, length));
    body.remove_prefix(length);
  }
  if (records.empty()) return DataLossError("batch message holds no record");
  return records;
}

Result<RecordMessage> ParseRecordMessage(const std::string& topic, const std::string& seq,
                                         const std::string& record) {
  if (seq.size() != 8) {
    return DataLossError("record message seq frame is " + std::to_string(seq.size()) +
                         " bytes, want 8");
  }
  RecordMessage m{topic, 0, record};
  for (unsigned char c : seq) m.seq = (m.seq << 8) | c;
  if (m.heartbeat() && m.record.size() != 32) {
    return DataLossError("heartbeat head leaf is " + std::to_string(record.size()) +
                         " bytes, want 32");
  }
  return m;
}

}  // namespace cairn::bus
