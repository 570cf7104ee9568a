// cairnd: the Cairn daemon. Serves the API over ZeroMQ (ROUTER, CURVE) and
// publishes every committed record (PUB, CURVE). See tools/cairnd/daemon.h.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/cairnd/daemon.h"
#include "tools/common/log.h"
#include "tools/common/process.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

bool IsLoopback(const std::string& endpoint) {
  return endpoint.rfind("tcp://127.", 0) == 0 || endpoint.rfind("tcp://localhost:", 0) == 0 ||
         endpoint.rfind("tcp://[::1]:", 0) == 0 || endpoint.rfind("ipc://", 0) == 0 ||
         endpoint.rfind("inproc://", 0) == 0;
}

}  // namespace

// Read by jemalloc (CMakeLists.txt, CAIRN_JEMALLOC) at its first allocation;
// glibc's malloc ignores it. By default jemalloc serves allocations of 8 MiB
// and more from an arena of their own that gives their pages back to the
// kernel as soon as they are freed. A replica's catch-up pages (ReadReplicaPage,
// ~8 MB, and ZeroMQ's CURVE copy of each) then faulted in fresh zeroed pages on
// every call: a quarter of cairnd's CPU serving a catch-up (bench/RESULTS.md,
// replica_bench). Without that arena they are reused like any other.
extern "C" const char* malloc_conf = "oversize_threshold:0";

int main(int argc, char** argv) {
  using namespace cairn::tools;
  // Plaintext secrets pass through this process's memory: no core dumps, no ptrace.
  HardenProcess();

  CLI::App app{"cairnd: the Cairn daemon. Serves AWS Secrets Manager's API over ZeroMQ with CURVE\n"
               "(and over HTTP with SigV4 for the AWS clients, --http-endpoint) and publishes every\n"
               "ledger record to subscribers."};
  app.set_config("--config", "", "Read options from a TOML or INI file (keys are the long flag names)");
  DaemonOptions o;
  std::string log_level = "info";
  app.add_flag("--dev", o.dev,
               "Development mode: create the ledger if the directory is empty, unseal with the\n"
               "plain key file, listen on loopback, write <data-dir>/dev-profile for the admin");
  app.add_option("--data-dir", o.data_dir, "Data directory (ledger and master key)")->required()->envname("CAIRN_DATA_DIR");
  app.add_option("--api-endpoint", o.api_endpoint, "API endpoint (ROUTER)")->capture_default_str();
  app.add_option("--events-endpoint", o.events_endpoint, "Events endpoint (PUB)")->capture_default_str();
  app.add_option("--passphrase-file", o.passphrase_file,
                 "File holding the master key's passphrase (or env CAIRN_PASSPHRASE, or a prompt)");
  app.add_option("--admin-profile", o.admin_profile,
                 "Where to write the first administrator's profile (default <data-dir>/admin-profile,\n"
                 "or <data-dir>/dev-profile with --dev)");
  app.add_option("--workers", o.workers, "Threads finishing calls (waiting for the group commit, decrypting)")->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--io-threads", o.io_threads,
                 "ZeroMQ I/O threads: the CURVE encryption and TCP of every connection\n"
                 "(default: one per core, at most 4)")
      ->check(CLI::Range(1, 64));
  app.add_option("--checkpoint-records", o.checkpoint_records, "Sign a checkpoint every N records")
      ->capture_default_str()->check(CLI::Range(1, 100000000));
  app.add_option("--checkpoint-ms", o.checkpoint_ms, "... or every T milliseconds with new records")
      ->capture_default_str()->check(CLI::Range(10, 86400000));
  app.add_option("--heartbeat-ms", o.heartbeat_ms, "Heartbeat period on the events socket")
      ->capture_default_str()->check(CLI::Range(10, 60000));
  app.add_option("--events-hwm", o.events_hwm,
                 "Messages queued per events subscriber before they are dropped for it (the subscriber\n"
                 "fetches the gap); a message is one record or a batch of up to 64 KiB")
      ->capture_default_str()->check(CLI::Range(100, 1000000));
  app.add_option("--refusal-report-ms", o.refusal_report_ms,
                 "Period of the UnauthenticatedAttempts event (only when there were refusals)")
      ->capture_default_str()->check(CLI::Range(100, 86400000));
  app.add_option("--maintenance-ms", o.maintenance_ms, "Period of the maintenance pass: purging secrets whose recovery window ended,\n"
                 "recording expiry warnings and expiries")
      ->capture_default_str()->check(CLI::Range(100, 86400000));
  app.add_option("--http-endpoint", o.http_endpoint,
                 "Serve AWS Secrets Manager's HTTP API (aws CLI, boto3, the AWS SDKs) on host:port,\n"
                 "e.g. 127.0.0.1:7780; callers sign with access keys (cairn principal create-access-key)");
  app.add_flag("--http-tls", o.http_tls,
               "HTTPS on the HTTP endpoint; with --dev and no --tls-cert, a self-signed certificate\n"
               "is made in <data-dir>/dev-tls.crt (use it as AWS_CA_BUNDLE)");
  app.add_option("--tls-cert", o.tls_cert_file, "PEM certificate (chain) for --http-tls")->check(CLI::ExistingFile);
  app.add_option("--tls-key", o.tls_key_file, "PEM private key for --http-tls")->check(CLI::ExistingFile);
  app.add_option("--http-threads", o.http_threads, "HTTP connections served at once")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--rotation-step-timeout", o.rotation_step_timeout_ms,
                 "Milliseconds a rotation handler has to report a step before it counts as failed")
      ->capture_default_str()->check(CLI::Range(int64_t{100}, int64_t{86400000}));
  app.add_option("--rotation-max-attempts", o.rotation_max_attempts,
                 "Failed attempts of a rotation step before the rotation fails (AWSCURRENT stays)")
      ->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--rotation-backoff-ms", o.rotation_backoff_ms,
                 "Wait before retrying a failed rotation step, doubling with each failure (up to 60 s)")
      ->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->capture_default_str()->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  Logger log(*ParseLogLevel(log_level));
  if (o.dev && (!IsLoopback(o.api_endpoint) || !IsLoopback(o.events_endpoint) ||
                (!o.http_endpoint.empty() && !IsLoopback("tcp://" + o.http_endpoint)))) {
    log.Error("--dev listens on loopback only",
              {{"api", o.api_endpoint}, {"events", o.events_endpoint}, {"http", o.http_endpoint}});
    return kExitUsage;
  }

  // Signals are taken by sigwait on this thread; every thread started after
  // this inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto daemon = Daemon::Start(o, log);
  if (!daemon.ok()) {
    log.Error("cannot start", {{"error", daemon.status().message()}});
    return kExitFailure;
  }
  int received = 0;
  sigwait(&signals, &received);
  log.Info("signal received; shutting down", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*daemon)->Shutdown();
  return 0;
}
