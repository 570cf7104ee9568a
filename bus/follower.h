// Follower: the subscriber library. It follows the ledger live from the PUB
// socket and hands on every record in seq order, each verified, none missing,
// none twice — across dropped messages, late joins and daemon restarts.
//
// It subscribes to "cairn." (every record in batches, heartbeats and
// checkpoints; bus/publisher.h), buffers what arrives early, and on a gap
// (a record whose seq is beyond the next expected one, or a heartbeat whose
// head is) reads the missing range through `fetch` (the API's ReadRecords).
// Before handing a record on it checks that the record decodes, that its seq
// is the expected one and that its prev equals the leaf hash of the record
// before; a record that fails stops the follower with DataLoss naming the seq:
// nothing unverified is handed on. Duplicates (already handed on) are dropped.
// A fetch that comes back short while the stream has shown a later record
// means the API lags behind the publisher: it is retried with a growing delay
// (10 ms up to 1 s), never in a hot loop. At Start the follower also fetches
// pages from `from_seq` until one comes back short (catching up with the log
// without waiting for the first heartbeat). Reconnecting after the daemon
// restarts is ZeroMQ's; what was missed meanwhile is fetched.
//
// Ordering and verification live in bus/internal/follower_core.h, which tests
// drive without sockets. Not thread-safe: one thread calls Next(). The
// BusContext must outlive the Follower.
#ifndef CAIRN_BUS_FOLLOWER_H_
#define CAIRN_BUS_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/context.h"
#include "bus/curve.h"
#include "bus/wire.h"
#include "crypto/hash.h"
#include "crypto/status.h"

namespace cairn::bus {

// Reads up to `max` stored records from `from_seq` (fewer at the head, none
// past it). The caller wires it to the API (ReadRecords).
using FetchRecords = std::function<Result<std::vector<StoredRecord>>(uint64_t from_seq, uint32_t max)>;

struct FollowerOptions {
  std::string events_endpoint = "tcp://127.0.0.1:7702";
  std::string server_public_z85;           // "": plain, no CURVE (tests of a plain publisher)
  CurveKeyPair client_key;
  uint64_t from_seq = 0;                   // the first record to hand on
  // Leaf hash of record from_seq-1; if absent and from_seq > 0 the follower
  // fetches that record to learn it.
  std::optional<crypto::Digest> prev_leaf;
  uint32_t fetch_page = 1000;
  // Records that arrived early and are held for their turn; later ones are
  // not held (they are fetched when their turn comes).
  size_t max_buffered = 100000;
};

struct FollowedRecord {
  uint64_t seq = 0;
  std::string bytes;          // as stored
  crypto::Digest leaf_hash{};
};

// Counts since Start. live + fetched is the number of records handed on.
struct FollowerStats {
  uint64_t live = 0;          // records handed on as they came from the PUB stream
  uint64_t fetched = 0;       // records handed on as read through `fetch` (gaps, catch-up)
  uint64_t duplicates = 0;    // stream records dropped: already handed on or held
  uint64_t heartbeats = 0;
  uint64_t malformed = 0;     // stream messages dropped: not [topic][8-byte seq][body]
};

class Follower {
 public:
  // Connects (without waiting for the handshake) and subscribes to the
  // batches, heartbeats and checkpoints. If from_seq > 0 and prev_leaf is absent, fetches record
  // from_seq-1 first: its error with context if that fails, NotFound if the
  // log has no such record, DataLoss if it does not decode as that record.
  // InvalidArgument if `fetch` is empty or a key or the endpoint is malformed.
  static Result<std::unique_ptr<Follower>> Start(BusContext& context, FollowerOptions options,
                                                 FetchRecords fetch);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // The next record in seq order, verified. Unavailable if none arrives
  // within `timeout_ms` (call again; the follower keeps its place). DataLoss
  // if a record fails verification (the follower is then stopped for good).
  Result<FollowedRecord> Next(int timeout_ms);
  uint64_t next_seq() const;
  FollowerStats stats() const;
  // The largest signed checkpoint (tree size, note) the stream has shown since
  // the last call, unverified; nullopt if none. Messages are read by Next.
  std::optional<std::pair<uint64_t, std::string>> TakeCheckpoint();
  // The head the stream has shown (heartbeats, records): the next seq.
  uint64_t known_head() const;

 private:
  struct Impl;
  explicit Follower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::bus

#endif  // CAIRN_BUS_FOLLOWER_H_
