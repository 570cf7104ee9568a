// rotation_bench: rotations per minute through one rotation handler, and
// GetSecretValue latency while a thousand secrets rotate at once, against a
// real cairnd, each beside a baseline measured in the same run.
//
//   rotation_bench [--secrets=200] [--storm=1000] [--threads=1,8]
//                  [--quiet-seconds=6] [--baseline-seconds=4] [--rounds=3] [--starters=4]
//                  [--backoff-ms=100] [--timeout=300] [--parts=throughput,storm]
//                  [--cairnd=<dir of this binary>/../tools/cairnd] [--workers=4]
//                  [--dir=/tmp] [--idle-spinners=N] [--cairnd-arg=ARG ...]
//
// One `cairnd --dev` child process (--workers, --rotation-backoff-ms
// --backoff-ms) and, in this process, ONE rotation handler on the SDK
// (tools/common/rotation_handler.h, as cairn-rotate-exec uses it) named
// "bench-rotator", with the dev admin's profile. Its steps are generic:
// createSecret = GetRandomPassword + PutSecretValue(AWSPENDING, the run's token
// as ClientRequestToken); setSecret and testSecret touch nothing; finishSecret
// reports success, and the service moves AWSCURRENT (RotationSucceeded). A
// warm-up rotates one secret twice first (the handler following the events).
//
// Part 1, throughput: --secrets secrets; RotateSecret on all of them at once
// (--starters connections), --rounds times (a row each, and one for all).
// Elapsed runs from the first RotateSecret sent to the last
// RotationSucceeded (its ledger time); rotations/min = rotations done /
// elapsed. The bench polls ListRotations(bench-rotator) every 250 ms until
// none is in progress, then reads the run's ledger range back: every call is
// one event, so the handler's calls (by its user agent), the orchestrator's
// events (actor type Service) and the failures are counted, not assumed.
// Baseline: one connection making a rotation's handler calls back to back in
// a closed loop against the same cairnd: GetRandomPassword,
// PutSecretValue(AWSPENDING, fresh token) on secrets of its own (round
// robin), and 4 ReportRotationStep that are refused (no run:
// InvalidRequestException, still one durable OperationFailed event each);
// --baseline-seconds in all, in --rounds + 1 slices: before, between and
// after the rotation runs. "baseline rotations/min" is how many rotations'
// worth of those calls one client gets through in a minute.
//
// Part 2, storm: --storm secrets plus one the application reads. Per C in
// --threads: C threads (each its own connection) call GetSecretValue on the
// application's secret in a closed loop; quiet (nothing else running, half of
// --quiet-seconds before the storm and half after), then during a storm:
// RotateSecret on all --storm secrets at once, the reads that complete
// between the first RotateSecret and the last RotationSucceeded. Added
// latency = storm - quiet, ratio = storm / quiet. Each C rotates the same
// secrets again (new runs, new tokens).
//
// Columns: "others' load": cores every other process used meanwhile (other
// engineers' builds), from /proc/stat. cairnd's CPU from /proc/<pid>/stat;
// the bench's (the handler, its events follower and the starters; the idle
// spinners excluded) from the process clock. Load averages from
// getloadavg(). --idle-spinners as in bench/ledger_bench.cc (default one per
// hardware thread). Timings are printed, never asserted; the bench exits 1
// only if something is wrong (a call fails, a rotation does not finish
// within --timeout seconds, AWSCURRENT did not move).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/internal/api_bench.h"
#include "bench/internal/audited_side.h"
#include "bench/internal/read_sampler.h"
#include "bench/internal/rotation_side.h"
#include "crypto/random.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"

namespace cairn::bench {
namespace {

constexpr char kAppAgent[] = "rotation_bench-app/0.1";      // the application's readers
constexpr char kAdminAgent[] = "rotation_bench-admin/0.1";  // setup, starters, polls, read-back
constexpr char kBaselineAgent[] = "rotation_bench-baseline/0.1";

struct Flags {
  size_t secrets = 200;
  size_t storm = 1000;
  std::vector<size_t> threads = {1, 8};
  double quiet_seconds = 6;
  double baseline_seconds = 4;
  int rounds = 3;
  size_t starters = 4;
  int backoff_ms = 100;
  double timeout = 300;
  std::string parts = "throughput,storm";
  std::string cairnd;
  int workers = 4;
  std::string dir = "/tmp";
  int idle_spinners = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<std::string> cairnd_args;

  bool part(const char* name) const {
    return ("," + parts + ",").find("," + std::string(name) + ",") != std::string::npos;
  }
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  f->cairnd = (std::filesystem::absolute(argv[0]).parent_path().parent_path() / "tools" / "cairnd")
                  .string();
  const bool known = ParseNamedFlags(argc, argv, "rotation_bench",
                                     [f](const std::string& name, const std::string& value) {
                                       if (name == "--secrets")
                                         f->secrets = std::stoul(value);
                                       else if (name == "--storm")
                                         f->storm = std::stoul(value);
                                       else if (name == "--threads")
                                         f->threads = ParseList(value);
                                       else if (name == "--quiet-seconds")
                                         f->quiet_seconds = std::stod(value);
                                       else if (name == "--baseline-seconds")
                                         f->baseline_seconds = std::stod(value);
                                       else if (name == "--rounds")
                                         f->rounds = std::stoi(value);
                                       else if (name == "--starters")
                                         f->starters = std::stoul(value);
                                       else if (name == "--backoff-ms")
                                         f->backoff_ms = std::stoi(value);
                                       else if (name == "--timeout")
                                         f->timeout = std::stod(value);
                                       else if (name == "--parts")
                                         f->parts = value;
                                       else if (name == "--cairnd")
                                         f->cairnd = value;
                                       else if (name == "--workers")
                                         f->workers = std::stoi(value);
                                       else if (name == "--dir")
                                         f->dir = value;
                                       else if (name == "--idle-spinners")
                                         f->idle_spinners = std::stoi(value);
                                       else if (name == "--cairnd-arg")
                                         f->cairnd_args.push_back(value);
                                       else
                                         return false;
                                       return true;
                                     });
  return known && f->secrets > 0 && f->storm > 0 && f->starters > 0 && f->quiet_seconds > 0 &&
         f->baseline_seconds > 0 && f->rounds > 0;
}

CairndProcess* g_cairnd = nullptr;  // stopped by Die: std::exit runs no destructors

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "rotation_bench: %s\n", what.c_str());
  if (g_cairnd != nullptr) {
    std::fprintf(stderr, "cairnd's log: %s\n", g_cairnd->log_path().c_str());
    g_cairnd->Terminate();
  }
  std::exit(1);
}

std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return buf;
}

// A copy of `p` (a Profile holds a SecureBuffer and does not copy itself).
tools::Profile Copy(const tools::Profile& p) {
  return {p.principal,
          p.api_endpoint,
          p.events_endpoint,
          p.server_public_key,
          bus::CurveKeyPair{p.key.public_z85, p.key.secret_z85.Clone()},
          p.checkpoint_key};
}

// What the runs share: cairnd, the admin's connection, the starters' pool.
struct Rig {
  const Flags& flags;
  CairndProcess& cairnd;
  IdleSpinners& spinners;
  tools::Profile profile;
  std::unique_ptr<tools::Remote> admin;
  CallPool pool;
};

service::Request CreateNamed(const std::string& name) {
  service::Request r;
  r.operation = "CreateSecret";
  r.params = {{"Name", name}, {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())}};
  r.value = service::SecretValue{projections::ValueKind::kString,
                                 crypto::SecureBuffer::FromString("rotation_bench initial value")};
  return r;
}

std::vector<std::string> CreateSecrets(Rig& rig, const std::string& prefix, size_t count) {
  std::vector<std::string> names(count);
  for (size_t i = 0; i < count; ++i) {
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "%05zu", i);
    names[i] = prefix + suffix;
  }
  if (std::string e = rig.pool.Each(count, [&](size_t i) { return CreateNamed(names[i]); });
      !e.empty()) {
    Die("CreateSecret: " + e);
  }
  return names;
}

// ListRotations(bench-rotator) by the admin: the call's seq; runs in progress and failed.
uint64_t ListRotations(Rig& rig, size_t* in_progress, size_t* failed) {
  service::Request r;
  r.operation = "ListRotations";
  r.params = {{"Handler", kHandlerName}};
  auto response = rig.admin->Execute(r);
  if (std::string e = CallError(response); !e.empty()) Die("ListRotations: " + e);
  *in_progress = *failed = 0;
  for (const service::Json& entry : response->body.value("Rotations", service::Json::array())) {
    ++(entry.value("State", "") == "Failed" ? *failed : *in_progress);
  }
  return response->seq;
}

struct RunResult {
  LedgerSummary ledger;
  double start_unix_ms = 0, end_unix_ms = 0;  // first RotateSecret sent; last RotationSucceeded
  double issue_seconds = 0;                   // sending every RotateSecret
  double elapsed_seconds = 0, first_done_seconds = 0;
  Tally meter;  // CPU and others' load over the run
  std::string load_before, load_after;

  double per_minute() const {
    return elapsed_seconds > 0 ? 60 * ledger.succeeded / elapsed_seconds : 0;
  }
  double per_rotation(uint64_t n) const {
    return ledger.succeeded ? double(n) / ledger.succeeded : 0;
  }
};

// RotateSecret on every name at once; waits until none is in progress
// (`when_done` runs then, before the ledger is read back); checks that the
// first secret's AWSCURRENT is its run's token.
RunResult RotateAll(Rig& rig, const std::vector<std::string>& names,
                    const std::function<void()>& when_done = nullptr) {
  RunResult run;
  run.load_before = LoadAverage();
  size_t in_progress = 0, failed = 0;
  const uint64_t before = ListRotations(rig, &in_progress, &failed);
  if (in_progress != 0) Die(std::to_string(in_progress) + " rotations in progress before a run");
  std::vector<std::string> tokens(names.size());
  uint64_t after = 0;
  MeterSlice(rig.spinners, rig.cairnd.pid(), true, &run.meter, [&] {
    run.start_unix_ms = UnixMsNow();
    const std::string e = rig.pool.Each(
        names.size(), [&](size_t i) { return RotateRequest(names[i]); },
        [&](size_t i, const service::Response& r) { tokens[i] = r.body.value("VersionId", ""); });
    if (!e.empty()) Die("RotateSecret: " + e);
    run.issue_seconds = (UnixMsNow() - run.start_unix_ms) / 1000;
    const auto deadline = Clock::now() + Secs(rig.flags.timeout);
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      after = ListRotations(rig, &in_progress, &failed);
      if (Clock::now() > deadline)
        Die(std::to_string(in_progress) + " rotations still in progress after --timeout");
    } while (in_progress > 0);
  });
  run.load_after = LoadAverage();
  if (when_done) when_done();
  auto summary = SummarizeLedger(*rig.admin, before + 1, after, kAppAgent);
  if (!summary.ok()) Die("reading the run back: " + summary.status().ToString());
  run.ledger = std::move(summary).value();
  if (run.ledger.succeeded == 0) Die("no rotation succeeded");
  run.end_unix_ms = static_cast<double>(run.ledger.last_succeeded_ms);
  run.elapsed_seconds = (run.end_unix_ms - run.start_unix_ms) / 1000;
  run.first_done_seconds = (run.ledger.first_succeeded_ms - run.start_unix_ms) / 1000;

  service::Request get;
  get.operation = "GetSecretValue";
  get.params = {{"SecretId", names.front()}};
  auto current = rig.admin->Execute(get);
  if (std::string e = CallError(current); !e.empty()) Die("GetSecretValue after rotation: " + e);
  if (current->body.value("VersionId", "") != tokens.front())
    Die("AWSCURRENT is not the rotation's version");
  return run;
}

// `r` added into `total` (counts, times and CPU summed; loads: first before, last after).
void Accumulate(const RunResult& r, RunResult* total) {
  LedgerSummary& t = total->ledger;
  const LedgerSummary& l = r.ledger;
  for (const auto& [type, n] : l.handler) t.handler[type] += n;
  for (const auto& [type, n] : l.service) t.service[type] += n;
  t.records += l.records;
  t.handler_calls += l.handler_calls;
  t.service_events += l.service_events;
  t.rotate_calls += l.rotate_calls;
  t.other += l.other;
  t.succeeded += l.succeeded;
  t.step_failures += l.step_failures;
  t.runs_failed += l.runs_failed;
  total->issue_seconds += r.issue_seconds;
  total->elapsed_seconds += r.elapsed_seconds;
  total->first_done_seconds += r.first_done_seconds;
  total->meter.cpu_seconds += r.meter.cpu_seconds;
  total->meter.daemon_cpu_seconds += r.meter.daemon_cpu_seconds;
  total->meter.other_cpu_seconds += r.meter.other_cpu_seconds;
  total->meter.wall_seconds += r.meter.wall_seconds;
  if (total->load_before.empty()) total->load_before = r.load_before;
  total->load_after = r.load_after;
}

// One row of part 1; `runs` rotation runs went into `run` (times summed).
void PrintThroughputRow(const std::string& label, size_t secrets, const RunResult& run, int runs,
                        const Baseline& baseline) {
  const LedgerSummary& l = run.ledger;
  const double handler_calls_per_s =
      run.elapsed_seconds > 0 ? l.handler_calls / run.elapsed_seconds : 0;
  const double done = static_cast<double>(std::max<uint64_t>(1, l.succeeded));
  std::printf(
      "| %s | %zu | %llu | %llu | %llu | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | "
      "%.0f | %.0f | %.0f%% "
      "| %.0f%% | %.2f | %.2f | %.2f | %s → %s |\n",
      label.c_str(), secrets, (unsigned long long)l.succeeded, (unsigned long long)l.runs_failed,
      (unsigned long long)l.step_failures, run.elapsed_seconds, run.per_minute(),
      run.first_done_seconds / runs, run.issue_seconds / runs, run.per_rotation(l.handler_calls),
      run.per_rotation(l.handler_calls + l.rotate_calls), run.per_rotation(l.records),
      handler_calls_per_s, baseline.calls_per_second(), baseline.per_minute(),
      baseline.per_minute() > 0 ? 100 * run.per_minute() / baseline.per_minute() : 0,
      baseline.calls_per_second() > 0 ? 100 * handler_calls_per_s / baseline.calls_per_second() : 0,
      1000 * run.meter.daemon_cpu_seconds / done, 1000 * run.meter.cpu_seconds / done,
      run.meter.wall_seconds > 0 ? run.meter.other_cpu_seconds / run.meter.wall_seconds : 0,
      run.load_before.c_str(), run.load_after.c_str());
}

// --rounds rotation runs of --secrets secrets, each between two baseline slices.
void PartThroughput(Rig& rig) {
  const Flags& flags = rig.flags;
  const std::vector<std::string> names = CreateSecrets(rig, "bench/rotation/", flags.secrets);
  // Room for 90 puts each at 500 sequences/s, beyond what one client reaches here.
  const size_t baseline_count = 1 + static_cast<size_t>(flags.baseline_seconds * 500 / 90);
  const std::vector<std::string> baseline_secrets =
      CreateSecrets(rig, "bench/rotation-baseline/", baseline_count);
  auto remote = tools::Remote::Connect(rig.profile, kBaselineAgent);
  if (!remote.ok()) Die("baseline connection: " + remote.status().ToString());
  Baseline baseline;
  Tally baseline_meter;
  auto slice = [&] {
    MeterSlice(rig.spinners, rig.cairnd.pid(), true, &baseline_meter, [&] {
      RunBaseline(**remote, baseline_secrets, flags.baseline_seconds / (flags.rounds + 1),
                  &baseline);
    });
  };
  std::vector<RunResult> runs;
  slice();
  for (int r = 0; r < flags.rounds; ++r) {
    runs.push_back(RotateAll(rig, names));
    slice();
  }
  if (baseline.errors)
    Die("baseline: " + std::to_string(baseline.errors) + " errors, first: " + baseline.first_error);

  std::printf("## Part 1: rotations per minute through one handler\n\n");
  std::printf(
      "| run | secrets | rotations done | runs failed | step failures | elapsed s | rotations/min "
      "| first done s "
      "| RotateSecret sent in s | handler calls/rotation | calls/rotation (+RotateSecret) | ledger "
      "records/rotation "
      "| handler calls/s | baseline calls/s | baseline rotations/min | rotations/min ÷ baseline "
      "| handler calls/s ÷ baseline calls/s | cairnd CPU ms/rotation | bench CPU ms/rotation "
      "| others' load (cores) | load average before → after |\n");
  std::printf(
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|--"
      "-:|---:|---|\n");
  RunResult total;
  for (size_t r = 0; r < runs.size(); ++r) {
    PrintThroughputRow("round " + std::to_string(r + 1), names.size(), runs[r], 1, baseline);
    Accumulate(runs[r], &total);
  }
  PrintThroughputRow("all (means of first done, sent in)", names.size() * runs.size(), total,
                     static_cast<int>(runs.size()), baseline);
  const LedgerSummary& l = total.ledger;
  std::printf("  handler's calls: %s\n", Breakdown(l.handler).c_str());
  std::printf("  orchestrator's events: %s\n", Breakdown(l.service).c_str());
  std::printf(
      "  RotateSecret calls %llu; other records %llu (the bench's ListRotations polls and the "
      "like)\n",
      (unsigned long long)l.rotate_calls, (unsigned long long)l.other);
  std::printf(
      "  baseline: %llu sequences of 6 calls (%llu calls) in %.2f s over %d slices on %zu secrets, "
      "0 errors, "
      "cairnd CPU %.0f µs/call, others' load %.2f cores; AWSCURRENT of %s is its last run's token: "
      "ok\n\n",
      (unsigned long long)baseline.sequences, (unsigned long long)baseline.calls, baseline.seconds,
      flags.rounds + 1, baseline_secrets.size(),
      baseline.calls ? 1e6 * baseline_meter.daemon_cpu_seconds / baseline.calls : 0,
      baseline_meter.wall_seconds > 0
          ? baseline_meter.other_cpu_seconds / baseline_meter.wall_seconds
          : 0,
      names.front().c_str());
  std::fflush(stdout);
}

std::string Cells(const ReadFigures& f) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.0f | %.2f | %.2f | %.2f | %.2f", f.per_second(), f.P(0.5),
                f.P(0.9), f.P(0.99), f.Max());
  return buf;
}

void PartStorm(Rig& rig) {
  const Flags& flags = rig.flags;
  const std::vector<std::string> names = CreateSecrets(rig, "bench/storm/", flags.storm);
  auto created = rig.admin->Execute(CreateRequest(128));  // kSecretName: the application's secret
  if (std::string e = CallError(created); !e.empty())
    Die("CreateSecret of the application's secret: " + e);
  AuditedSide app(Copy(rig.profile), kAppAgent);

  std::printf("## Part 2: GetSecretValue during a rotation storm of %zu secrets\n\n", names.size());
  std::printf(
      "| C | quiet reads/s | p50 ms | p90 ms | p99 ms | max ms | storm reads/s | p50 ms | p90 ms | "
      "p99 ms | max ms "
      "| added p50 ms | added p90 ms | added p99 ms | p50 ratio | p99 ratio | reads/s ratio | read "
      "errors "
      "| storm s | rotations/min | first done s | calls/rotation (+RotateSecret) | others' load "
      "(cores) "
      "| load average before → after |\n");
  std::printf(
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|-"
      "--:|---:|---:|---:|---:|---|\n");
  std::fflush(stdout);
  std::vector<std::string> notes;
  for (size_t c : flags.threads) {
    if (std::string e = app.Connect(c); !e.empty()) Die("application readers: " + e);
    ReadFigures quiet = ReadFor(app, c, flags.quiet_seconds / 2);
    ReadSampler sampler(app, c);
    sampler.Start();
    const RunResult storm = RotateAll(rig, names, [&] { sampler.Stop(); });
    const ReadFigures during = sampler.Window(storm.start_unix_ms, storm.end_unix_ms);
    quiet.Add(ReadFor(app, c, flags.quiet_seconds / 2));
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
    const LedgerSummary& l = storm.ledger;
    std::printf(
        "| %zu | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %llu | %.2f | %.0f | %.2f | "
        "%.2f | %.2f "
        "| %s → %s |\n",
        c, Cells(quiet).c_str(), Cells(during).c_str(), during.P(0.5) - quiet.P(0.5),
        during.P(0.9) - quiet.P(0.9), during.P(0.99) - quiet.P(0.99),
        ratio(during.P(0.5), quiet.P(0.5)), ratio(during.P(0.99), quiet.P(0.99)),
        ratio(during.per_second(), quiet.per_second()),
        (unsigned long long)(during.errors + quiet.errors), storm.elapsed_seconds,
        storm.per_minute(), storm.first_done_seconds,
        storm.per_rotation(l.handler_calls + l.rotate_calls),
        storm.meter.wall_seconds > 0 ? storm.meter.other_cpu_seconds / storm.meter.wall_seconds : 0,
        storm.load_before.c_str(), storm.load_after.c_str());
    std::fflush(stdout);
    char note[512];
    std::snprintf(note, sizeof note,
                  "  C=%zu: rotations done %llu, runs failed %llu, step failures %llu; reads %zu "
                  "quiet (%.1f s), "
                  "%zu during the storm; application reads in the storm's ledger range %llu; "
                  "RotateSecret sent in "
                  "%.2f s; cairnd CPU %.2f cores during the storm",
                  c, (unsigned long long)l.succeeded, (unsigned long long)l.runs_failed,
                  (unsigned long long)l.step_failures, quiet.latency_ms.size(), quiet.seconds,
                  during.latency_ms.size(), (unsigned long long)l.app_reads, storm.issue_seconds,
                  storm.meter.wall_seconds > 0
                      ? storm.meter.daemon_cpu_seconds / storm.meter.wall_seconds
                      : 0);
    notes.push_back(note);
    if (during.errors + quiet.errors)
      notes.push_back("    first read error: " + during.first_error + quiet.first_error);
  }
  for (const std::string& n : notes) std::printf("%s\n", n.c_str());
  std::printf("\n");
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  ::signal(SIGPIPE, SIG_IGN);
  std::printf("load average at start: %s\n", LoadAverage().c_str());
  IdleSpinners spinners(flags.idle_spinners);
  ScratchDir scratch(flags.dir, "cairn-rotation-bench");
  const double fdatasync_p50 = FdatasyncP50(flags.dir);

  CairndProcess cairnd(flags.cairnd, scratch.Sub("cairnd"),
                       {"--workers", std::to_string(flags.workers), "--rotation-backoff-ms",
                        std::to_string(flags.backoff_ms)});
  cairnd.AddArgs(flags.cairnd_args);
  g_cairnd = &cairnd;
  if (!cairnd.Start())
    Die("cairnd did not get ready; its log:\n" + ReadWholeFile(cairnd.log_path()));
  auto profile = tools::ReadProfile(cairnd.profile_path());
  if (!profile.ok()) Die("dev-profile: " + profile.status().ToString());
  auto admin = tools::Remote::Connect(*profile, kAdminAgent);
  if (!admin.ok()) Die("connect: " + admin.status().ToString());
  Rig rig{flags, cairnd, spinners, std::move(profile).value(), std::move(admin).value(), {}};
  if (std::string e = rig.pool.Connect(rig.profile, flags.starters, kAdminAgent); !e.empty())
    Die("starters: " + e);
  std::printf(
      "cairnd (pid %d) --workers %d --rotation-backoff-ms %d; one handler \"%s\" in this process; "
      "%zu starter "
      "connections; %u hardware threads, %d idle spinners; fdatasync p50 %.2f ms in %s\n\n",
      cairnd.pid(), flags.workers, flags.backoff_ms, kHandlerName, flags.starters,
      std::thread::hardware_concurrency(), flags.idle_spinners, fdatasync_p50, flags.dir.c_str());
  std::fflush(stdout);
  {
    HandlerThread handler(Copy(rig.profile));
    const std::vector<std::string> warm = CreateSecrets(rig, "bench/rotation-warmup/", 1);
    for (int i = 0; i < 2; ++i)
      RotateAll(rig, warm);  // the handler is up, and a secret rotates again
    if (flags.part("throughput")) PartThroughput(rig);
    if (flags.part("storm")) PartStorm(rig);
  }
  rig.pool = CallPool();
  rig.admin.reset();
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
