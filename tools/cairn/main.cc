// cairn: the command line. In embedded mode (--data-dir) it opens the ledger
// in-process and mirrors `aws secretsmanager`: the same subcommands, flags,
// JSON output and error lines.
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "crypto/master_key.h"
#include "crypto/random.h"
#include "service/engine.h"
#include "tools/cairn/commands.h"
#include "tools/cairn/output.h"
#include "tools/cairn/admin_commands.h"
#include "tools/cairn/backend.h"
#include "tools/cairn/receipt.h"
#include "tools/common/passphrase.h"

namespace cairn::tools {
namespace {

constexpr int kExitServiceError = 254;  // as the aws CLI
constexpr int kExitUsage = 252;
constexpr int kExitOther = 255;
int Fail(const Status& status) {
  std::fprintf(stderr, "cairn: error: %s\n", status.message().c_str());
  return kExitOther;
}

// The aws CLI's --cli-read-timeout default: a durable reply can wait behind a
// slow fsync.
constexpr int kDefaultReadTimeoutS = 60;

struct Globals {
  std::string data_dir;
  std::string profile;
  int read_timeout_s = kDefaultReadTimeoutS;
  std::string passphrase_file;
  std::string region = "us-east-1";
  std::string account_id;
  bool verify_receipt = false;  // remote mode: check each response's receipt (tools/cairn/receipt.h)
  std::string pin_key;
};

int RunInit(Globals g) {
  if (const char* env = std::getenv("CAIRN_DATA_DIR"); g.data_dir.empty() && env != nullptr) g.data_dir = env;
  if (g.data_dir.empty()) {
    std::fprintf(stderr, "cairn: error: init needs --data-dir DIR\n");
    return kExitUsage;
  }
  auto passphrase = PassphraseFromFileOrEnv(g.passphrase_file);
  if (!passphrase.ok()) return Fail(passphrase.status());
  service::InitOptions options;
  options.data_dir = g.data_dir;
  options.region = g.region;
  options.account_id = g.account_id;
  options.passphrase = passphrase->has_value() ? &**passphrase : nullptr;
  options.actor = LocalActor();
  Status s = service::Engine::Init(options);
  if (!s.ok()) return Fail(s);
  service::Json out = {{"DataDir", g.data_dir},
                       {"KeyFile", service::KeyFilePath(g.data_dir)},
                       {"KeySealedWithPassphrase", options.passphrase != nullptr},
                       {"Region", g.region}};
  std::printf("%s\n", out.dump(4).c_str());
  if (options.passphrase == nullptr) {
    std::fprintf(stderr,
                 "cairn: note: development default: the master key is stored unsealed in %s (mode 0600).\n"
                 "      For production, init with --passphrase-file or CAIRN_PASSPHRASE.\n",
                 service::KeyFilePath(g.data_dir).c_str());
  }
  return 0;
}

// Embedded mode with --data-dir, remote mode with --profile; between the
// environment variables, CAIRN_PROFILE wins over CAIRN_DATA_DIR.
Result<std::unique_ptr<Backend>> OpenBackend(const Globals& g) {
  if (!g.data_dir.empty() && !g.profile.empty()) {
    return FailedPreconditionError("give either --data-dir (embedded mode) or --profile (remote mode), not both");
  }
  if (!g.profile.empty()) return OpenRemote(g.profile, g.read_timeout_s * 1000);
  if (!g.data_dir.empty()) return OpenEmbedded(g.data_dir, g.passphrase_file);
  if (const char* env = std::getenv("CAIRN_PROFILE"); env != nullptr && *env != 0) return OpenRemote(env, g.read_timeout_s * 1000);
  if (const char* env = std::getenv("CAIRN_DATA_DIR"); env != nullptr && *env != 0) {
    return OpenEmbedded(env, g.passphrase_file);
  }
  return FailedPreconditionError(
      "give --profile FILE or set CAIRN_PROFILE (remote mode: cairnd), or --data-dir DIR (embedded mode)");
}

// A missing or contradictory mode is a usage error, as the aws CLI has it.
int FailOpen(const Status& status) {
  if (status.code() != StatusCode::kFailedPrecondition || status.message().rfind("give ", 0) != 0) return Fail(status);
  std::fprintf(stderr, "cairn: error: %s\n", status.message().c_str());
  return kExitUsage;
}

// Runs one call; list-secrets without paging flags follows NextToken to the end
// and prints one merged list, as the aws CLI does.
int RunOperation(const Globals& g, ParsedCommand& command) {
  auto request = command.BuildRequest();
  command.WipeSecrets();
  if (!request.ok()) {
    std::fprintf(stderr, "cairn: error: %s\n", request.status().message().c_str());
    return kExitUsage;
  }
  auto backend = OpenBackend(g);
  if (!backend.ok()) return FailOpen(backend.status());
  if (g.verify_receipt && (*backend)->remote() == nullptr) {
    std::fprintf(stderr, "cairn: error: --verify-receipt needs remote mode (--profile)\n");
    return kExitUsage;
  }
  const std::string operation = command.spec().operation;
  const bool paginate = command.spec().auto_paginates && !request->params.contains("MaxResults") &&
                        !request->params.contains("NextToken");
  service::Response merged;
  while (true) {
    auto executed = (*backend)->Execute(*request);
    if (!executed.ok()) return Fail(executed.status());
    service::Response& response = *executed;
    if (!response.ok()) {
      std::fprintf(stderr, "\n%s\n", FormatApiError(operation, *response.error).c_str());
      return kExitServiceError;
    }
    if (g.verify_receipt) {
      Status verified = CheckReceipt(**backend, response, g.pin_key);
      if (!verified.ok()) return Fail(verified);
    }
    if (!paginate) {
      PrintResponse(operation, response, stdout);
      return 0;
    }
    if (merged.body.empty()) merged.body["SecretList"] = service::Json::array();
    for (auto& entry : response.body["SecretList"]) merged.body["SecretList"].push_back(entry);
    if (!response.body.contains("NextToken")) break;
    request->params["NextToken"] = response.body["NextToken"];
  }
  PrintResponse(operation, merged, stdout);
  return 0;
}

}  // namespace
}  // namespace cairn::tools

int main(int argc, char** argv) {
  using namespace cairn::tools;
  // Plaintext secrets pass through this process's memory: no core dumps, and no
  // ptrace attach by other processes of the same user.
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  CLI::App app{"cairn: an audit-first secrets manager with AWS Secrets Manager's API.\n"
               "Every call, reads and refusals included, is a hash-chained event in the ledger."};
  app.fallthrough();
  app.require_subcommand(1);
  Globals g;
  app.add_option("--data-dir", g.data_dir, "Embedded mode: the data directory (env CAIRN_DATA_DIR)");
  app.add_option("--cli-read-timeout", g.read_timeout_s,
                 "Remote mode: seconds to wait for cairnd's reply (default " +
                     std::to_string(kDefaultReadTimeoutS) + ", as in the aws CLI)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--profile", g.profile, "Remote mode: the profile naming cairnd and your key pair (env CAIRN_PROFILE)");
  app.add_option("--passphrase-file", g.passphrase_file,
                 "File holding the passphrase that seals the master key (or env CAIRN_PASSPHRASE)");
  app.add_flag("--verify-receipt", g.verify_receipt,
               "Remote mode: check that the call's event is in the ledger's signed tree (needs an admin profile)");
  app.add_option("--pin-key", g.pin_key,
                 "With --verify-receipt: the ledger's checkpoint verifier key (default: the profile's CheckpointKey)");
  std::string output = "json";
  app.add_option("--output", output, "Output format; only json is supported")->check(CLI::IsMember({"json"}));

  CLI::App* init = app.add_subcommand("init", "Creates a new ledger and master key in --data-dir");
  init->add_option("--region", g.region, "Region used in ARNs (default us-east-1)");
  init->add_option("--account-id", g.account_id, "12-digit account id used in ARNs (default: random)");

  AdminCommands admin(app);
  std::vector<std::unique_ptr<ParsedCommand>> commands;
  for (const CommandSpec& spec : Commands()) commands.push_back(std::make_unique<ParsedCommand>(app, spec));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (init->parsed()) return RunInit(g);
  if (admin.Parsed()) {
    // Usage errors (a bad flag value, a missing file) open no ledger.
    if (const int code = admin.Prepare(); code != 0) return code;
    if (!admin.NeedsBackend()) return admin.RunWithoutBackend();
    if (std::optional<int> code = admin.RunOnReplicaDir(g.data_dir)) return *code;
    auto backend = OpenBackend(g);
    if (!backend.ok()) return FailOpen(backend.status());
    return admin.Run(**backend);
  }
  for (auto& command : commands) {
    if (command->app()->parsed()) return RunOperation(g, *command);
  }
  return kExitUsage;
}
