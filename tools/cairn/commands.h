// The `aws secretsmanager` subcommands `cairn` mirrors: one table row per
// operation naming its flags, the AWS request member each fills, and its type.
// Cairn's own groups (admin_commands.h) reuse the rows for their operations
// that are one request built from flags.
#ifndef CAIRN_TOOLS_CAIRN_COMMANDS_H_
#define CAIRN_TOOLS_CAIRN_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "crypto/status.h"
#include "service/api.h"

namespace cairn::tools {

// kString resolves file://<path> to the file's text, as the aws CLI does for
// every string parameter. kContextEntries: repeated key=value; kRotationRules:
// a JSON object or shorthand (aws_args.h). Flags filling the same member
// (--rotation-lambda-arn, --rotation-handler) exclude each other.
enum class ArgType {
  kString, kInt, kBool, kStringList, kTags, kFilters, kSecretString, kSecretBinary, kContextEntries,
  kRotationRules
};

struct ArgSpec {
  const char* flag;    // "--secret-id"
  const char* member;  // "SecretId"
  ArgType type;
  const char* help;
  bool required = false;      // refused by the parser when absent (exit 252), as in the aws CLI
  const char* off = nullptr;  // kBool: the flag that sets false (default "--no-<flag>")
};

struct CommandSpec {
  const char* name;       // "get-secret-value"
  const char* operation;  // "GetSecretValue"
  const char* help;
  std::vector<ArgSpec> args;
  bool fills_client_request_token = false;  // invent a UUIDv4 when absent, as the SDKs do
  bool auto_paginates = false;              // list-secrets without --max-results/--next-token
  const char* fixed = nullptr;              // JSON object every request carries: {"Enabled":true}
};

// The aws secretsmanager table.
const std::vector<CommandSpec>& Commands();

// Holds one subcommand's parsed flags until the request is built.
class ParsedCommand {
 public:
  ParsedCommand(CLI::App& app, const CommandSpec& spec);
  const CommandSpec& spec() const { return *spec_; }
  CLI::App* app() const { return app_; }
  // The Request; InvalidArgument for a malformed flag value, NotFound for a
  // file:// that cannot be read (the message names the flag).
  Result<service::Request> BuildRequest() const;
  // Overwrites the flag values that held a secret (argv copies kept by us).
  void WipeSecrets();

 private:
  struct Slot {
    const ArgSpec* spec;
    std::string text;
    std::vector<std::string> list;
    int64_t number = 0;
    bool on = false;
    bool off = false;
    CLI::Option* option = nullptr;
    CLI::Option* negation = nullptr;
  };
  // Puts one flag's value into `request` (nothing if the flag was not given).
  static Status Fill(const Slot& slot, service::Request& request);
  const CommandSpec* spec_;
  CLI::App* app_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_COMMANDS_H_
