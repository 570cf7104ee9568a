// Follower: the SUB socket around FollowerCore.
#include "bus/follower.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/internal/context_impl.h"
#include "bus/internal/envelope.h"
#include "bus/internal/follower_core.h"
#include "bus/internal/zmq_status.h"
#include "bus/publisher.h"

namespace cairn::bus {
namespace {

using std::chrono::steady_clock;

// Messages: batches of up to 256 records (ZeroMQ's default, 1000, dropped
// early under bursts when each record was a message); 4096 x 64 KiB bounds
// what a slow reader queues.
constexpr int kReceiveHwm = 4096;
constexpr int kMaxDrainPerPoll = 10000;  // messages read before the core is asked again
// While the next record is at hand (a fetched page), the socket is read at
// most this often: each read is a system call, and a catch-up takes records
// by the hundred thousand per second. Messages wait in ZeroMQ's queue meanwhile.
constexpr auto kDrainEvery = std::chrono::milliseconds(1);

// The leaf hash of record seq, read through `fetch`.
Result<crypto::Digest> FetchLeaf(const FetchRecords& fetch, uint64_t seq) {
  const std::string what = "learning the leaf hash of record " + std::to_string(seq);
  Result<std::vector<StoredRecord>> got = fetch(seq, 1);
  if (!got.ok()) return got.status().WithContext(what);
  if (got->empty() || got->front().seq != seq) {
    return NotFoundError(what + ": the log has no record " + std::to_string(seq));
  }
  Result<internal::Envelope> envelope = internal::DecodeEnvelope(got->front().bytes);
  if (!envelope.ok()) return envelope.status().WithContext(what);
  if (envelope->seq != seq) {
    return DataLossError(what + ": it carries seq " + std::to_string(envelope->seq));
  }
  return crypto::LeafHash(crypto::AsBytes(got->front().bytes));
}

}  // namespace

struct Follower::Impl {
  Impl(zmq::context_t& context, internal::FollowerCoreOptions options, FetchRecords fetch)
      : core(options, std::move(fetch)), socket(context, zmq::socket_type::sub) {}

  // Reads what is waiting on the socket, without blocking, into the core.
  Status Drain() {
    for (int i = 0; i < kMaxDrainPerPoll; ++i) {
      std::vector<zmq::message_t> frames;
      try {
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
          return Status::Ok();
        }
      } catch (const zmq::error_t& e) {
        return internal::ZmqStatus(e, "receiving events");
      }
      RETURN_IF_ERROR(OfferFrames(frames));
    }
    return Status::Ok();
  }

  // A batch becomes one record message per record, in seq order; a
  // malformed message is counted and skipped (the gap is fetched).
  Status OfferFrames(const std::vector<zmq::message_t>& frames) {
    if (frames.size() != 3) {
      ++malformed;
      return Status::Ok();
    }
    // A batch's body is split where it lies; only its records are copied.
    const bool batch = frames[0].to_string_view() == kBatchTopic;
    Result<RecordMessage> message =
        ParseRecordMessage(frames[0].to_string(), frames[1].to_string(), batch ? "" : frames[2].to_string());
    if (!message.ok()) {
      ++malformed;
      return Status::Ok();
    }
    if (!batch) return core.Offer(std::move(*message));
    Result<std::vector<std::string_view>> records = SplitBatch(frames[2].to_string_view());
    if (!records.ok()) {
      ++malformed;
      return Status::Ok();
    }
    for (size_t i = 0; i < records->size(); ++i) {
      RETURN_IF_ERROR(core.Offer(RecordMessage{kBatchTopic, message->seq + i, std::string((*records)[i])}));
    }
    return Status::Ok();
  }

  // Waits up to `wait` for the socket to become readable.
  Status Wait(steady_clock::duration wait) {
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 1, std::max(ms, std::chrono::milliseconds(0)));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) return internal::ZmqStatus(e, "waiting for events");
    }
    return Status::Ok();
  }

  internal::FollowerCore core;
  zmq::socket_t socket;
  uint64_t malformed = 0;
  steady_clock::time_point last_drain{};
};

Follower::Follower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Follower::~Follower() = default;

Result<std::unique_ptr<Follower>> Follower::Start(BusContext& context, FollowerOptions options,
                                                  FetchRecords fetch) {
  if (!fetch) return InvalidArgumentError("a follower needs a FetchRecords");
  internal::FollowerCoreOptions core;
  core.from_seq = options.from_seq;
  core.fetch_page = options.fetch_page;
  core.max_buffered = options.max_buffered;
  if (options.prev_leaf) {
    core.prev_leaf = *options.prev_leaf;
  } else if (options.from_seq > 0) {
    ASSIGN_OR_RETURN(core.prev_leaf, FetchLeaf(fetch, options.from_seq - 1));
  }
  try {
    auto impl = std::make_unique<Impl>(context.impl().context, core, std::move(fetch));
    zmq::socket_t& socket = impl->socket;
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvhwm, kReceiveHwm);
    if (!options.server_public_z85.empty()) {
      socket.set(zmq::sockopt::curve_serverkey, options.server_public_z85);
      socket.set(zmq::sockopt::curve_publickey, options.client_key.public_z85);
      socket.set(zmq::sockopt::curve_secretkey, options.client_key.secret_z85.as_string_view());
    }
    socket.set(zmq::sockopt::subscribe, kServiceTopicPrefix);  // batches of every record, heartbeats, checkpoints
    socket.connect(options.events_endpoint);
    return std::unique_ptr<Follower>(new Follower(std::move(impl)));
  } catch (const zmq::error_t& e) {
    return internal::ZmqStatus(e, "connecting the follower to " + options.events_endpoint);
  }
}

Result<FollowedRecord> Follower::Next(int timeout_ms) {
  auto now = steady_clock::now();
  const auto deadline = now + std::chrono::milliseconds(std::max(timeout_ms, 0));
  for (;;) {
    if (!impl_->core.has_next() || now - impl_->last_drain >= kDrainEvery) {
      RETURN_IF_ERROR(impl_->Drain());
      impl_->last_drain = now;
    }
    ASSIGN_OR_RETURN(std::optional<FollowedRecord> ready, impl_->core.Poll(now));
    if (ready) return std::move(*ready);
    now = steady_clock::now();
    if (now >= deadline) {
      std::string message = "no record " + std::to_string(impl_->core.next_seq()) + " within " +
                            std::to_string(timeout_ms) + " ms";
      const std::string& fetch_error = impl_->core.last_fetch_error();
      if (!fetch_error.empty()) message += "; the last fetch failed: " + fetch_error;
      return UnavailableError(std::move(message));
    }
    auto until = deadline;
    if (auto retry = impl_->core.RetryAt(); retry && *retry < until) until = std::max(*retry, now);
    RETURN_IF_ERROR(impl_->Wait(until - now));
  }
}

uint64_t Follower::next_seq() const { return impl_->core.next_seq(); }

std::optional<std::pair<uint64_t, std::string>> Follower::TakeCheckpoint() { return impl_->core.TakeCheckpoint(); }

uint64_t Follower::known_head() const { return impl_->core.known_head(); }

FollowerStats Follower::stats() const {
  FollowerStats stats = impl_->core.stats();
  stats.malformed = impl_->malformed;
  return stats;
}

}  // namespace cairn::bus
