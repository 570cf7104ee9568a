// cairn-rotate-exec: a rotation handler (tools/common/rotation_handler.h)
// that runs a program of the user's for each step, the way AWS runs a custom
// Lambda rotation function, for secrets Cairn has no built-in rotator for:
//
//   cairn-rotate-exec --profile rotator.profile --handler-name myapp -- ./rotate.sh
//
// What the program gets and how its outcome is read: run_program.h.
// SIGTERM or SIGINT stop it cleanly (a step in flight is killed and not
// reported: a restarted handler finds it still requested and runs it again,
// or the service retries it after its timeout).

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/cairn_rotate_exec/run_program.h"
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
  // The steps' secrets pass through the program, not us; still: no core dumps.
  HardenProcess();

  CLI::App app{"cairn-rotate-exec: a Cairn rotation handler that runs PROGRAM for each rotation step\n"
               "(createSecret, setSecret, testSecret, finishSecret), as AWS runs a Lambda rotation\n"
               "function. PROGRAM gets CAIRN_ROTATION_STEP, CAIRN_SECRET_ID (the ARN), CAIRN_SECRET_NAME,\n"
               "CAIRN_CLIENT_REQUEST_TOKEN, CAIRN_ROTATION_ATTEMPT and CAIRN_PROFILE (this handler's profile,\n"
               "for its own `cairn` calls) in its environment and the Lambda event\n"
               "{\"Step\",\"SecretId\",\"ClientRequestToken\"} as JSON on stdin. Exit status 0 reports the\n"
               "step succeeded; anything else reports it failed with the exit status as the reason (the\n"
               "program's output goes to our stderr, never to the ledger). Steps must be idempotent."};
  std::string profile_path;
  std::string handler_name;
  int64_t step_timeout_ms = 300000;
  int poll_ms = 2000;
  std::string log_level = "info";
  std::vector<std::string> program;
  app.add_option("--profile", profile_path,
                 "The handler principal's profile (cairn principal create --profile-out). Its policy\n"
                 "needs cairn:ListRotations, cairn:ReportRotationStep, the secretsmanager actions\n"
                 "PROGRAM calls, and cairn:SubscribeEvents with cairn:ReadAuditLog to get requests\n"
                 "at once (without them it polls)")
      ->required()->envname("CAIRN_PROFILE");
  app.add_option("--handler-name", handler_name,
                 "The handler name this serves: rotate-secret --rotation-handler NAME")->required();
  app.add_option("--step-timeout-ms", step_timeout_ms,
                 "Kill PROGRAM (its whole process group) after this long, or at the step's own\n"
                 "deadline if that comes first")
      ->capture_default_str()->check(CLI::Range(int64_t{100}, int64_t{86400000}));
  app.add_option("--poll-ms", poll_ms, "How often to ask cairnd (ListRotations) for steps the events missed")
      ->capture_default_str()->check(CLI::Range(100, 3600000));
  app.add_option("--log-level", log_level, "debug, info, warn or error (JSON lines on stderr)")
      ->capture_default_str()->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("program", program, "-- PROGRAM [ARGS...]: what to run for each step")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  Logger log(*ParseLogLevel(log_level));
  auto resolved = ResolveProgram(program[0]);
  if (!resolved.ok()) {
    log.Error("cannot run the program", {{"error", resolved.status().message()}});
    return kExitUsage;
  }
  auto profile = ReadProfile(profile_path);
  if (!profile.ok()) {
    log.Error("cannot read the profile", {{"profile", profile_path}, {"error", profile.status().message()}});
    return kExitUsage;
  }
  // Before any thread (the guard is a fork that runs on) and before our
  // signal handlers (it sets its own).
  auto guard = GroupGuard::Start();
  if (!guard.ok()) {
    log.Error("cannot start the process group guard", {{"error", guard.status().message()}});
    return kExitFailure;
  }
  const std::atomic<bool>& stop = StopOnSignals();

  ProgramSpec spec{*resolved, program, profile_path, step_timeout_ms, guard->get()};
  RotationHandlerOptions options;
  options.handler_name = handler_name;
  options.profile = std::move(profile).value();
  options.stop = &stop;
  options.poll_ms = poll_ms;
  options.log = &log;
  log.Info("serving", {{"handler", handler_name}, {"principal", options.profile.principal},
                       {"program", *resolved}});
  cairn::Status served = ServeRotationHandler(options, [&spec, &stop](const RotationStep& step, Remote&) {
    return RunProgram(spec, step, stop);
  });
  if (!served.ok()) {
    log.Error("stopped", {{"error", served.message()}});
    return kExitFailure;
  }
  log.Info("stopped");
  return 0;
}
