// cairn-rotate-postgres: a rotation handler (tools/common/rotation_handler.h)
// that rotates PostgreSQL credentials with AWS's single-user and
// alternating-users strategies (tools/cairn_rotate_postgres/strategy.h).
// Serves until SIGTERM or SIGINT.
#include <atomic>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/cairn_rotate_postgres/secret_store.h"
#include "tools/cairn_rotate_postgres/strategy.h"
#include "tools/common/log.h"
#include "tools/common/process.h"
#include "tools/common/profile.h"
#include "tools/common/rotation_handler.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::tools;
  // Passwords pass through this process's memory: no core dumps, no ptrace.
  HardenProcess();

  CLI::App app{"cairn-rotate-postgres: rotates PostgreSQL credentials for Cairn (AWS's single-user and\n"
               "alternating-users strategies). Secrets hold AWS's RDS JSON: {\"engine\":\"postgres\",\n"
               "\"host\",\"port\",\"username\",\"password\",\"dbname\"} and optionally \"masterarn\" and\n"
               "\"rotation_strategy\" (\"single\" or \"alternating\"; default alternating when a master\n"
               "secret is known, else single; give a master secret itself \"single\")."};
  std::string profile_path;
  std::string handler_name = "postgres";
  std::string log_level = "info";
  rotate_postgres::RotatorOptions options;
  app.add_option("--profile", profile_path, "The handler's profile (its principal's keys and cairnd's endpoints)")
      ->required()->envname("CAIRN_PROFILE");
  app.add_option("--master-secret", options.master_secret,
                 "Secret holding the admin credentials, for secrets without \"masterarn\"");
  app.add_option("--handler-name", handler_name, "The handler name rotations name (RotationLambdaARN)")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->capture_default_str()->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  Logger log(*ParseLogLevel(log_level));
  auto profile = ReadProfile(profile_path);
  if (!profile.ok()) {
    log.Error("cannot read the profile", {{"profile", profile_path}, {"error", profile.status().message()}});
    return kExitUsage;
  }

  const std::atomic<bool>& stop = StopOnSignals();  // before any thread starts
  RotationHandlerOptions serve;
  serve.handler_name = handler_name;
  serve.profile = std::move(profile).value();
  serve.stop = &stop;
  serve.log = &log;
  log.Info("serving", {{"handler", handler_name}, {"principal", serve.profile.principal}});
  const cairn::Status status = ServeRotationHandler(serve, [&](const RotationStep& step, Remote& remote) {
    const rotate_postgres::SecretStore store = rotate_postgres::RemoteSecretStore(remote);
    cairn::Status result = rotate_postgres::RunRotationStep(step.step, step.secret_arn, step.token, store, options);
    log.Log(result.ok() ? LogLevel::kInfo : LogLevel::kWarn, result.ok() ? "step succeeded" : "step failed",
            {{"secret", step.secret_name}, {"token", step.token}, {"step", step.step},
             {"attempt", step.attempt}, {"error", result.message()}});
    return result;
  });
  if (!status.ok()) {
    log.Error("stopped", {{"error", status.message()}});
    return kExitFailure;
  }
  log.Info("stopped");  // ok only once SIGTERM or SIGINT set `stop`
  return 0;
}
