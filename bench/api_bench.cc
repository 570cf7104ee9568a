// api_bench: audited GetSecretValue over CURVE against a real cairnd, beside
// baselines measured in the same run, and the events' PUB fan-out.
//
//   api_bench [--seconds=3] [--rounds=3] [--warmup=0.2] [--threads=1,16,64]
//             [--cairnd=<dir of this binary>/../tools/cairnd] [--workers=2]
//             [--value-bytes=128] [--record-bytes=300] [--dir=/tmp]
//             [--idle-spinners=N] [--sides=audited,engine,raw,echo,pub]
//             [--pub-subscribers=1,8] [--pub-records=200000] [--pub-window=25000]
//             [--pub-batch=1,64] [--connections=N] [--lean-threads=1]
//             [--cairnd-arg=ARG ...]
//
// Per row (C concurrent clients), in rotating slices (--rounds of each side,
// --seconds in total per side) so that every side sees the same disk and load:
//   audited:  a `cairnd --dev` child process (--workers), one secret; C
//             threads, each with its own tools::Remote (own CURVE connection),
//             calling GetSecretValue in a closed loop (--connections=N: the
//             C threads share N connections, thread t on t % N, as an
//             application's threads share one client). Every call appends a
//             SecretValueRead event durably (group commit, fsync) before the
//             value leaves.
//   lean:     the same audited reads from C clients, each its own CURVE
//             connection, driven by --lean-threads loop threads with zmq_poll
//             (bench/internal/lean_clients.h: a wrk-like load generator, one
//             call in flight per client): cairnd's rate when the load
//             generator, not the client library, shares the cores.
//   engine:   the same GetSecretValue on an in-process service::Engine (own
//             fresh ledger in --dir), C threads, no bus: the service and ledger
//             share of an audited read.
//   raw:      plain RocksDB, fresh DB in --dir: C threads each writing
//             one-record WriteBatches (--record-bytes) with sync=true; RocksDB's
//             write-thread group commit merges them.
//   echo:     an in-process bus::ApiServer (CURVE, ZAP via a KeyLookup) whose
//             handler replies at once from its I/O thread with a copy of a real
//             GetSecretValue reply; C threads, each with its own bus::Client,
//             sending the GetSecretValue request frame: the transport alone.
// CPU columns: microseconds of CPU per operation, for this process (clients,
// and the in-process server/engine/RocksDB; the idle spinners excluded) and
// for cairnd (audited only), over the slices including warm-up. "others' load":
// cores used by every other process on the machine during the row (other
// engineers' builds); "idle during audited": cores the SCHED_IDLE spinners got
// during the audited slices, i.e. CPU nobody wanted (0 without spinners).
// With --cairnd-arg=--log-level --cairnd-arg=debug, each row also prints the
// percentiles of cairnd's own Engine::Execute time per read (from its log).
// Then the PUB fan-out: bus::Publisher (CURVE) to each of --pub-subscribers
// raw SUB sockets, --pub-records records read back from cairnd's ledger,
// unpaced and paced (at most --pub-window records ahead of the slowest
// subscriber; keep it under send_hwm / 2 messages, as libzmq credits a pipe's
// writer in steps of half the high-water mark), for each --pub-batch records
// per message (1: Publish, one message per record; more: PublishBatch, one
// "cairn.batch" message); see bench/api_bench_pub.cc. The last column is a
// row's min delivered/s over that of the records/message 1 row above it.
// --sides=pub runs the fan-out alone (under 20 s on 2 cores): cairnd still
// starts, and 1,000 audited reads give it the records to read back.
// --idle-spinners as in bench/ledger_bench.cc, but off by default here: on
// this VM the SCHED_IDLE spinners cost the network paths 25-45% of their rate
// (http_bench at 64 connections, 2026-11-24: 13.4k reads/s, p99 30 ms with 2
// spinners against 17.5k, p99 6.9 ms without), so with them the figures
// measure the spinners; --idle-spinners=2 gives the "idle during" column.
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>

#include "bench/internal/api_bench.h"
#include "bench/internal/audited_side.h"
#include "bench/internal/lean_clients.h"
#include "bus/client.h"
#include "bus/context.h"
#include "bus/server.h"
#include "crypto/random.h"
#include "service/engine.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"
#include "tools/common/wire_convert.h"

namespace cairn::bench {
namespace {

constexpr char kUserAgent[] = "api_bench/0.1";

struct Flags {
  double seconds = 3;
  int rounds = 3;
  double warmup = 0.2;
  std::vector<size_t> threads = {1, 16, 64};
  std::string cairnd;
  int workers = 2;
  size_t value_bytes = 128;
  size_t record_bytes = 300;
  std::string dir = "/tmp";
  int idle_spinners = 0;  // see the front comment
  std::string sides = "audited,lean,engine,raw,echo,pub";
  std::vector<size_t> pub_subscribers = {1, 8};
  uint64_t pub_records = 200000;
  uint64_t pub_window = 25000;
  std::vector<size_t> pub_batch = {1, 64};  // records per message, ascending
  size_t connections = 0;  // audited side: 0 = one per client thread
  size_t lean_threads = 1;  // lean side: loop threads
  std::vector<std::string> cairnd_args;  // --cairnd-arg, repeatable: passed on to cairnd

  bool side(const char* name) const { return ("," + sides + ",").find("," + std::string(name) + ",") != std::string::npos; }
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  f->cairnd = (std::filesystem::absolute(argv[0]).parent_path().parent_path() / "tools" / "cairnd").string();
  const bool known = ParseNamedFlags(argc, argv, "api_bench", [f](const std::string& name, const std::string& value) {
    if (name == "--seconds") f->seconds = std::stod(value);
    else if (name == "--rounds") f->rounds = std::stoi(value);
    else if (name == "--warmup") f->warmup = std::stod(value);
    else if (name == "--threads") f->threads = ParseList(value);
    else if (name == "--cairnd") f->cairnd = value;
    else if (name == "--workers") f->workers = std::stoi(value);
    else if (name == "--value-bytes") f->value_bytes = std::stoul(value);
    else if (name == "--record-bytes") f->record_bytes = std::stoul(value);
    else if (name == "--dir") f->dir = value;
    else if (name == "--idle-spinners") f->idle_spinners = std::stoi(value);
    else if (name == "--sides") f->sides = value;
    else if (name == "--pub-subscribers") f->pub_subscribers = ParseList(value);
    else if (name == "--pub-records") f->pub_records = std::stoull(value);
    else if (name == "--pub-window") f->pub_window = std::stoull(value);
    else if (name == "--pub-batch") f->pub_batch = ParseList(value);
    else if (name == "--connections") f->connections = std::stoul(value);
    else if (name == "--lean-threads") f->lean_threads = std::stoul(value);
    else if (name == "--cairnd-arg") f->cairnd_args.push_back(value);
    else return false;
    return true;
  });
  std::sort(f->pub_batch.begin(), f->pub_batch.end());  // the records/message 1 baseline first
  return known && f->rounds > 0 && f->seconds > 0 && !f->pub_batch.empty() && f->pub_batch[0] > 0;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "api_bench: %s\n", what.c_str());
  std::exit(1);
}

// The service in process: no bus, no daemon; its own ledger.
class EngineSide {
 public:
  EngineSide(const std::string& data_dir, size_t value_bytes) {
    service::InitOptions init;
    init.data_dir = data_dir;
    init.actor = Actor();
    if (Status s = service::Engine::Init(init); !s.ok()) Die("engine init: " + s.ToString());
    service::OpenOptions open;
    open.data_dir = data_dir;
    auto engine = service::Engine::Open(open);
    if (!engine.ok()) Die("engine open: " + engine.status().ToString());
    engine_ = std::move(engine).value();
    service::Response created = engine_->Execute(CreateRequest(value_bytes), Actor());
    if (!created.ok()) Die("engine CreateSecret: " + created.error->message);
  }
  std::string Op(size_t) { return CheckRead(engine_->Execute(request_, Actor())); }

 private:
  static ledger::Actor Actor() {
    return {"user:bench", "LocalUser", "embedded:api_bench", crypto::NewUuidV4(crypto::SystemRandom()), kUserAgent};
  }
  service::Request request_ = GetRequest();
  std::unique_ptr<service::Engine> engine_;
};

// The CURVE request/reply path alone: ApiServer replying at once.
class EchoSide {
 public:
  EchoSide(const bus::ApiRequestMsg& request, const bus::ApiResponseMsg& reply) : reply_(Copy(reply)) {
    request_.operation = request.operation;
    request_.params_json = request.params_json;
    auto server_key = bus::NewCurveKeyPair();
    auto client_key = bus::NewCurveKeyPair();
    if (!server_key.ok() || !client_key.ok()) Die("curve keys");
    server_key_ = std::move(server_key).value();
    client_key_ = std::move(client_key).value();
    const std::string accepted = client_key_.public_z85;
    auto context = bus::BusContext::Create(
        [accepted](std::string_view key, std::string_view, std::string_view) -> std::optional<std::string> {
          if (key == accepted) return std::string("bench-client");
          return std::nullopt;
        });
    if (!context.ok()) Die("bus context: " + context.status().ToString());
    context_ = std::move(context).value();
    bus::ServerOptions options;
    options.endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
    options.server_key = &server_key_;
    auto server = bus::ApiServer::Bind(*context_, options, [this](bus::IncomingRequest in) {
      bus::ApiResponseMsg out = Copy(reply_);
      out.request_id = in.request.request_id;
      server_->Reply(in.reply_to, out);
    });
    if (!server.ok()) Die("echo server: " + server.status().ToString());
    server_ = std::move(server).value();
  }
  ~EchoSide() {
    clients_.clear();
    server_.reset();
  }
  std::string Connect(size_t clients) {
    while (clients_.size() < clients) {
      bus::ClientOptions o;
      o.api_endpoint = server_->endpoint();
      o.server_public_z85 = server_key_.public_z85;
      o.client_key = bus::CurveKeyPair{client_key_.public_z85, client_key_.secret_z85.Clone()};
      o.user_agent = kUserAgent;
      auto client = bus::Client::Connect(std::move(o));
      if (!client.ok()) return client.status().ToString();
      clients_.push_back(std::move(client).value());
      if (std::string e = Op(clients_.size() - 1); !e.empty()) return e;
    }
    return "";
  }
  std::string Op(size_t t) {
    bus::ApiRequestMsg request;
    request.operation = request_.operation;
    request.params_json = request_.params_json;
    auto r = clients_[t]->Call(std::move(request));
    if (!r.ok()) return r.status().ToString();
    if (!r->error_code.empty()) return r->error_code + ": " + r->error_message;
    return r->values.size() == 1 ? "" : "echo reply without a value";
  }

 private:
  static bus::ApiResponseMsg Copy(const bus::ApiResponseMsg& m) {
    bus::ApiResponseMsg c;
    c.request_id = m.request_id;
    c.error_code = m.error_code;
    c.error_message = m.error_message;
    c.body_json = m.body_json;
    for (const bus::WireValue& v : m.values) c.values.push_back({v.index, v.kind, v.bytes.Clone()});
    c.seq = m.seq;
    c.leaf_hash = m.leaf_hash;
    return c;
  }
  bus::ApiRequestMsg request_;
  bus::ApiResponseMsg reply_;
  bus::CurveKeyPair server_key_, client_key_;
  std::unique_ptr<bus::BusContext> context_;
  std::unique_ptr<bus::ApiServer> server_;
  std::vector<std::unique_ptr<bus::Client>> clients_;
};

struct Row {
  Tally audited, lean, engine, raw, echo;
};

// `reads` audited reads on 8 connections: SecretValueRead records for the
// fan-out when the audited side did not run.
void FillWithReads(AuditedSide& audited, size_t reads) {
  constexpr size_t kThreads = 8;
  if (std::string e = audited.Connect(kThreads); !e.empty()) Die("audited clients: " + e);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < reads && errors[t].empty(); i += kThreads) errors[t] = audited.Op(t);
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) Die("reads for the fan-out: " + e);
  }
}

// The last `n` records cairnd stored (the SecretValueRead events of the reads).
std::vector<std::string> LastRecords(AuditedSide& audited, uint32_t n) {
  if (std::string e = audited.Connect(1); !e.empty()) Die("reading: " + e);
  const uint64_t head = audited.last_seq() + 1;
  auto fetched = audited.admin().ReadRecords(head > n ? head - n : 0, n);
  if (!fetched.ok() || fetched->empty()) {
    Die("ReadRecords: " + (fetched.ok() ? std::string("no records") : fetched.status().ToString()));
  }
  std::vector<std::string> records;
  for (auto& r : *fetched) records.push_back(std::move(r.bytes));
  return records;
}

// With --cairnd-arg=--log-level --cairnd-arg=debug, cairnd logs each call's
// Engine::Execute time ("micros"): its percentiles for this row's reads.
void PrintExecuteTimes(const std::string& log) {
  std::vector<double> ms;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"operation\":\"GetSecretValue\"") == std::string::npos) continue;
    size_t at = line.find("\"micros\":");
    if (at != std::string::npos) ms.push_back(std::stod(line.substr(at + 9)) / 1000);
  }
  if (ms.empty()) return;
  std::printf("  cairnd Engine::Execute per read (debug log, n=%zu): p50 %.2f ms, p99 %.2f ms, p999 %.2f ms\n",
              ms.size(), Percentile(ms, 0.5), Percentile(ms, 0.99), Percentile(ms, 0.999));
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  ::signal(SIGPIPE, SIG_IGN);
  IdleSpinners spinners(flags.idle_spinners);
  ScratchDir scratch(flags.dir, "cairn-api-bench");
  const double fdatasync_p50 = FdatasyncP50(flags.dir);

  // cairnd and its one secret.
  std::unique_ptr<CairndProcess> cairnd;
  std::unique_ptr<AuditedSide> audited;
  std::optional<service::Response> sample_read;
  std::unique_ptr<LeanClients> lean;
  if (flags.side("audited") || flags.side("lean") || flags.side("echo") || flags.side("pub")) {
    cairnd = std::make_unique<CairndProcess>(flags.cairnd, scratch.Sub("cairnd"),
                                             std::vector<std::string>{"--workers", std::to_string(flags.workers)});
    cairnd->AddArgs(flags.cairnd_args);
    if (!cairnd->Start()) Die("cairnd did not get ready; its log:\n" + ReadWholeFile(cairnd->log_path()));
    auto profile = tools::ReadProfile(cairnd->profile_path());
    if (!profile.ok()) Die("dev-profile: " + profile.status().ToString());
    auto admin = tools::Remote::Connect(*profile, kUserAgent);
    if (!admin.ok()) Die("connect: " + admin.status().ToString());
    auto created = (*admin)->Execute(CreateRequest(flags.value_bytes));
    if (!created.ok() || !created->ok()) Die("CreateSecret failed");
    auto read = (*admin)->Execute(GetRequest());
    if (!read.ok() || !CheckRead(*read).empty()) Die("GetSecretValue failed");
    sample_read = std::move(read).value();
    audited = std::make_unique<AuditedSide>(std::move(profile).value(), kUserAgent, flags.connections);
    if (flags.side("lean")) {
      auto again = tools::ReadProfile(cairnd->profile_path());
      if (!again.ok()) Die("dev-profile: " + again.status().ToString());
      lean = std::make_unique<LeanClients>(std::move(again).value(), kUserAgent, GetRequest());
    }
  }
  std::unique_ptr<EchoSide> echo;
  if (flags.side("echo")) {
    service::Request get = GetRequest();
    bus::ApiRequestMsg request = tools::RequestToWire(std::move(get));
    bus::ApiResponseMsg reply = tools::ResponseToWire(std::move(*sample_read), crypto::NewUuidV4(crypto::SystemRandom()));
    request.request_id = crypto::NewUuidV4(crypto::SystemRandom());
    request.user_agent = kUserAgent;
    request.deadline_ms = 10000;
    std::printf("GetSecretValue frames: request %zu bytes, reply %zu bytes (echo sends the same)\n",
                bus::EncodeRequest(request).size(), bus::EncodeResponse(reply).size());
    echo = std::make_unique<EchoSide>(request, reply);
  }
  std::unique_ptr<EngineSide> engine;
  if (flags.side("engine")) engine = std::make_unique<EngineSide>(scratch.Sub("engine"), flags.value_bytes);

  std::printf(
      "secret value %zu bytes; raw record %zu bytes; %.2f s measured per side per row in %d "
      "alternating slices (+%.2f s warm-up each); %u hardware threads, %d idle spinners; "
      "fdatasync p50 %.2f ms in %s; cairnd --workers %d%s\n\n",
      flags.value_bytes, flags.record_bytes, flags.seconds, flags.rounds, flags.warmup,
      std::thread::hardware_concurrency(), flags.idle_spinners, fdatasync_p50, flags.dir.c_str(),
      flags.workers, cairnd ? (" (pid " + std::to_string(cairnd->pid()) + ")").c_str() : "");
  // The timed rows; --sides=pub alone skips them.
  const bool timed = flags.side("audited") || flags.side("lean") || flags.side("engine") || flags.side("raw") || flags.side("echo");
  const std::vector<size_t> rows = timed ? flags.threads : std::vector<size_t>{};
  if (timed) std::printf(
      "| C | audited reads/s | p50 ms | p99 ms | p999 ms | errors | cairnd CPU µs/read | client CPU µs/read "
      "| lean reads/s | lean p50 ms | lean p99 ms | lean p999 ms | lean cairnd CPU µs/read | lean client CPU µs/read "
      "| engine reads/s | engine p50 ms | engine CPU µs/read "
      "| raw group writes/s | raw p50 ms | echo round trips/s | echo p50 ms | echo p99 ms | echo CPU µs/rt "
      "| audited / engine | audited / raw group | audited / echo | others' load (cores) | idle during audited (cores) |\n");
  if (timed) std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);

  for (size_t c : rows) {
    Row row;
    std::unique_ptr<RawGroupSide> raw;
    const std::string raw_dir = scratch.Sub("raw-" + std::to_string(c));
    if (flags.side("raw")) raw = std::make_unique<RawGroupSide>(raw_dir, flags.record_bytes);
    if (audited && flags.side("audited")) {
      if (std::string e = audited->Connect(c); !e.empty()) Die("audited clients: " + e);
    }
    if (lean) {
      if (std::string e = lean->Connect(c); !e.empty()) Die("lean clients: " + e);
    }
    if (echo) {
      if (std::string e = echo->Connect(c); !e.empty()) Die("echo clients: " + e);
    }
    const double slice = flags.seconds / flags.rounds;
    auto run = [&](const std::function<std::string(size_t)>& op, Tally* tally, bool daemon) {
      MeterSlice(spinners, cairnd ? cairnd->pid() : -1, daemon, tally,
                 [&] { RunSlice(flags.warmup, slice, c, op, tally); });
    };
    const size_t log_offset = cairnd ? ReadWholeFile(cairnd->log_path()).size() : 0;
    std::vector<std::function<void()>> sides;
    if (audited && flags.side("audited")) sides.push_back([&] { run([&](size_t t) { return audited->Op(t); }, &row.audited, true); });
    if (lean) {
      sides.push_back([&] {
        MeterSlice(spinners, cairnd->pid(), true, &row.lean,
                   [&] { lean->Run(flags.warmup, slice, c, flags.lean_threads, &row.lean); });
      });
    }
    if (engine) sides.push_back([&] { run([&](size_t t) { return engine->Op(t); }, &row.engine, false); });
    if (raw) sides.push_back([&] { run([&](size_t t) { return raw->Op(t); }, &row.raw, false); });
    if (echo) sides.push_back([&] { run([&](size_t t) { return echo->Op(t); }, &row.echo, false); });
    for (int r = 0; r < flags.rounds; ++r) {
      for (size_t i = 0; i < sides.size(); ++i) sides[(r + i) % sides.size()]();  // rotate, against drift
    }
    raw.reset();
    std::filesystem::remove_all(raw_dir);
    const Tally& a = row.audited;
    const Tally& l = row.lean;
    const bool has_l = l.seconds > 0;
    const bool has_a = a.seconds > 0, has_g = row.engine.seconds > 0, has_r = row.raw.seconds > 0,
               has_e = row.echo.seconds > 0;
    double other = 0, wall = 0;
    for (const Tally* t : {&row.audited, &row.lean, &row.engine, &row.raw, &row.echo}) {
      other += t->other_cpu_seconds;
      wall += t->wall_seconds;
    }
    std::printf("| %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f |\n",
                c, Rate(a).c_str(), Fixed(Percentile(a.latency_ms, 0.5), 2, has_a).c_str(),
                Fixed(Percentile(a.latency_ms, 0.99), 2, has_a).c_str(),
                Fixed(Percentile(a.latency_ms, 0.999), 2, has_a).c_str(),
                has_a ? std::to_string(a.errors).c_str() : "-",
                Fixed(a.daemon_cpu_us_per_op(), 0, has_a).c_str(), Fixed(a.cpu_us_per_op(), 0, has_a).c_str(),
                Rate(l).c_str(), Fixed(Percentile(l.latency_ms, 0.5), 2, has_l).c_str(),
                Fixed(Percentile(l.latency_ms, 0.99), 2, has_l).c_str(),
                Fixed(Percentile(l.latency_ms, 0.999), 2, has_l).c_str(),
                Fixed(l.daemon_cpu_us_per_op(), 0, has_l).c_str(), Fixed(l.cpu_us_per_op(), 0, has_l).c_str(),
                Rate(row.engine).c_str(), Fixed(Percentile(row.engine.latency_ms, 0.5), 2, has_g).c_str(),
                Fixed(row.engine.cpu_us_per_op(), 0, has_g).c_str(), Rate(row.raw).c_str(),
                Fixed(Percentile(row.raw.latency_ms, 0.5), 2, has_r).c_str(), Rate(row.echo).c_str(),
                Fixed(Percentile(row.echo.latency_ms, 0.5), 2, has_e).c_str(),
                Fixed(Percentile(row.echo.latency_ms, 0.99), 2, has_e).c_str(),
                Fixed(row.echo.cpu_us_per_op(), 0, has_e).c_str(), Ratio(a, row.engine).c_str(),
                Ratio(a, row.raw).c_str(), Ratio(a, row.echo).c_str(), wall > 0 ? other / wall : 0,
                a.wall_seconds > 0 ? a.idle_cpu_seconds / a.wall_seconds : 0);
    if (cairnd) PrintExecuteTimes(ReadWholeFile(cairnd->log_path()).substr(log_offset));
    for (const Tally* t : {&row.audited, &row.lean, &row.engine, &row.raw, &row.echo}) {
      if (t->errors) std::printf("  errors: %llu, first: %s\n", (unsigned long long)t->errors, t->first_error.c_str());
    }
    std::fflush(stdout);
  }

  if (flags.side("pub") && audited) {
    if (!flags.side("audited")) FillWithReads(*audited, 1000);
    std::vector<std::string> records = LastRecords(*audited, 1000);
    size_t bytes = 0;
    for (const std::string& r : records) bytes += r.size();
    std::printf("\nPUB fan-out: %llu records per row, cycling through %zu records read back from cairnd "
                "(mean %zu bytes), CURVE, send_hwm 100000 messages, SUB rcvhwm 100000 messages; "
                "rates, counts and CPU per record (event)\n\n",
                (unsigned long long)flags.pub_records, records.size(), bytes / records.size());
    std::printf("| subscribers | pacing | records/message | published/s | min delivered/s per subscriber "
                "| max delivered/s | min received | max dropped | all got the end | publisher CPU µs/event "
                "| all CPU µs/delivery | others' load (cores) | min delivered/s vs 1 record/message |\n"
                "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
    for (size_t subs : flags.pub_subscribers) {
      for (uint64_t window : {uint64_t{0}, flags.pub_window}) {
        double baseline = 0;  // min delivered/s at 1 record/message
        for (size_t batch : flags.pub_batch) {
          const double cpu0 = ProcessCpu() - spinners.cpu_seconds(), all0 = ProcessCpu(), busy0 = MachineBusySeconds();
          const double d0 = ProcessCpuSeconds(cairnd->pid());
          const auto wall0 = Clock::now();
          FanoutResult f = RunFanout(records, subs, flags.pub_records, window, batch);
          const double cpu = ProcessCpu() - spinners.cpu_seconds() - cpu0;
          const double others = std::max(0.0, MachineBusySeconds() - busy0 - (ProcessCpu() - all0) -
                                                  (ProcessCpuSeconds(cairnd->pid()) - d0));
          const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
          if (batch == 1) baseline = f.min_delivered_per_s;
          std::printf("| %zu | %s | %zu | %.0f | %.0f | %.0f | %llu | %llu | %s | %.1f | %.1f | %.2f | %s |\n", subs,
                      window ? ("window " + std::to_string(window)).c_str() : "none", batch,
                      flags.pub_records / f.publish_seconds, f.min_delivered_per_s, f.max_delivered_per_s,
                      (unsigned long long)f.min_received, (unsigned long long)f.max_dropped,
                      f.completed ? "yes" : "NO", 1e6 * f.publisher_cpu_seconds / flags.pub_records,
                      f.deliveries ? 1e6 * cpu / f.deliveries : 0, wall > 0 ? others / wall : 0,
                      batch > 1 && baseline > 0 ? (Fixed(f.min_delivered_per_s / baseline, 2) + "x").c_str() : "-");
          std::fflush(stdout);
        }
        if (flags.pub_window == 0) break;
      }
    }
  }
  echo.reset();
  lean.reset();
  engine.reset();
  audited.reset();
  if (cairnd) {
    const int code = cairnd->Terminate();
    if (code != 0) std::printf("\ncairnd exited with %d; log in %s\n", code, cairnd->log_path().c_str());
  }
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Main(argc, argv); }
