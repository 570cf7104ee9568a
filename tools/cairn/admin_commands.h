// Cairn's own subcommands beside the aws ones:
//   cairn identity new --out FILE                 a CURVE key pair file (mode 0600)
//   cairn principal create --name N [--tag k=v]... [--admin] [--type User|Service]
//                          [--key-file FILE | --public-key Z85] [--profile-out FILE]
//   cairn principal list
//   cairn audit tail [--json] [--from-seq N] [--count N]
// principal create/list and audit tail need the rights of an administrator.
#ifndef CAIRN_TOOLS_CAIRN_ADMIN_COMMANDS_H_
#define CAIRN_TOOLS_CAIRN_ADMIN_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/cairn/backend.h"

namespace cairn::tools {

class AdminCommands {
 public:
  explicit AdminCommands(CLI::App& app);
  // True if one of these subcommands was given. identity new needs no backend.
  bool Parsed() const;
  bool NeedsBackend() const;
  int RunWithoutBackend();
  int Run(Backend& backend);

 private:
  int IdentityNew();
  int PrincipalCreate(Backend& backend);
  int PrincipalList(Backend& backend);
  int AuditTail(Backend& backend);

  CLI::App* identity_new_ = nullptr;
  CLI::App* principal_create_ = nullptr;
  CLI::App* principal_list_ = nullptr;
  CLI::App* audit_tail_ = nullptr;
  std::string out_;
  std::string name_;
  std::vector<std::string> tags_;
  bool admin_ = false;
  std::string type_ = "User";
  std::string key_file_;
  std::string public_key_;
  std::string profile_out_;
  bool json_ = false;
  std::optional<uint64_t> from_seq_;
  std::optional<uint64_t> count_;
};

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_ADMIN_COMMANDS_H_
