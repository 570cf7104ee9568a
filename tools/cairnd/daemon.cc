#include "tools/cairnd/daemon.h"

#include <pthread.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <thread>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "bus/context.h"
#include "bus/curve.h"
#include "bus/publisher.h"
#include "bus/server.h"
#include "crypto/master_key.h"
#include "crypto/private_file.h"
#include "crypto/random.h"
#include "gateway/http_gateway.h"
#include "ledger/ledger.h"
#include "ledger/record.h"
#include "schema/events_generated.h"
#include "service/access.h"
#include "service/principals.h"
#include "service/engine.h"
#include "tools/cairnd/admin_profile.h"
#include "tools/cairnd/head_check.h"
#include "tools/common/dev_credentials.h"
#include "tools/common/passphrase.h"
#include "tools/common/wire_convert.h"

namespace cairn::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// ZeroMQ I/O threads: as asked, or one per core (at most 4). At 64 clients a
// second thread took cairnd from ~22k to ~26k audited reads/s on 2 cores;
// more than the cores gave nothing (bench/RESULTS.md, api_bench).
int IoThreads(int asked) {
  if (asked > 0) return asked;
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
}

constexpr char kServerKeyName[] = "curve-server-key";
constexpr char kDaemonAgent[] = "cairnd/0.2.0";
// An events batch message: at most this many records and bytes (a record
// over it goes alone). 64 records of ~800 bytes reach the fan-out target
// (bench/RESULTS.md); ZeroMQ's high-water mark counts messages, so
// --events-hwm x kMaxBatchBytes bounds a stalled subscriber's queue.
constexpr size_t kMaxBatchRecords = 256;
constexpr size_t kMaxBatchBytes = 64 * 1024;

ledger::Actor DaemonActor() {
  return ledger::Actor{"system:cairnd", "Service", "cairnd", crypto::NewUuidV4(crypto::SystemRandom()), kDaemonAgent};
}

// An HTTP gateway call handed to the sequencer (StartHttp): the gateway's
// thread waits on it until a finisher has the answer.
struct HttpCall {
  const service::Request* request = nullptr;
  ledger::Actor actor;
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  service::Response response;
  void Complete(service::Response r) {
    std::lock_guard<std::mutex> lock(mu);  // notified under the lock: the waiter owns this object
    response = std::move(r);
    done = true;
    done_cv.notify_one();
  }
};

struct Queued {
  bus::IncomingRequest incoming;
  Clock::time_point arrived;
  HttpCall* http = nullptr;  // set for an HTTP call (incoming then unused)
};

// A call staged by the sequencer thread, waiting for its event to be durable.
struct InFlight {
  bus::ReplyTo reply_to;
  std::string request_id;
  std::string principal;
  std::string operation;
  service::Engine::Pending pending;
  Clock::time_point started;
  HttpCall* http = nullptr;  // answered through it, not the bus
};

}  // namespace

struct Daemon::Impl {
  DaemonOptions options;
  Logger* log = nullptr;
  std::unique_ptr<service::Engine> engine;
  std::unique_ptr<bus::BusContext> context;
  bus::CurveKeyPair server_key;
  std::unique_ptr<bus::Publisher> publisher;
  std::unique_ptr<bus::ApiServer> server;
  std::unique_ptr<gateway::HttpGateway> http;

  // I/O thread -> sequencer thread.
  std::mutex in_mu;
  std::condition_variable in_ready;
  std::deque<Queued> incoming;
  bool draining = false;
  std::thread sequencer;
  // Sequencer thread -> finishers (the calls whose events await the group commit).
  std::mutex out_mu;
  std::condition_variable out_ready;
  std::deque<InFlight> submitted;
  bool sequencer_done = false;
  std::vector<std::thread> finishers;

  std::atomic<bool> stopping{false};           // the publisher's last pass
  std::atomic<bool> housekeeping_stop{false};
  std::mutex tick_mu;
  std::condition_variable tick;  // wakes the housekeeping thread at shutdown, or for rotation
  std::atomic<bool> rotation_due{false};  // a rotation event is durable: run the orchestrator now
  std::thread publisher_thread;
  std::thread housekeeping_thread;
  std::atomic<uint64_t> expired{0};
  std::mutex checkpoint_mu;
  std::optional<std::pair<uint64_t, std::string>> unpublished_checkpoint;  // for the publisher thread
  uint64_t published_checkpoint_size = 0;
  bool shut_down = false;

  Status OpenEngine();
  Status StartBus();
  Status StartHttp();
  Status EnsureDevAccessKey();
  void Enqueue(bus::IncomingRequest request);
  bool EnqueueHttp(HttpCall* call);
  void SequencerLoop();
  std::optional<InFlight> Submit(Queued& item);
  void FinisherLoop();
  void Finish(InFlight& call);
  void PublisherLoop();
  void HousekeepingLoop();
  void NoteRotationEvent(std::string_view bytes);
  void WakeRotation();
  void SignCheckpoint(const char* why);
  void QueueCheckpoint(const std::string& note);
};

Status Daemon::Impl::OpenEngine() {
  const std::string& dir = options.data_dir;
  std::error_code ec;
  if (!fs::exists(service::LedgerDir(dir), ec)) {
    if (!options.dev) {
      return NotFoundError(dir + " holds no ledger. Create one with 'cairn init --data-dir " + dir +
                           " --passphrase-file FILE', or start with --dev for a development ledger");
    }
    service::InitOptions init;
    init.data_dir = dir;
    init.actor = DaemonActor();
    RETURN_IF_ERROR(service::Engine::Init(init));
    log->Info("created a development ledger", {{"data_dir", dir}, {"key_file", service::KeyFilePath(dir)}});
  }
  ASSIGN_OR_RETURN(auto passphrase, PassphraseFromFileOrEnv(options.passphrase_file));
  auto needs = crypto::MasterKeyFileNeedsPassphrase(service::KeyFilePath(dir));
  if (needs.ok() && *needs && !passphrase.has_value()) {
    log->Info("sealed: the master key needs its passphrase", {{"key_file", service::KeyFilePath(dir)}});
    ASSIGN_OR_RETURN(auto prompted, PromptPassphrase("Passphrase for " + dir + ": "));
    passphrase = std::move(prompted);
  }
  service::OpenOptions open;
  open.data_dir = dir;
  open.passphrase = passphrase.has_value() ? &*passphrase : nullptr;
  auto opened = service::Engine::Open(open);
  if (!opened.ok() && opened.status().code() == StatusCode::kDataLoss) {
    return DataLossError("refusing to serve: the ledger in " + dir + " does not verify at its head: " +
                         opened.status().message() + ". Run 'cairn-audit verify --data-dir " + dir +
                         "' for a full report");
  }
  if (!opened.ok()) return opened.status().WithContext("opening the ledger in " + dir);
  engine = std::move(opened).value();
  engine->set_checkpoint_listener([this](const std::string& note) { QueueCheckpoint(note); });
  Status head = VerifyHeadAtStart(engine->ledger().store());
  if (!head.ok()) {
    return DataLossError("refusing to serve: the ledger in " + dir + " does not verify at its head: " +
                         head.message() + ". Run 'cairn-audit verify --data-dir " + dir + "' for a full report");
  }
  log->Info("unsealed", {{"data_dir", dir}, {"records", engine->ledger().durable_head().next_seq}});
  return Status::Ok();
}

Status Daemon::Impl::StartBus() {
  ASSIGN_OR_RETURN(crypto::SecureBuffer secret, engine->SealedSecret(kServerKeyName, 32));
  ASSIGN_OR_RETURN(server_key, bus::CurveKeyPairFromSecret(secret.view()));
  service::Engine* e = engine.get();
  ASSIGN_OR_RETURN(context, bus::BusContext::Create(
                                [e](std::string_view key, std::string_view domain,
                                    std::string_view) -> std::optional<std::string> {
                                  std::optional<std::string> name = e->PrincipalForKey(key);
                                  if (!name) return std::nullopt;
                                  // A subscriber needs cairn:SubscribeEvents; refused ones are counted.
                                  if (domain != "api") {
                                    if (!e->PrincipalMay(*name, service::kSubscribeEvents)) return std::nullopt;
                                    return name;
                                  }
                                  // API connections carry the key: each request is mapped to
                                  // its principal again, so a rotated or disabled key stops at once.
                                  return std::string(key);
                                },
                                IoThreads(options.io_threads)));
  bus::PublisherOptions pub;
  pub.endpoint = options.events_endpoint;
  pub.server_key = &server_key;
  pub.send_hwm = options.events_hwm;
  ASSIGN_OR_RETURN(publisher, bus::Publisher::Bind(*context, pub));
  bus::ServerOptions api;
  api.endpoint = options.api_endpoint;
  api.server_key = &server_key;
  ASSIGN_OR_RETURN(server, bus::ApiServer::Bind(*context, api,
                                                [this](bus::IncomingRequest in) { Enqueue(std::move(in)); }));
  return Status::Ok();
}

Status Daemon::Impl::StartHttp() {
  if (options.http_endpoint.empty()) return Status::Ok();
  gateway::GatewayOptions http_options;
  http_options.endpoint = options.http_endpoint;
  http_options.threads = options.http_threads;
  http_options.region = engine->ledger_info().region;
  if (options.http_tls) {
    http_options.tls_cert_file = options.tls_cert_file;
    http_options.tls_key_file = options.tls_key_file;
    if (http_options.tls_cert_file.empty() && options.dev) {
      http_options.tls_cert_file = (fs::path(options.data_dir) / "dev-tls.crt").string();
      http_options.tls_key_file = (fs::path(options.data_dir) / "dev-tls.key").string();
      RETURN_IF_ERROR(gateway::EnsureDevCertificate(http_options.tls_cert_file, http_options.tls_key_file));
    }
    if (http_options.tls_cert_file.empty() || http_options.tls_key_file.empty()) {
      return InvalidArgumentError("--http-tls needs --tls-cert and --tls-key (dev mode makes its own)");
    }
  }
  service::Engine* e = engine.get();
  auto lookup = [e](std::string_view key_id) -> std::optional<gateway::AccessKeyGrant> {
    std::optional<service::Engine::AccessKeyGrant> grant = e->AccessKeyFor(key_id);
    if (!grant) return std::nullopt;
    return gateway::AccessKeyGrant{std::move(grant->principal), std::move(grant->secret)};
  };
  auto handler = [this](gateway::GatewayCall& call) {
    const auto started = Clock::now();
    // The call's strings move into the actor: the gateway reads only call.request afterwards.
    HttpCall queued;
    queued.request = &call.request;
    queued.actor = ledger::Actor{std::move(call.principal), service::kActorPrincipal, std::move(call.source_ip),
                                 std::move(call.request_id), std::move(call.user_agent),
                                 std::move(call.access_key_id), std::move(call.invocation_id)};
    const ledger::Actor& actor = queued.actor;
    // Through the sequencer and finishers, as the ZeroMQ calls go: this thread
    // only waits for the answer.
    service::Response response;
    if (EnqueueHttp(&queued)) {
      std::unique_lock<std::mutex> lock(queued.mu);
      queued.done_cv.wait(lock, [&] { return queued.done; });
      response = std::move(queued.response);
    } else {
      response = engine->Execute(call.request, actor);  // draining: the sequencer may be gone
    }
    if (log->enabled(LogLevel::kDebug)) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
      log->Debug("http call", {{"request_id", actor.request_id}, {"principal", actor.principal},
                               {"operation", call.request.operation},
                               {"error", response.ok() ? "" : response.error->code},
                               {"seq", response.seq}, {"micros", us}});
    }
    return response;
  };
  ASSIGN_OR_RETURN(http, gateway::HttpGateway::Start(http_options, lookup, handler));
  if (options.dev) {
    Status made = EnsureDevAccessKey();
    if (!made.ok()) {
      // Start fails and no sequencer will run: calls queued meanwhile are
      // answered here, later ones run directly, so stopping the gateway cannot hang.
      std::lock_guard<std::mutex> lock(in_mu);
      draining = true;
      for (Queued& item : incoming) {
        if (item.http == nullptr) continue;
        service::Response refused;
        refused.error = service::ApiError{service::kInternalServiceError, "cairnd failed to start"};
        item.http->Complete(std::move(refused));
      }
      return made;
    }
  }
  return Status::Ok();
}

// Dev mode: the admin's access key for the aws CLI and the SDKs, made once.
Status Daemon::Impl::EnsureDevAccessKey() {
  const std::string path = DevAwsCredentialsPath(options.data_dir);
  std::error_code ec;
  if (fs::exists(path, ec)) {
    log->Info("HTTP gateway credentials", {{"AWS_SHARED_CREDENTIALS_FILE", path}});
    return Status::Ok();
  }
  service::Request request;
  request.operation = "CreateAccessKey";
  request.params = Json{{"PrincipalName", "admin"}};
  service::Response response = engine->Execute(request, DaemonActor());
  if (!response.ok()) {
    return InternalError("cannot make the dev admin's access key: " + response.error->message);
  }
  const std::string key_id = response.body["AccessKey"].value("AccessKeyId", "");
  if (response.values.empty() || key_id.empty()) return InternalError("CreateAccessKey returned no key");
  std::string text = "# cairnd --dev: the admin's access key for the HTTP gateway (" +
                     std::string(http->tls() ? "https://" : "http://") + http->endpoint() +
                     ")\n[default]\naws_access_key_id = " + key_id +
                     "\naws_secret_access_key = " + std::string(response.values[0].value.bytes.as_string_view()) +
                     "\nregion = " + engine->ledger_info().region + "\n";
  Status written = crypto::WritePrivateFile(path, crypto::AsBytes(text));
  crypto::SecureWipe(text);
  RETURN_IF_ERROR(written.WithContext("writing " + path));
  log->Info("made an access key for the admin; its secret is in the credentials file, keep it safe",
            {{"access_key_id", key_id}, {"AWS_SHARED_CREDENTIALS_FILE", path}});
  return Status::Ok();
}

// On a gateway thread: queues an HTTP call behind the ZeroMQ ones (no
// queue_limit: the gateway's thread count bounds them). False when draining.
bool Daemon::Impl::EnqueueHttp(HttpCall* call) {
  std::unique_lock<std::mutex> lock(in_mu);
  if (draining) return false;
  const bool was_empty = incoming.empty();
  incoming.push_back(Queued{{}, Clock::now(), call});
  lock.unlock();
  if (was_empty) in_ready.notify_one();
  return true;
}

// On the server's I/O thread: never waits for anything but a short lock.
void Daemon::Impl::Enqueue(bus::IncomingRequest request) {
  std::unique_lock<std::mutex> lock(in_mu);
  if (draining || incoming.size() >= static_cast<size_t>(options.queue_limit)) {
    lock.unlock();
    bus::ApiResponseMsg busy;
    busy.request_id = request.request.request_id;
    busy.error_code = "ThrottlingException";
    busy.error_message = draining ? "cairnd is shutting down" : "cairnd is busy; retry with backoff";
    server->Reply(request.reply_to, busy);
    return;
  }
  const bool was_empty = incoming.empty();
  incoming.push_back(Queued{std::move(request), Clock::now()});
  lock.unlock();
  if (was_empty) in_ready.notify_one();  // otherwise the sequencer has not emptied the queue yet
}

// One thread decides and stages every call, in arrival order, taking whatever
// has queued up at once; none of it waits for the disk. The staged calls go to
// the finishers in one hand-off.
void Daemon::Impl::SequencerLoop() {
  pthread_setname_np(pthread_self(), "cairn-sequencer");
  std::deque<Queued> batch;
  std::vector<InFlight> staged;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(in_mu);
      in_ready.wait(lock, [&] { return !incoming.empty() || draining; });
      if (incoming.empty()) break;  // draining and nothing left
      batch.swap(incoming);
    }
    for (Queued& item : batch) {
      if (auto call = Submit(item)) staged.push_back(std::move(*call));
    }
    batch.clear();
    if (staged.empty()) continue;
    {
      std::lock_guard<std::mutex> lock(out_mu);
      for (InFlight& call : staged) submitted.push_back(std::move(call));
    }
    staged.clear();
    out_ready.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(out_mu);
    sequencer_done = true;
  }
  out_ready.notify_all();
}

std::optional<InFlight> Daemon::Impl::Submit(Queued& item) {
  if (item.http != nullptr) {
    InFlight call;
    call.pending = engine->Submit(*item.http->request, item.http->actor);
    call.started = item.arrived;
    call.http = item.http;
    return call;
  }
  bus::IncomingRequest& in = item.incoming;
  const std::string request_id = in.request.request_id;
  const uint32_t deadline = in.request.deadline_ms;
  // The connection's User-Id is the client's key (StartBus): the principal holding it now.
  std::optional<std::string> principal = engine->PrincipalForKey(in.principal);
  in.principal = principal ? std::move(*principal) : "unknown-key:" + in.principal.substr(0, 40);
  if (deadline > 0 && Clock::now() - item.arrived > std::chrono::milliseconds(deadline)) {
    expired.fetch_add(1);  // the client has given up; running it now would surprise it
    log->Debug("request expired in the queue", {{"request_id", request_id}, {"principal", in.principal}});
    return std::nullopt;
  }
  ledger::Actor actor{in.principal, "Principal", in.peer_address,
                      request_id.size() <= 64 ? request_id : crypto::NewUuidV4(crypto::SystemRandom()),
                      in.request.user_agent.substr(0, 256)};
  const std::string operation = in.request.operation;
  auto request = RequestFromWire(std::move(in.request));
  if (!request.ok()) {
    bus::ApiResponseMsg reply;
    reply.request_id = request_id;
    reply.error_code = "ValidationException";
    reply.error_message = request.status().message();
    server->Reply(in.reply_to, reply);
    return std::nullopt;
  }
  return InFlight{in.reply_to, request_id, in.principal, operation, engine->Submit(*request, actor), item.arrived};
}

// Finishers wait for the group commit, open the values and reply. Calls come
// off the queue in seq order, so once the first of a batch is durable the rest
// of it is too and no finisher waits again until the next batch.
void Daemon::Impl::FinisherLoop() {
  pthread_setname_np(pthread_self(), "cairn-finisher");
  while (true) {
    std::optional<InFlight> call;
    {
      std::unique_lock<std::mutex> lock(out_mu);
      out_ready.wait(lock, [&] { return !submitted.empty() || sequencer_done; });
      if (submitted.empty()) return;
      call.emplace(std::move(submitted.front()));
      submitted.pop_front();
    }
    Finish(*call);
  }
}

void Daemon::Impl::Finish(InFlight& call) {
  service::Response response = engine->Finish(std::move(call.pending));
  if (call.http != nullptr) return call.http->Complete(std::move(response));  // StartHttp's handler logs it
  if (log->enabled(LogLevel::kDebug)) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - call.started).count();
    log->Debug("call", {{"request_id", call.request_id}, {"principal", call.principal},
                        {"operation", call.operation}, {"error", response.ok() ? "" : response.error->code},
                        {"seq", response.seq}, {"micros", us}});
  }
  server->Reply(call.reply_to, ResponseToWire(std::move(response), call.request_id));
}

// Publishes every durable record once, in seq order, and a heartbeat each
// heartbeat_ms. Reads the records back from the log: the bus carries the
// stored bytes, never a re-encoding.
void Daemon::Impl::PublisherLoop() {
  pthread_setname_np(pthread_self(), "cairn-publisher");
  ledger::Ledger& ledger = engine->ledger();
  uint64_t next = ledger.durable_head().next_seq;
  crypto::Digest last_leaf = ledger.durable_head().last_leaf;
  auto last_beat = Clock::now() - std::chrono::hours(1);
  uint64_t dropped = 0;          // single-record messages ZeroMQ refused
  uint64_t dropped_batches = 0;  // batch messages
  while (true) {
    const bool final_pass = stopping.load();
    // Woken by a new durable record, or at the checkpoint period: a checkpoint
    // signed after the last record of a burst goes out then, not at the next
    // record (a replica applies only what a published checkpoint covers).
    const int wait_ms = std::max(1, std::min(options.heartbeat_ms / 2, options.checkpoint_ms));
    const ledger::Head head = ledger.WaitDurable(next, final_pass ? 0 : wait_ms);
    // Each record on its own topic, then the commit group as batches (what
    // followers of every record take: bus/publisher.h).
    bus::Batcher batcher(next, kMaxBatchRecords, kMaxBatchBytes);
    const uint64_t pass_from = next;
    auto publish = [&](const std::optional<bus::RecordBatch>& batch) {
      if (batch && !publisher->PublishBatch(batch->first_seq, batch->records).ok()) ++dropped_batches;
    };
    // One iterator over the pass's records (a Get per record searched the
    // memtable from its top each time: 4% of cairnd's CPU under load). It
    // stops early at a key that is not the next seq; `next` then names the
    // record that could not be read.
    Status read = Status::Ok();
    if (next < head.next_seq) {
      read = ledger::ForEachRecord(ledger.store(), next, [&](std::string_view key, std::string_view bytes) {
        if (next >= head.next_seq) return false;
        if (Result<uint64_t> seq = ledger::ParseSeqKey(key); !seq.ok() || *seq != next) return false;
        if (!publisher->Publish(next, bytes).ok()) ++dropped;  // subscribers see the gap and fetch it
        NoteRotationEvent(bytes);
        publish(batcher.Add(std::string(bytes)));
        ++next;
        return true;
      });
      if (read.ok() && next < head.next_seq) read = NotFoundError("no record at seq " + std::to_string(next));
    }
    if (!read.ok()) {
      log->Error("cannot read a committed record to publish", {{"seq", next}, {"error", read.message()}});
    }
    // The heartbeat's leaf is the last published record's: the durable head's
    // when the pass reached it (not hashing every record again saves ~1 µs a
    // record), else, after a failed read, that record's hash.
    if (next == head.next_seq) {
      last_leaf = head.last_leaf;
    } else if (next > pass_from) {
      auto last = ledger::ReadRecord(ledger.store(), next - 1);
      if (last.ok()) last_leaf = crypto::LeafHash(crypto::AsBytes(*last));
    }
    publish(batcher.Take());
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu);
      if (unpublished_checkpoint && unpublished_checkpoint->first <= next) {  // after the records it covers
        (void)publisher->PublishCheckpoint(unpublished_checkpoint->first, unpublished_checkpoint->second);
        published_checkpoint_size = unpublished_checkpoint->first;
        unpublished_checkpoint.reset();
      }
    }
    if (Clock::now() - last_beat >= std::chrono::milliseconds(options.heartbeat_ms) || final_pass) {
      (void)publisher->PublishHeartbeat(next, last_leaf);
      last_beat = Clock::now();
      if (dropped > 0 || dropped_batches > 0) {
        log->Warn("publisher queue full; subscribers will fetch the gap",
                  {{"dropped", dropped}, {"dropped_batches", dropped_batches}});
        dropped = 0;
        dropped_batches = 0;
      }
    }
    if (final_pass) return;
  }
}

namespace {

// The tree size of a signed note: its body's second line (ledger/FORMAT.md).
std::optional<uint64_t> NoteTreeSize(const std::string& note) {
  const size_t first = note.find('\n');
  const size_t second = first == std::string::npos ? first : note.find('\n', first + 1);
  if (second == std::string::npos) return std::nullopt;
  uint64_t size = 0;
  for (size_t i = first + 1; i < second; ++i) {
    if (note[i] < '0' || note[i] > '9') return std::nullopt;
    size = size * 10 + static_cast<uint64_t>(note[i] - '0');
  }
  return size;
}

}  // namespace

void Daemon::Impl::SignCheckpoint(const char* why) {
  auto note = engine->SignCheckpoint();  // the listener queues it for the publisher
  if (!note.ok()) {
    log->Error("cannot sign a checkpoint", {{"why", why}, {"error", note.status().message()}});
  }
}

// Every note the engine signs (periodic, at shutdown, or for a GetCheckpoint
// call) goes out once; the publisher sends the newest after its records.
void Daemon::Impl::QueueCheckpoint(const std::string& note) {
  const std::optional<uint64_t> size = NoteTreeSize(note);
  if (!size) return;
  std::lock_guard<std::mutex> lock(checkpoint_mu);
  if (*size <= published_checkpoint_size && published_checkpoint_size != 0) return;
  if (unpublished_checkpoint && unpublished_checkpoint->first >= *size) return;
  unpublished_checkpoint.emplace(*size, note);
}

void Daemon::Impl::WakeRotation() {
  {
    std::lock_guard<std::mutex> lock(tick_mu);
    rotation_due = true;
  }
  tick.notify_all();
}

namespace {

std::string Str(const flatbuffers::String* s) { return s != nullptr ? s->str() : ""; }

}  // namespace

// On the publisher thread, for each durable record: a rotation event is logged
// (ids only: never the handler's reason text) and, if the orchestrator acts on
// it next (a run started, a step reported), wakes the housekeeping thread.
// Most records are not rotation events; a substring test passes them cheaply.
void Daemon::Impl::NoteRotationEvent(std::string_view bytes) {
  if (bytes.find("Rotation") == std::string_view::npos) return;
  auto record = ledger::DecodeRecord(bytes);
  if (!record.ok() || record->event_type.rfind("Rotation", 0) != 0) return;
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(record->payload.data()), record->payload.size());
  if (!schema::VerifyEventBuffer(verifier)) return;
  const schema::Event& event = *schema::GetEvent(record->payload.data());
  if (const auto* e = event.body_as_RotationStarted()) {
    log->Info("rotation started", {{"secret", Str(e->arn())}, {"token", Str(e->token())},
                                   {"handler", Str(e->handler())}, {"scheduled", e->scheduled()},
                                   {"resumed", e->resumed()}, {"test_only", e->test_only()}});
    WakeRotation();
  } else if (const auto* e = event.body_as_RotationStepRequested()) {
    log->Debug("rotation step requested", {{"secret", Str(e->arn())}, {"token", Str(e->token())},
                                           {"handler", Str(e->handler())}, {"step", Str(e->step())},
                                           {"attempt", e->attempt()}});
  } else if (const auto* e = event.body_as_RotationStepSucceeded()) {
    log->Info("rotation step succeeded",
              {{"secret", Str(e->arn())}, {"token", Str(e->token())}, {"step", Str(e->step())}});
    WakeRotation();
  } else if (const auto* e = event.body_as_RotationStepFailed()) {
    log->Info("rotation step failed", {{"secret", Str(e->arn())}, {"token", Str(e->token())},
                                       {"step", Str(e->step())}, {"attempt", e->attempt()},
                                       {"timed_out", e->timed_out()}});
    WakeRotation();
  } else if (const auto* e = event.body_as_RotationSucceeded()) {
    log->Info("rotation succeeded", {{"secret", Str(e->arn())}, {"token", Str(e->token())},
                                     {"previous_version", Str(e->previous_version_id())},
                                     {"test_only", e->test_only()}});
  } else if (const auto* e = event.body_as_RotationFailed()) {
    log->Info("rotation failed", {{"secret", Str(e->arn())}, {"token", Str(e->token())},
                                  {"step", Str(e->step())}, {"attempts", e->attempts()}});
  } else if (const auto* e = event.body_as_RotationCancelled()) {
    log->Info("rotation cancelled", {{"secret", Str(e->arn())}, {"token", Str(e->token())}});
  }
}

void Daemon::Impl::HousekeepingLoop() {
  pthread_setname_np(pthread_self(), "cairn-housekeep");
  auto last_checkpoint = Clock::now();
  auto last_report = Clock::now();
  auto last_maintenance = Clock::now();
  service::RotationPolicy rotation;
  rotation.step_timeout_ms = options.rotation_step_timeout_ms;
  rotation.max_attempts = options.rotation_max_attempts;
  rotation.backoff_base_ms = options.rotation_backoff_ms;
  std::string last_rotation_error;
  int64_t report_since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
  uint64_t checkpointed = engine->ledger().durable_head().next_seq;
  auto report_refusals = [&] {
    bus::Refusals refusals = context->TakeRefusals();
    if (http) {
      const gateway::GatewayRefusals h = http->TakeRefusals();
      refusals.attempts += h.attempts;
      refusals.distinct_keys += h.distinct_keys;
    }
    if (refusals.attempts > 0) {
      Status s = engine->RecordUnauthenticatedAttempts(refusals.attempts, refusals.distinct_keys, report_since_ms);
      log->Warn("refused unauthenticated connections",
                {{"attempts", refusals.attempts}, {"distinct_keys", refusals.distinct_keys}, {"recorded", s.ok()}});
    }
    report_since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  };
  // The loop's period: 100 ms, or the checkpoint period when that is shorter
  // (a DR replica applies only what a checkpoint covers: this is its lag).
  const auto period = std::chrono::milliseconds(std::min(100, std::max(1, options.checkpoint_ms)));
  // Rotations are decided every 100 ms, or at once when a rotation event
  // wakes the loop: not at every short checkpoint tick (each pass scans
  // every secret).
  constexpr auto kRotationPeriod = std::chrono::milliseconds(100);
  auto last_rotations = Clock::now() - kRotationPeriod;
  while (true) {
    bool rotation_woke = false;
    {
      std::unique_lock<std::mutex> lock(tick_mu);
      tick.wait_for(lock, period,
                    [&] { return housekeeping_stop.load() || rotation_due.load(); });
      rotation_woke = rotation_due.exchange(false);
    }
    if (housekeeping_stop.load()) {
      report_refusals();  // the last period's refusals are recorded too, before the shutdown checkpoint
      return;
    }
    const auto now = Clock::now();
    const uint64_t head = engine->ledger().durable_head().next_seq;
    if (head > checkpointed &&
        (head - checkpointed >= options.checkpoint_records ||
         now - last_checkpoint >= std::chrono::milliseconds(options.checkpoint_ms))) {
      SignCheckpoint("periodic");
      checkpointed = head;
      last_checkpoint = now;
    }
    if (now - last_report >= std::chrono::milliseconds(options.refusal_report_ms)) {
      report_refusals();
      last_report = now;
    }
    if (now - last_maintenance >= std::chrono::milliseconds(options.maintenance_ms)) {
      Status s = engine->RunMaintenance();
      if (!s.ok()) log->Error("maintenance failed", {{"error", s.message()}});
      last_maintenance = now;
    }
    if (!rotation_woke && now - last_rotations < kRotationPeriod) continue;
    last_rotations = now;
    // One decision per secret per call: after any, decide again at once.
    Result<size_t> decided = engine->RunRotations(rotation);
    if (decided.ok() && *decided > 0) rotation_due = true;
    const std::string error = decided.ok() ? "" : decided.status().message();
    if (!error.empty() && error != last_rotation_error) log->Error("rotation failed to run", {{"error", error}});
    last_rotation_error = error;
  }
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Daemon>> Daemon::Start(const DaemonOptions& options, Logger& log) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->log = &log;
  RETURN_IF_ERROR(impl->OpenEngine());
  RETURN_IF_ERROR(impl->StartBus());
  ASSIGN_OR_RETURN(std::string profile,
                   EnsureAdminProfile(*impl->engine, options, impl->server_key.public_z85,
                                      impl->server->endpoint(), impl->publisher->endpoint(), log));
  RETURN_IF_ERROR(impl->StartHttp());
  impl->sequencer = std::thread([p = impl.get()] { p->SequencerLoop(); });
  for (int i = 0; i < std::max(1, options.workers); ++i) {
    impl->finishers.emplace_back([p = impl.get()] { p->FinisherLoop(); });
  }
  impl->publisher_thread = std::thread([p = impl.get()] { p->PublisherLoop(); });
  impl->housekeeping_thread = std::thread([p = impl.get()] { p->HousekeepingLoop(); });
  log.Info("ready", {{"api", impl->server->endpoint()},
                     {"events", impl->publisher->endpoint()},
                     {"server_public_key", impl->server_key.public_z85},
                     {"profile", profile},
                     {"http", impl->http ? (impl->http->tls() ? "https://" : "http://") + impl->http->endpoint() : ""},
                     {"records", impl->engine->ledger().durable_head().next_seq},
                     {"io_threads", IoThreads(options.io_threads)},
                     {"dev", options.dev}});
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::~Daemon() { Shutdown(); }

void Daemon::Shutdown() {
  Impl& d = *impl_;
  if (d.shut_down) return;
  d.shut_down = true;
  d.log->Info("draining: no new requests; finishing those in flight");
  d.server->Stop();
  if (d.http) d.http->Stop();  // its calls in flight finish first
  {
    std::lock_guard<std::mutex> lock(d.in_mu);
    d.draining = true;
  }
  d.in_ready.notify_all();
  d.sequencer.join();
  for (std::thread& t : d.finishers) t.join();
  d.housekeeping_stop = true;  // records the last refusals, then stops
  d.tick.notify_all();
  d.housekeeping_thread.join();
  d.SignCheckpoint("shutdown");  // the publisher's last pass sends it
  d.stopping = true;
  d.publisher_thread.join();
  const ledger::Head head = d.engine->ledger().durable_head();
  d.http.reset();
  d.server.reset();     // the replies queued so far are flushed on close
  d.publisher.reset();
  d.context.reset();
  d.engine.reset();     // the committer drains, then the ledger closes
  d.log->Info("stopped", {{"records", head.next_seq}, {"head", crypto::ToHex(head.last_leaf)},
                          {"expired_in_queue", d.expired.load()}});
}

}  // namespace cairn::tools
