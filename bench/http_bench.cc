// http_bench: audited GetSecretValue through cairnd's HTTP gateway (AWS JSON
// 1.1 + SigV4, keep-alive), driven by wrk replaying one pre-signed request,
// beside the same audited read over ZeroMQ against the same cairnd in the same
// run, and beside the gateway with a trivial handler (no engine, no ledger).
//
//   http_bench [--seconds=6] [--rounds=3] [--warmup=0.2] [--threads=1,16,64]
//              [--wrk=/usr/bin/wrk] [--wrk-threads=2]
//              [--cairnd=<dir of this binary>/../tools/cairnd] [--workers=2]
//              [--value-bytes=128] [--dir=/tmp] [--idle-spinners=N]
//              [--sides=http,zmq,trivial] [--cairnd-arg=ARG ...]
//
// One `cairnd --dev` child process serves both endpoints (ZeroMQ on free
// loopback ports, HTTP on 127.0.0.1:<free port>, plain HTTP). The bench
// creates one secret (--value-bytes) over ZeroMQ, reads the admin's access key
// from <data dir>/dev-aws-credentials and signs one GetSecretValue request
// with gateway::SignRequest (content-type;host;x-amz-date;x-amz-target, as
// botocore does), re-signed before every wrk run so X-Amz-Date stays within
// the 15-minute window. wrk replays it byte for byte; every call is a real
// SigV4 verification, an audited SecretValueRead appended durably (group
// commit, fsync) and the value sent back.
//
// Per row (C concurrent connections/clients), in rotating slices (--rounds of
// each side, --seconds in total per side; wrk slices are whole seconds):
//   http:    wrk -c C -t min(--wrk-threads, C) against cairnd's gateway.
//   zmq:     C threads, each with its own tools::Remote (own CURVE
//            connection), GetSecretValue in a closed loop (api_bench's audited
//            side, bench/internal/audited_side.h), --warmup before each slice.
//   trivial: wrk against an in-process gateway::HttpGateway (same SigV4 check
//            with the same key, same JSON rendering) whose handler returns a
//            copy of a real GetSecretValue answer at once: HTTP + SigV4 + JSON
//            without the service.
// CPU columns: µs of CPU per request. cairnd's from /proc/<pid>/stat; "load
// generator" is wrk (reaped child) for HTTP, this process for ZeroMQ, and
// wrk + this process (the in-process gateway) for trivial. "others' load":
// cores every other process used during the row (other engineers' builds).
//
// After each row the bench reads the row's ledger range back over ZeroMQ
// (ReadRecords) and counts the SecretValueRead events signed with the HTTP key
// and those from the ZeroMQ clients' user agent: HTTP events must be wrk's
// completed requests plus at most C per wrk run (requests in flight when wrk
// stops are still served and audited, but not counted by wrk); ZeroMQ events
// must equal the successful calls. wrk's non-2xx and socket errors must be 0.
// It also prints the machine's TcpExt ListenOverflows during each side's wrk
// runs: handshakes dropped by a full accept queue, behind multi-second tails.
// --idle-spinners as in bench/ledger_bench.cc, but off by default here: on
// this VM the SCHED_IDLE spinners cost the network paths 25-45% of their rate
// (http_bench at 64 connections, 2026-11-24: 13.4k reads/s, p99 30 ms with 2
// spinners against 17.5k, p99 6.9 ms without), so with them the figures
// measure the spinners; --idle-spinners=2 gives the "idle during" column.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>

#include "bench/internal/api_bench.h"
#include "bench/internal/audited_side.h"
#include "bench/internal/wrk_runner.h"
#include "crypto/random.h"
#include "gateway/http_gateway.h"
#include "gateway/sigv4.h"
#include "ledger/record.h"
#include "tools/common/dev_credentials.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"

namespace cairn::bench {
namespace {

constexpr char kUserAgent[] = "http_bench/0.1";           // the ZeroMQ clients
constexpr char kAdminUserAgent[] = "http_bench-admin/0.1";  // setup and the ledger check

struct Flags {
  double seconds = 6;
  int rounds = 3;
  double warmup = 0.2;
  std::vector<size_t> threads = {1, 16, 64};
  std::string wrk = "/usr/bin/wrk";
  size_t wrk_threads = 2;
  std::string cairnd;
  int workers = 2;
  size_t value_bytes = 128;
  std::string dir = "/tmp";
  int idle_spinners = 0;  // see the front comment
  std::string sides = "http,zmq,trivial";
  std::vector<std::string> cairnd_args;

  bool side(const char* name) const { return ("," + sides + ",").find("," + std::string(name) + ",") != std::string::npos; }
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  f->cairnd = (std::filesystem::absolute(argv[0]).parent_path().parent_path() / "tools" / "cairnd").string();
  const bool known = ParseNamedFlags(argc, argv, "http_bench", [f](const std::string& name, const std::string& value) {
    if (name == "--seconds") f->seconds = std::stod(value);
    else if (name == "--rounds") f->rounds = std::stoi(value);
    else if (name == "--warmup") f->warmup = std::stod(value);
    else if (name == "--threads") f->threads = ParseList(value);
    else if (name == "--wrk") f->wrk = value;
    else if (name == "--wrk-threads") f->wrk_threads = std::stoul(value);
    else if (name == "--cairnd") f->cairnd = value;
    else if (name == "--workers") f->workers = std::stoi(value);
    else if (name == "--value-bytes") f->value_bytes = std::stoul(value);
    else if (name == "--dir") f->dir = value;
    else if (name == "--idle-spinners") f->idle_spinners = std::stoi(value);
    else if (name == "--sides") f->sides = value;
    else if (name == "--cairnd-arg") f->cairnd_args.push_back(value);
    else return false;
    return true;
  });
  return known && f->rounds > 0 && f->seconds >= f->rounds;
}

CairndProcess* g_cairnd = nullptr;  // stopped by Die: std::exit runs no destructors

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "http_bench: %s\n", what.c_str());
  if (g_cairnd != nullptr) g_cairnd->Terminate();
  std::exit(1);
}

using AwsCredentials = tools::DevAwsCredentials;

// The [default] profile cairnd --dev writes to <data dir>/dev-aws-credentials.
AwsCredentials ReadCredentials(const std::string& data_dir) {
  auto c = tools::ReadDevAwsCredentials(data_dir);
  if (!c.ok()) Die(c.status().ToString());
  return std::move(c).value();
}

// GetSecretValue of kSecretName for `host` ("127.0.0.1:port"), signed now.
WrkRequest SignedGetRequest(const AwsCredentials& c, const std::string& host) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char amz_date[32];
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
  WrkRequest r;
  r.body = std::string(R"({"SecretId":")") + kSecretName + "\"}";
  // wrk adds "Host" unless the script sets it under exactly that name.
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
               {"Host", host},
               {"X-Amz-Date", amz_date},
               {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  gateway::HttpRequestView view{"POST", "/", "", r.headers, r.body};
  gateway::CredentialScope scope{c.access_key_id, std::string(amz_date, 8), c.region, "secretsmanager"};
  const std::string authorization =
      gateway::SignRequest(view, {"content-type", "host", "x-amz-date", "x-amz-target"}, scope, amz_date,
                           crypto::AsBytes(c.secret_access_key));
  if (authorization.empty()) Die("SignRequest refused the request");
  r.headers.emplace_back("Authorization", authorization);
  return r;
}

// The gateway with a handler that answers at once: HTTP + SigV4 + JSON alone.
class TrivialGateway {
 public:
  TrivialGateway(const AwsCredentials& c, service::Response sample) : sample_(std::move(sample)) {
    gateway::GatewayOptions options;
    options.endpoint = "127.0.0.1:0";
    options.region = c.region;
    auto secret = std::make_shared<const crypto::SecureBuffer>(crypto::SecureBuffer::FromString(c.secret_access_key));
    const std::string key_id = c.access_key_id;
    auto lookup = [key_id, secret](std::string_view id) -> std::optional<gateway::AccessKeyGrant> {
      if (id != key_id) return std::nullopt;
      return gateway::AccessKeyGrant{"admin", secret};
    };
    auto handler = [this](gateway::GatewayCall&) {
      service::Response out;
      out.body = sample_.body;
      for (const auto& v : sample_.values) out.values.push_back({v.index, {v.value.kind, v.value.bytes.Clone()}});
      out.seq = sample_.seq;
      out.leaf_hash = sample_.leaf_hash;
      return out;
    };
    auto gateway = gateway::HttpGateway::Start(options, lookup, handler);
    if (!gateway.ok()) Die("trivial gateway: " + gateway.status().ToString());
    gateway_ = std::move(gateway).value();
  }
  std::string endpoint() const { return gateway_->endpoint(); }

 private:
  service::Response sample_;
  std::unique_ptr<gateway::HttpGateway> gateway_;
};

// One wrk-driven side: its runs and their totals.
struct WrkSide {
  Tally tally;  // ops = 2xx, errors = non-2xx + socket errors, all_ops = completed, seconds = wrk's
  MergedLatency latency;
  uint64_t requests = 0, non_2xx = 0, socket_errors = 0;
  uint64_t listen_overflows = 0;  // machine-wide, during this side's wrk runs
  int runs = 0;

  void Run(const Flags& flags, const std::string& endpoint, const WrkRequest& request, size_t c, int seconds,
           const std::string& script) {
    const uint64_t overflows = ListenOverflows();
    Add(RunWrk(flags.wrk, "http://" + endpoint + "/", request, c, flags.wrk_threads, seconds, script));
    listen_overflows += ListenOverflows() - overflows;
  }

  void Add(const WrkRun& run) {
    if (!run.failure.empty()) Die(run.failure);
    requests += run.requests;
    non_2xx += run.non_2xx;
    socket_errors += run.socket_errors;
    tally.ops += run.requests - run.non_2xx;
    tally.all_ops += run.requests;
    tally.errors += run.non_2xx + run.socket_errors;
    tally.seconds += run.seconds;
    latency.Add(run);
    ++runs;
  }
  std::string P(double q) const { return Fixed(latency.Percentile(q), 2, !latency.empty()); }
};

struct LedgerCount {
  uint64_t http_reads = 0;   // SecretValueRead signed with the HTTP key
  uint64_t zmq_reads = 0;    // SecretValueRead from the ZeroMQ clients
  uint64_t other = 0;        // anything else (the admin's reads, ReadRecords, checkpoints)
};

// Counts the events in [from, to) by reading them back over ZeroMQ.
LedgerCount CountEvents(tools::Remote& admin, uint64_t from, uint64_t to, const std::string& http_key) {
  LedgerCount count;
  while (from < to) {
    auto page = admin.ReadRecords(from, static_cast<uint32_t>(std::min<uint64_t>(1000, to - from)));
    if (!page.ok() || page->empty()) Die("ReadRecords: " + (page.ok() ? std::string("empty page") : page.status().ToString()));
    for (const bus::StoredRecord& r : *page) {
      if (r.seq >= to) break;
      auto fields = ledger::DecodeRecord(r.bytes);
      if (!fields.ok()) Die("record " + std::to_string(r.seq) + ": " + fields.status().ToString());
      const bool read = fields->event_type == "SecretValueRead";
      if (read && fields->actor.access_key_id == http_key) ++count.http_reads;
      else if (read && fields->actor.user_agent == kUserAgent) ++count.zmq_reads;
      else ++count.other;
      from = r.seq + 1;
    }
  }
  return count;
}

// The seq the next event will get: one audited read by the admin, plus one.
uint64_t NextSeq(tools::Remote& admin) {
  auto r = admin.Execute(GetRequest());
  if (!r.ok() || !CheckRead(*r).empty()) Die("admin GetSecretValue failed");
  return r->seq + 1;
}

// With --cairnd-arg=--log-level --cairnd-arg=debug: percentiles of cairnd's
// per-call time for log lines {"msg":"<msg>"} (gateway: Engine::Execute;
// ZeroMQ: queue arrival to Finish).
void PrintCallTimes(const std::string& log, const std::string& msg, const char* label) {
  std::vector<double> ms;
  std::istringstream lines(log);
  const std::string tag = "\"msg\":\"" + msg + "\"";
  for (std::string line; std::getline(lines, line);) {
    if (line.find(tag) == std::string::npos || line.find("\"GetSecretValue\"") == std::string::npos) continue;
    size_t at = line.find("\"micros\":");
    if (at != std::string::npos) ms.push_back(std::stod(line.substr(at + 9)) / 1000);
  }
  if (ms.empty()) return;
  std::printf("  cairnd %s (debug log, n=%zu): p50 %.2f ms, p99 %.2f ms, p999 %.2f ms\n", label, ms.size(),
              Percentile(ms, 0.5), Percentile(ms, 0.99), Percentile(ms, 0.999));
}

std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return buf;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  ::signal(SIGPIPE, SIG_IGN);
  std::printf("load average at start: %s\n", LoadAverage().c_str());
  IdleSpinners spinners(flags.idle_spinners);
  ScratchDir scratch(flags.dir, "cairn-http-bench");
  const double fdatasync_p50 = FdatasyncP50(flags.dir);

  CairndProcess cairnd(flags.cairnd, scratch.Sub("cairnd"), {"--workers", std::to_string(flags.workers)});
  const std::string http_host = "127.0.0.1:" + std::to_string(FreePort());
  cairnd.AddArgs({"--http-endpoint", http_host});
  cairnd.AddArgs(flags.cairnd_args);
  g_cairnd = &cairnd;
  if (!cairnd.Start()) Die("cairnd did not get ready; its log:\n" + ReadWholeFile(cairnd.log_path()));
  auto profile = tools::ReadProfile(cairnd.profile_path());
  if (!profile.ok()) Die("dev-profile: " + profile.status().ToString());
  auto admin = tools::Remote::Connect(*profile, kAdminUserAgent);
  if (!admin.ok()) Die("connect: " + admin.status().ToString());
  auto created = (*admin)->Execute(CreateRequest(flags.value_bytes));
  if (!created.ok() || !created->ok()) Die("CreateSecret failed");
  auto sample = (*admin)->Execute(GetRequest());
  if (!sample.ok() || !CheckRead(*sample).empty()) Die("GetSecretValue failed");
  const AwsCredentials credentials = ReadCredentials(scratch.Sub("cairnd"));
  AuditedSide zmq(std::move(profile).value(), kUserAgent);
  std::unique_ptr<TrivialGateway> trivial;
  if (flags.side("trivial")) trivial = std::make_unique<TrivialGateway>(credentials, std::move(sample).value());

  std::printf(
      "secret value %zu bytes; %.2f s measured per side per row in %d alternating slices (ZeroMQ +%.2f s "
      "warm-up each); %u hardware threads, %d idle spinners; fdatasync p50 %.2f ms in %s; cairnd (pid %d) "
      "--workers %d, HTTP on %s; wrk %s -t min(%zu, C)\n\n",
      flags.value_bytes, flags.seconds, flags.rounds, flags.warmup, std::thread::hardware_concurrency(),
      flags.idle_spinners, fdatasync_p50, flags.dir.c_str(), cairnd.pid(), flags.workers, http_host.c_str(),
      flags.wrk.c_str(), flags.wrk_threads);
  std::printf(
      "| C | HTTP reads/s | p50 ms | p99 ms | p999 ms | non-2xx | socket errors | cairnd CPU µs/read | wrk CPU µs/read "
      "| ZeroMQ reads/s | p50 ms | p99 ms | p999 ms | errors | cairnd CPU µs/read | client CPU µs/read "
      "| HTTP / ZeroMQ | trivial handler req/s | p50 ms | p99 ms | CPU µs/req (wrk + gateway) | HTTP / trivial "
      "| others' load (cores) | load average before → after |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  std::fflush(stdout);

  const int wrk_seconds = std::max(1, static_cast<int>(flags.seconds / flags.rounds + 0.5));
  const double zmq_slice = flags.seconds / flags.rounds;
  const std::string script = scratch.Sub("get.lua");
  for (size_t c : flags.threads) {
    const std::string load_before = LoadAverage();
    if (flags.side("zmq")) {
      if (std::string e = zmq.Connect(c); !e.empty()) Die("ZeroMQ clients: " + e);
    }
    const uint64_t first_seq = NextSeq(**admin);
    const size_t log_offset = ReadWholeFile(cairnd.log_path()).size();
    WrkSide http, echo;
    Tally z;
    std::vector<std::function<void()>> sides;
    if (flags.side("http")) {
      sides.push_back([&] {
        const WrkRequest request = SignedGetRequest(credentials, http_host);
        MeterSlice(spinners, cairnd.pid(), true, &http.tally, [&] {
          http.Run(flags, http_host, request, c, wrk_seconds, script);
        });
      });
    }
    if (flags.side("zmq")) {
      sides.push_back([&] {
        MeterSlice(spinners, cairnd.pid(), true, &z,
                   [&] { RunSlice(flags.warmup, zmq_slice, c, [&](size_t t) { return zmq.Op(t); }, &z); });
      });
    }
    if (trivial) {
      sides.push_back([&] {
        const WrkRequest request = SignedGetRequest(credentials, trivial->endpoint());
        MeterSlice(spinners, cairnd.pid(), false, &echo.tally, [&] {
          echo.Run(flags, trivial->endpoint(), request, c, wrk_seconds, script);
        });
      });
    }
    for (int r = 0; r < flags.rounds; ++r) {
      for (size_t i = 0; i < sides.size(); ++i) sides[(r + i) % sides.size()]();  // rotate, against drift
    }
    const uint64_t end_seq = NextSeq(**admin) - 1;  // the admin's own read is not in the range
    const std::string load_after = LoadAverage();

    const Tally& h = http.tally;
    const bool has_h = h.seconds > 0, has_z = z.seconds > 0, has_e = echo.tally.seconds > 0;
    double other = 0, wall = 0;
    for (const Tally* t : {&http.tally, &z, &echo.tally}) {
      other += t->other_cpu_seconds;
      wall += t->wall_seconds;
    }
    std::printf(
        "| %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
        "| %.2f | %s → %s |\n",
        c, Rate(h).c_str(), http.P(0.5).c_str(), http.P(0.99).c_str(), http.P(0.999).c_str(),
        has_h ? std::to_string(http.non_2xx).c_str() : "-", has_h ? std::to_string(http.socket_errors).c_str() : "-",
        Fixed(h.daemon_cpu_us_per_op(), 0, has_h).c_str(), Fixed(h.cpu_us_per_op(), 0, has_h).c_str(),
        Rate(z).c_str(), Fixed(Percentile(z.latency_ms, 0.5), 2, has_z).c_str(),
        Fixed(Percentile(z.latency_ms, 0.99), 2, has_z).c_str(), Fixed(Percentile(z.latency_ms, 0.999), 2, has_z).c_str(),
        has_z ? std::to_string(z.errors).c_str() : "-", Fixed(z.daemon_cpu_us_per_op(), 0, has_z).c_str(),
        Fixed(z.cpu_us_per_op(), 0, has_z).c_str(), Ratio(h, z).c_str(), Rate(echo.tally).c_str(),
        echo.P(0.5).c_str(), echo.P(0.99).c_str(), Fixed(echo.tally.cpu_us_per_op(), 0, has_e).c_str(),
        Ratio(h, echo.tally).c_str(), wall > 0 ? other / wall : 0, load_before.c_str(), load_after.c_str());

    // Every successful read must be one audited event, and nothing else may hide in the figures.
    const LedgerCount n = CountEvents(**admin, first_seq, end_seq, credentials.access_key_id);
    const uint64_t in_flight_bound = c * http.runs;
    const bool http_ok = n.http_reads >= http.requests && n.http_reads - http.requests <= in_flight_bound &&
                         http.non_2xx == 0 && http.socket_errors == 0;
    const bool zmq_ok = n.zmq_reads == z.all_ops && z.errors == 0;
    std::printf(
        "  ledger seq [%llu, %llu): HTTP-key SecretValueRead %llu vs wrk completed %llu (+%lld in flight at wrk's "
        "stops, bound %llu; non-2xx %llu, socket errors %llu): %s; ZeroMQ SecretValueRead %llu vs successful "
        "calls %llu (errors %llu): %s; other events %llu\n",
        (unsigned long long)first_seq, (unsigned long long)end_seq, (unsigned long long)n.http_reads,
        (unsigned long long)http.requests, (long long)(n.http_reads - http.requests),
        (unsigned long long)in_flight_bound, (unsigned long long)http.non_2xx,
        (unsigned long long)http.socket_errors, http_ok ? "ok" : "MISMATCH", (unsigned long long)n.zmq_reads,
        (unsigned long long)z.all_ops, (unsigned long long)z.errors, zmq_ok ? "ok" : "MISMATCH",
        (unsigned long long)n.other);
    std::printf("  accept-queue overflows (TcpExt ListenOverflows, machine-wide) during wrk runs: HTTP %llu, "
                "trivial %llu\n",
                (unsigned long long)http.listen_overflows, (unsigned long long)echo.listen_overflows);
    if (z.errors) std::printf("  ZeroMQ first error: %s\n", z.first_error.c_str());
    const std::string log = ReadWholeFile(cairnd.log_path()).substr(log_offset);
    PrintCallTimes(log, "http call", "gateway handler (Engine::Execute) per HTTP read");
    PrintCallTimes(log, "call", "queue-to-reply per ZeroMQ read");
    std::fflush(stdout);
  }
  trivial.reset();
  admin->reset();
  std::printf("load average at end: %s\n", LoadAverage().c_str());
  g_cairnd = nullptr;
  if (const int code = cairnd.Terminate(); code != 0) {
    std::printf("cairnd exited with %d; log in %s\n", code, cairnd.log_path().c_str());
  }
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Main(argc, argv); }
