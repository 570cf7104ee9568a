// Daemon: cairnd's wiring. It opens (and in dev mode creates) the ledger,
// checks its head, and connects the bus to the service — the bus never calls
// the service; this class does:
//
//   ZeroMQ's I/O threads (--io-threads, one per core: CURVE and TCP) -->
//   ApiServer (I/O thread) --IncomingRequest--> queue --> sequencer thread:
//        decode the JSON params, Engine::Submit (decide and stage under the
//        sequencer lock; never waits for the disk) --> queue --> finishers
//        (--workers, 2): Engine::Finish (wait for the group commit, then open
//        the values), Reply
//   Every hand-off moves whatever has queued up at once, so a group commit
//   of many calls costs a few thread wake-ups, not a few per call.
//   HttpGateway (its own worker threads, one per connection) --> SigV4 against
//        the engine's access keys --> the same queue (EnqueueHttp): the
//        sequencer submits it with its batch, a finisher finishes it and wakes
//        the connection thread, which writes the AWS JSON answer. In dev mode the admin
//        gets an access key on first start, written to <data-dir>/dev-aws-credentials
//        (the aws CLI's credentials-file format, mode 0600).
//   ledger durable head --> publisher thread (reads the new records back with
//        one iterator) --> PUB (in seq order, heartbeat)
//   housekeeping thread: checkpoints every N records or T ms, purges due
//        secrets, one UnauthenticatedAttempts event per period with refusals,
//        and rotation (Engine::RunRotations: step requests, timeouts, retries,
//        scheduled starts) every tick; the publisher wakes it when a rotation
//        event (started, a step reported) is durable, and logs each one
//
// Shutdown drains: the HTTP gateway answers its calls in flight in full (new
// ones get 503), the server stops taking requests, the finishers finish the
// queue, the publisher catches up with the durable head, a checkpoint of the
// head is signed, and only then does the ledger close. A SIGKILL loses nothing
// acknowledged: a reply leaves only after its event is durable.
#ifndef CAIRN_TOOLS_CAIRND_DAEMON_H_
#define CAIRN_TOOLS_CAIRND_DAEMON_H_

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/status.h"
#include "tools/common/log.h"

namespace cairn::tools {

struct DaemonOptions {
  std::string data_dir;
  bool dev = false;                  // init if empty, loopback only, write dev-profile
  std::string api_endpoint = "tcp://127.0.0.1:7701";
  std::string events_endpoint = "tcp://127.0.0.1:7702";
  std::string passphrase_file;       // or CAIRN_PASSPHRASE, or a prompt on the tty
  std::string admin_profile;         // where the first admin's profile goes (default in data dir)
  // Finisher threads. Two keep both cores of a small machine busy; more only
  // add context switches (bench/RESULTS.md, api_bench, "two finishers").
  int workers = 2;
  int io_threads = 0;                // ZeroMQ I/O threads (CURVE, TCP); 0: one per core, at most 4
  uint64_t checkpoint_records = 1000;
  int checkpoint_ms = 5000;
  int heartbeat_ms = 1000;
  // Messages queued per events subscriber before ZeroMQ drops for it; a
  // message is a record or a batch of up to 64 KiB, so a stalled subscriber
  // holds at most about events_hwm x 64 KiB of cairnd's memory.
  int events_hwm = 4096;
  int refusal_report_ms = 60000;
  int maintenance_ms = 60000;
  int queue_limit = 16384;           // requests waiting for a worker; beyond: ThrottlingException
  // The AWS-compatible HTTP gateway (gateway/http_gateway.h); empty: off.
  std::string http_endpoint;         // host:port, e.g. 127.0.0.1:7780
  bool http_tls = false;             // HTTPS; dev mode makes a self-signed certificate if none is given
  std::string tls_cert_file;         // PEM certificate (chain) and key for HTTPS
  std::string tls_key_file;
  int http_threads = 128;            // HTTP connections served at once
  // Rotation (service/rotation.h): the orchestrator runs every housekeeping
  // tick (100 ms) and at once after a rotation event is durable.
  int64_t rotation_step_timeout_ms = 300000;  // a handler's report must come within this
  uint32_t rotation_max_attempts = 3;         // failed attempts of a step before RotationFailed
  int64_t rotation_backoff_ms = 2000;         // wait after the first failure (doubling, up to 60 s)
};

class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> Start(const DaemonOptions& options, Logger& log);
  ~Daemon();  // Shutdown()
  // Drains and stops (see above). Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRND_DAEMON_H_
