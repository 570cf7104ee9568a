// Cairn's own subcommands beside the aws ones, and the operation each calls:
//   cairn identity new --out FILE                   a CURVE key pair file (mode 0600); no call
//   cairn principal create --name N [--tag k=v]... [--admin] [--type User|Service]
//                          [--key-file FILE | --public-key Z85] [--profile-out FILE]
//                                                   CreatePrincipal
//   cairn principal list                            ListPrincipals
//   cairn principal update --name N [--admin|--no-admin] [--enable|--disable]
//                                                   UpdatePrincipal
//   cairn principal enable --name N                 UpdatePrincipal (Enabled=true)
//   cairn principal disable --name N                UpdatePrincipal (Enabled=false)
//   cairn principal rotate-key --name N (--key-file FILE | --public-key Z85 | --profile-out FILE)
//                                                   RotatePrincipalKey
//   cairn principal delete --name N                 DeletePrincipal
//   cairn principal attach-policy --name N --policy P   AttachPrincipalPolicy
//   cairn principal detach-policy --name N --policy P   DetachPrincipalPolicy
//   cairn principal create-access-key --name N      CreateAccessKey (prints the secret once)
//   cairn principal list-access-keys [--name N]     ListAccessKeys
//   cairn principal update-access-key --access-key-id ID --status Active|Inactive [--name N]
//                                                   UpdateAccessKey
//   cairn principal delete-access-key --access-key-id ID [--name N]   DeleteAccessKey
//   cairn policy create --name P --document JSON|file://PATH [--description D]   CreatePolicy
//   cairn policy get --name P                       GetPolicy
//   cairn policy list                               ListPolicies
//   cairn policy delete --name P                    DeletePolicy
//   cairn policy simulate --principal N --action A [--secret-id S] [--context k=v]...
//                                                   SimulatePrincipalPolicy (exit 0 whatever
//                                                   the decision, as aws iam simulate-principal-policy)
//   cairn rotation status --secret-id S            GetRotationStatus
//   cairn rotation list [--handler H]               ListRotations
//   cairn replica status                            GetReplicaStatus (on a replica's --data-dir:
//                                                   the status its follow loop wrote; no call)
//   cairn audit tail [--json] [--from-seq N] [--count N]   ReadRecords + the events socket
// Each call needs the IAM action cairn:<Operation> (audit tail: cairn:ReadAuditLog and
// cairn:SubscribeEvents); administrators have them all, and embedded mode acts as the
// local user, who may do everything (service/access.h). Output and errors are the
// aws-style commands': the response JSON on stdout; "An error occurred (<Code>) ..."
// on stderr with exit 254; usage errors exit 252 before any ledger is opened.
#ifndef CAIRN_TOOLS_CAIRN_ADMIN_COMMANDS_H_
#define CAIRN_TOOLS_CAIRN_ADMIN_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bus/curve.h"
#include "service/api.h"
#include "tools/cairn/backend.h"
#include "tools/cairn/commands.h"

namespace cairn::tools {

// Registers the identity, principal, policy, rotation, replica and audit groups on
// `app` and runs the one that was parsed. main() calls Parsed(), then
// Prepare(), then either RunWithoutBackend() or Run() with the backend it
// opened. Not thread-safe; one per process.
class AdminCommands {
 public:
  explicit AdminCommands(CLI::App& app);
  // True if one of these subcommands was given. identity new needs no backend.
  bool Parsed() const;
  bool NeedsBackend() const;
  // Checks the flags and builds what needs no backend (requests, key files,
  // fresh key pairs): 0, or 252 after printing the usage error.
  int Prepare();
  int RunWithoutBackend();
  // `cairn replica status --data-dir D` on a DR replica's directory (which
  // opens as no ledger): prints the status its follow loop wrote. nullopt
  // for anything else.
  std::optional<int> RunOnReplicaDir(const std::string& data_dir);
  int Run(Backend& backend);

 private:
  int IdentityNew();
  int PrincipalCreate(Backend& backend);
  int PrincipalList(Backend& backend);
  int PrepareRotateKey();
  int PrincipalRotateKey(Backend& backend);
  int AuditTail(Backend& backend);

  CLI::App* identity_new_ = nullptr;
  CLI::App* replica_status_ = nullptr;
  CLI::App* principal_create_ = nullptr;
  CLI::App* principal_list_ = nullptr;
  CLI::App* principal_rotate_key_ = nullptr;
  CLI::App* audit_tail_ = nullptr;
  // The principal and policy subcommands that are one request built from
  // flags (admin_commands.cc's tables), and Prepare's request for the parsed one.
  std::vector<std::unique_ptr<ParsedCommand>> operations_;
  std::optional<service::Request> request_;
  std::optional<bus::CurveKeyPair> new_key_;  // rotate-key's, from Prepare
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
