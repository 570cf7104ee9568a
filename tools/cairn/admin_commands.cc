#include "tools/cairn/admin_commands.h"

#include <cstdio>
#include <filesystem>
#include <limits>

#include "bus/context.h"
#include "bus/follower.h"
#include "service/cloudtrail.h"
#include "tools/cairn/output.h"
#include "tools/common/profile.h"
#include "tools/common/replica_files.h"

namespace cairn::tools {
namespace {

constexpr int kExitServiceError = 254;
constexpr int kExitUsage = 252;
constexpr int kExitOther = 255;

int Fail(const Status& status) {
  std::fprintf(stderr, "cairn: error: %s\n", status.message().c_str());
  return kExitOther;
}

// Runs one call and prints its body as the aws-style commands do.
int Call(Backend& backend, const service::Request& request) {
  auto response = backend.Execute(request);
  if (!response.ok()) return Fail(response.status());
  if (!response->ok()) {
    std::fprintf(stderr, "\n%s\n", FormatApiError(request.operation, *response->error).c_str());
    return kExitServiceError;
  }
  PrintResponse(request.operation, *response, stdout);
  return 0;
}

Result<service::Json> ParseTags(const std::vector<std::string>& tags) {
  service::Json out = service::Json::array();
  for (const std::string& tag : tags) {
    const size_t eq = tag.find('=');
    if (eq == std::string::npos || eq == 0) return InvalidArgumentError("--tag '" + tag + "' is not key=value");
    out.push_back({{"Key", tag.substr(0, eq)}, {"Value", tag.substr(eq + 1)}});
  }
  return out;
}

// One line a person can read: seq, time, who, what, on what, outcome.
std::string HumanLine(const service::Json& r) {
  std::string resource;
  if (r.contains("resources") && !r["resources"].empty()) resource = r["resources"][0].value("ARN", "");
  const std::string outcome = r.contains("errorCode") ? r["errorCode"].get<std::string>() : "ok";
  char seq[24];
  std::snprintf(seq, sizeof(seq), "%8llu", static_cast<unsigned long long>(r.value("seq", uint64_t{0})));
  std::string who = r["userIdentity"].value("principalId", "");
  if (who.empty()) who = r["userIdentity"].value("invokedBy", "system");
  std::string line = std::string(seq) + "  " + r.value("eventTime", "") + "  " + who + "  " +
                     r.value("eventName", "") + (resource.empty() ? "" : "  " + resource) + "  " + outcome;
  // Why: the deciding statement (service/access.h).
  if (r.contains("cairnAuthorization")) {
    const service::Json& authz = r["cairnAuthorization"];
    const std::string decision = authz.value("decision", "");
    std::string statement = authz.value("policy", "");
    if (!authz.value("statement", "").empty()) statement += "/" + authz.value("statement", "");
    if (decision == "Allow") line += "  (allowed by " + statement + ")";
    if (decision == "ExplicitDeny") line += "  (denied by " + statement + ")";
    if (decision == "ImplicitDeny") line += "  (no policy allows it)";
  }
  return line;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "cairn: error: %s\n", message.c_str());
  return kExitUsage;
}

// A ready profile for principal `name` with `key`, naming the same cairnd as
// the caller's own profile; its checkpoint pin passes on.
Status WriteProfileFor(const Profile& mine, const std::string& name, const bus::CurveKeyPair& key,
                       const std::string& path) {
  Profile profile;
  profile.api_endpoint = mine.api_endpoint;
  profile.events_endpoint = mine.events_endpoint;
  profile.server_public_key = mine.server_public_key;
  profile.checkpoint_key = mine.checkpoint_key;
  profile.principal = name;
  profile.key = bus::CurveKeyPair{key.public_z85, key.secret_z85.Clone()};
  return WriteProfile(path, profile);
}

// Runs `request`, which enrols the key of the profile just written to `path`.
// A refusal (exit 254) removes the file; a call whose outcome is unknown
// (cairnd unreachable mid-call) keeps it, since the key may be enrolled.
int CallEnrolling(Backend& backend, const service::Request& request, const std::string& path) {
  const int code = Call(backend, request);
  if (code == kExitServiceError) std::remove(path.c_str());
  if (code == kExitOther) std::fprintf(stderr, "cairn: note: kept %s: its key may be enrolled\n", path.c_str());
  return code;
}

using T = ArgType;
const ArgSpec kName{"--name", "Name", T::kString, "The principal's name.", true};
const ArgSpec kPrincipalName{"--name", "PrincipalName", T::kString, "The principal's name.", true};
const ArgSpec kKeyOwner{"--name", "PrincipalName", T::kString,
                        "The principal owning the key (optional; if given, it must own it)."};
const ArgSpec kAccessKeyId{"--access-key-id", "AccessKeyId", T::kString, "The access key's id (AKIA...).", true};
const ArgSpec kAttachPolicy{"--policy", "PolicyName", T::kString, "The policy's name.", true};
const ArgSpec kPolicyName{"--name", "PolicyName", T::kString, "The policy's name.", true};

// The principal subcommands that are one request built from flags.
const std::vector<CommandSpec>& PrincipalOperations() {
  static const std::vector<CommandSpec> rows = {
      {"update", "UpdatePrincipal",
       "Enables or disables a principal, makes it an administrator or not.\n"
       "Needs cairn:UpdatePrincipal (administrators have it). The last enabled\n"
       "administrator can be neither disabled nor demoted.",
       {kName,
        {"--admin", "Admin", T::kBool, "Make it an administrator (--no-admin: an ordinary principal)."},
        {"--enable", "Enabled", T::kBool, "Let it call cairnd (--disable: refuse its every call).", false,
         "--disable"}}},
      {"enable", "UpdatePrincipal",
       "Lets a disabled principal call cairnd again (update --enable).\n"
       "Needs cairn:UpdatePrincipal (administrators have it).",
       {kName}, false, false, R"({"Enabled":true})"},
      {"disable", "UpdatePrincipal",
       "Refuses a principal's every call from now on, keeping its key and policies\n"
       "(update --disable). Needs cairn:UpdatePrincipal (administrators have it).",
       {kName}, false, false, R"({"Enabled":false})"},
      {"delete", "DeletePrincipal",
       "Removes a principal: its key is refused from then on.\n"
       "Needs cairn:DeletePrincipal (administrators have it).",
       {kName}},
      {"attach-policy", "AttachPrincipalPolicy",
       "Attaches a policy (cairn policy create) to a principal.\n"
       "Needs cairn:AttachPrincipalPolicy (administrators have it).",
       {kPrincipalName, kAttachPolicy}},
      {"detach-policy", "DetachPrincipalPolicy",
       "Detaches a policy from a principal.\n"
       "Needs cairn:DetachPrincipalPolicy (administrators have it).",
       {kPrincipalName, kAttachPolicy}},
      {"create-access-key", "CreateAccessKey",
       "Makes an access key (AccessKeyId and SecretAccessKey) for SigV4 calls through\n"
       "the HTTP gateway, as aws iam create-access-key. The secret is printed this\n"
       "once and can never be shown again; store it now. At most 2 keys per principal.\n"
       "Needs cairn:CreateAccessKey (administrators have it).",
       {kPrincipalName}},
      {"list-access-keys", "ListAccessKeys",
       "Lists access keys (ids, status, dates; never secrets) by principal then id:\n"
       "one principal's with --name, else everyone's.\n"
       "Needs cairn:ListAccessKeys (administrators have it).",
       {{"--name", "PrincipalName", T::kString, "Only this principal's keys."}}},
      {"update-access-key", "UpdateAccessKey",
       "Activates or deactivates an access key: an Inactive key is refused until\n"
       "made Active again. Needs cairn:UpdateAccessKey (administrators have it).",
       {kAccessKeyId, {"--status", "Status", T::kString, "Active or Inactive.", true}, kKeyOwner}},
      {"delete-access-key", "DeleteAccessKey",
       "Deletes an access key for good: its secret is destroyed (crypto-shredded).\n"
       "Needs cairn:DeleteAccessKey (administrators have it).",
       {kAccessKeyId, kKeyOwner}},
  };
  return rows;
}

// The policy subcommands.
const std::vector<CommandSpec>& PolicyOperations() {
  static const std::vector<CommandSpec> rows = {
      {"create", "CreatePolicy",
       "Stores an identity policy (an IAM JSON document) to attach to principals.\n"
       "Needs cairn:CreatePolicy (administrators have it).",
       {kPolicyName,
        {"--document", "PolicyDocument", T::kString, "The policy document: JSON text, or file://<path>.",
         true},
        {"--description", "Description", T::kString, "What the policy is for."}}},
      {"get", "GetPolicy",
       "Shows a policy and its document. Needs cairn:GetPolicy (administrators have it).",
       {kPolicyName}},
      {"list", "ListPolicies",
       "Lists the policies by name. Needs cairn:ListPolicies (administrators have it).", {}},
      {"delete", "DeletePolicy",
       "Deletes a policy no principal has attached.\n"
       "Needs cairn:DeletePolicy (administrators have it).",
       {kPolicyName}},
      {"simulate", "SimulatePrincipalPolicy",
       "Decides, without making the call, whether a principal may perform an action:\n"
       "prints EvaluationResults with EvalDecision (allowed, explicitDeny or implicitDeny)\n"
       "and the deciding statements. Exits 0 whatever the decision, as\n"
       "aws iam simulate-principal-policy does; nonzero only if the simulation fails.\n"
       "Needs cairn:SimulatePrincipalPolicy (administrators have it).",
       {{"--principal", "PrincipalName", T::kString, "The principal whose policies are evaluated.", true},
        {"--action", "ActionName", T::kString,
         "The action, e.g. secretsmanager:GetSecretValue or cairn:CreatePolicy.", true},
        {"--secret-id", "SecretId", T::kString,
         "The secret acted on (name or ARN); its resource policy is evaluated too."},
        {"--context", "ContextEntries", T::kContextEntries,
         "A condition key's value as key=value, e.g. aws:SourceIp=10.0.0.7 (repeatable;\n"
         "repeating a key gives it several values)."}}},
  };
  return rows;
}

// The rotation group (service/rotation.h): what the aws commands do not show.
const std::vector<CommandSpec>& RotationOperations() {
  static const std::vector<CommandSpec> rows = {
      {"status", "GetRotationStatus",
       "Shows a secret's rotation: configuration, LastRotatedDate, NextRotationDate and the\n"
       "rotation in progress or failed (token, step, attempts, last error).\n"
       "Needs cairn:GetRotationStatus on the secret.",
       {{"--secret-id", "SecretId", T::kString, "The name or ARN of the secret.", true}}},
      {"list", "ListRotations",
       "Lists the rotations in progress or failed, one per secret (what a handler picks up\n"
       "after a restart). Needs cairn:ListRotations.",
       {{"--handler", "Handler", T::kString, "Only the rotations of this handler."}}},
  };
  return rows;
}

// The replica group (service/replica.h): DR replicas as the primary sees them.
const std::vector<CommandSpec>& ReplicaOperations() {
  static const std::vector<CommandSpec> rows = {
      {"status", "GetReplicaStatus",
       "Shows each DR replica following this primary, from its latest report (cairn-replica\n"
       "follow reports every few seconds): HeadSeq, HeadLeafHash and whether it is this ledger's\n"
       "leaf at that seq (LeafHashMatches), LagRecords and LagMs, BytesPerSecond, the last\n"
       "checkpoint it verified, and when it reported. Reports are kept in memory: after cairnd\n"
       "restarts a replica shows once it reports again. A replica's own view, on its machine:\n"
       "cairn-replica status --data-dir D. Needs cairn:GetReplicaStatus.",
       {}},
  };
  return rows;
}

}  // namespace

AdminCommands::AdminCommands(CLI::App& app) {
  CLI::App* identity = app.add_subcommand("identity", "CURVE key pairs (identities for principals)");
  identity->require_subcommand(1);
  identity_new_ = identity->add_subcommand("new", "Writes a fresh key pair to --out (mode 0600) and prints its public key");
  identity_new_->add_option("--out", out_, "The key pair file to write (never overwritten)")->required();

  CLI::App* principal = app.add_subcommand("principal", "Principals: who may call cairnd, their keys and policies");
  principal->require_subcommand(1);
  principal_create_ = principal->add_subcommand(
      "create", "Enrols a principal with a CURVE public key.\nNeeds cairn:CreatePrincipal (administrators have it).");
  principal_create_->add_option("--name", name_, "Principal name (IAM user name rules)")->required();
  principal_create_->add_option("--tag", tags_, "A tag key=value (repeatable)");
  principal_create_->add_flag("--admin", admin_, "An administrator: every action is allowed (Allow * on *)");
  principal_create_->add_option("--type", type_, "User or Service")->check(CLI::IsMember({"User", "Service"}));
  auto* key_file = principal_create_->add_option("--key-file", key_file_, "Use this key pair file (cairn identity new)");
  principal_create_->add_option("--public-key", public_key_, "Enrol this Z85 public key (no profile can be written)")
      ->excludes(key_file);
  principal_create_->add_option("--profile-out", profile_out_,
                                "Write a ready profile for the new principal (mode 0600; a key pair is made if\n"
                                "neither --key-file nor --public-key is given)");
  principal_list_ = principal->add_subcommand(
      "list", "Lists the enrolled principals.\nNeeds cairn:ListPrincipals (administrators have it).");
  principal_rotate_key_ = principal->add_subcommand(
      "rotate-key", "Replaces a principal's CURVE public key: the old key is refused from then on.\n"
                    "Needs cairn:RotatePrincipalKey (administrators have it).");
  principal_rotate_key_->add_option("--name", name_, "The principal's name.")->required();
  principal_rotate_key_->add_option("--key-file", key_file_, "Enrol this key pair file's key (cairn identity new)");
  principal_rotate_key_->add_option("--public-key", public_key_, "Enrol this Z85 public key");
  principal_rotate_key_->add_option("--profile-out", profile_out_,
                                    "Make a fresh key pair and write a ready profile with it (mode 0600;\n"
                                    "remote mode only: the profile names the same cairnd)");
  for (const CommandSpec& spec : PrincipalOperations()) {
    operations_.push_back(std::make_unique<ParsedCommand>(*principal, spec));
  }

  CLI::App* policy = app.add_subcommand("policy", "Identity policies: IAM JSON documents attached to principals");
  policy->require_subcommand(1);
  for (const CommandSpec& spec : PolicyOperations()) {
    operations_.push_back(std::make_unique<ParsedCommand>(*policy, spec));
  }

  CLI::App* rotation = app.add_subcommand("rotation", "Rotation: the state of rotations and their handlers");
  rotation->require_subcommand(1);
  for (const CommandSpec& spec : RotationOperations()) {
    operations_.push_back(std::make_unique<ParsedCommand>(*rotation, spec));
  }

  CLI::App* replica = app.add_subcommand("replica", "Disaster-recovery replicas of this primary (cairn-replica)");
  replica->require_subcommand(1);
  for (const CommandSpec& spec : ReplicaOperations()) {
    operations_.push_back(std::make_unique<ParsedCommand>(*replica, spec));
  }
  replica_status_ = operations_.back()->app();

  CLI::App* audit = app.add_subcommand("audit", "The audit log, live");
  audit->require_subcommand(1);
  audit_tail_ = audit->add_subcommand("tail", "Follows every event as it is committed, verifying each link.\n"
                                              "Needs cairn:ReadAuditLog and cairn:SubscribeEvents (administrators have them).");
  audit_tail_->add_flag("--json", json_, "CloudTrail-shaped JSON lines, as 'cairn-audit export' prints them");
  audit_tail_->add_option("--from-seq", from_seq_, "Replay from this seq first (default: from the head)");
  audit_tail_->add_option("--count", count_, "Stop after this many records");
}

bool AdminCommands::Parsed() const {
  for (const auto& op : operations_) {
    if (op->app()->parsed()) return true;
  }
  return identity_new_->parsed() || principal_create_->parsed() || principal_list_->parsed() ||
         principal_rotate_key_->parsed() || audit_tail_->parsed();
}

bool AdminCommands::NeedsBackend() const { return !identity_new_->parsed(); }

int AdminCommands::Prepare() {
  for (const auto& op : operations_) {
    if (!op->app()->parsed()) continue;
    auto request = op->BuildRequest();
    if (!request.ok()) return Usage(request.status().message());
    request_ = std::move(request).value();
    return 0;
  }
  if (principal_rotate_key_->parsed()) return PrepareRotateKey();
  return 0;
}

int AdminCommands::RunWithoutBackend() { return IdentityNew(); }

std::optional<int> AdminCommands::RunOnReplicaDir(const std::string& data_dir) {
  std::error_code ec;
  if (!replica_status_->parsed() || data_dir.empty() || !std::filesystem::exists(ReplicaConfigPath(data_dir), ec)) {
    return std::nullopt;
  }
  // A replica's directory serves no call (cairn-replica): its own view is the
  // status its follow loop writes.
  const std::string text = ReadStatusText(data_dir);
  if (text.empty()) {
    std::fprintf(stderr, "cairn: error: %s is a DR replica with no status yet (has 'cairn-replica follow' run?)\n",
                 data_dir.c_str());
    return 254;
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

int AdminCommands::Run(Backend& backend) {
  if (request_) return Call(backend, *request_);
  if (principal_create_->parsed()) return PrincipalCreate(backend);
  if (principal_list_->parsed()) return PrincipalList(backend);
  if (principal_rotate_key_->parsed()) return PrincipalRotateKey(backend);
  return AuditTail(backend);
}

int AdminCommands::IdentityNew() {
  auto key = bus::NewCurveKeyPair();
  if (!key.ok()) return Fail(key.status());
  Status written = WriteKeyPairFile(out_, *key);
  if (!written.ok()) return Fail(written);
  std::printf("%s\n", service::Json({{"PublicKey", key->public_z85}, {"KeyFile", out_}}).dump(4).c_str());
  return 0;
}

int AdminCommands::PrincipalCreate(Backend& backend) {
  if (!profile_out_.empty() && backend.profile() == nullptr) {
    std::fprintf(stderr, "cairn: error: --profile-out needs remote mode (--profile): the profile names cairnd\n");
    return kExitUsage;
  }
  if (!profile_out_.empty() && !public_key_.empty()) {
    std::fprintf(stderr, "cairn: error: --profile-out needs the secret key; use --key-file or neither\n");
    return kExitUsage;
  }
  auto tags = ParseTags(tags_);
  if (!tags.ok()) {
    std::fprintf(stderr, "cairn: error: %s\n", tags.status().message().c_str());
    return kExitUsage;
  }
  std::optional<bus::CurveKeyPair> key;
  if (!key_file_.empty()) {
    auto read = ReadKeyPairFile(key_file_);
    if (!read.ok()) return Fail(read.status());
    key = std::move(read).value();
  } else if (public_key_.empty()) {
    auto made = bus::NewCurveKeyPair();
    if (!made.ok()) return Fail(made.status());
    key = std::move(made).value();
  }
  service::Request request;
  request.operation = "CreatePrincipal";
  request.params = {{"Name", name_}, {"PublicKey", key ? key->public_z85 : public_key_},
                    {"PrincipalType", type_}, {"Admin", admin_}};
  if (!tags->empty()) request.params["Tags"] = *tags;
  if (!profile_out_.empty()) {
    // Write first, so a key is never enrolled without its file existing.
    Status written = WriteProfileFor(*backend.profile(), name_, *key, profile_out_);
    if (!written.ok()) return Fail(written);
    return CallEnrolling(backend, request, profile_out_);
  }
  return Call(backend, request);
}

int AdminCommands::PrincipalList(Backend& backend) {
  service::Request request;
  request.operation = "ListPrincipals";
  return Call(backend, request);
}

int AdminCommands::PrepareRotateKey() {
  const int given = !key_file_.empty() + !public_key_.empty() + !profile_out_.empty();
  if (given != 1) return Usage("rotate-key needs exactly one of --key-file, --public-key, --profile-out");
  if (!profile_out_.empty() && std::filesystem::exists(profile_out_)) {
    return Usage("--profile-out " + profile_out_ + " exists (profiles are never overwritten)");
  }
  if (!key_file_.empty()) {
    auto read = ReadKeyPairFile(key_file_);
    if (!read.ok()) return Usage(read.status().message());
    new_key_ = std::move(read).value();
  } else if (!profile_out_.empty()) {
    auto made = bus::NewCurveKeyPair();
    if (!made.ok()) return Fail(made.status());
    new_key_ = std::move(made).value();
  }
  return 0;
}

int AdminCommands::PrincipalRotateKey(Backend& backend) {
  if (!profile_out_.empty() && backend.profile() == nullptr) {
    return Usage("--profile-out needs remote mode (--profile): the profile names cairnd");
  }
  service::Request request;
  request.operation = "RotatePrincipalKey";
  request.params = {{"Name", name_}, {"PublicKey", new_key_ ? new_key_->public_z85 : public_key_}};
  int code = 0;
  if (!profile_out_.empty()) {
    // Write first, so a key is never enrolled without its file existing.
    Status written = WriteProfileFor(*backend.profile(), name_, *new_key_, profile_out_);
    if (!written.ok()) return Fail(written);
    code = CallEnrolling(backend, request, profile_out_);
  } else {
    code = Call(backend, request);
  }
  if (code == 0 && backend.profile() != nullptr && backend.profile()->principal == name_) {
    std::fprintf(stderr, "cairn: note: that was the key of the profile in use; it is refused from now on\n");
  }
  return code;
}

int AdminCommands::AuditTail(Backend& backend) {
  if (backend.remote() == nullptr) {
    std::fprintf(stderr, "cairn: error: audit tail follows cairnd: give --profile (for a data directory at rest,\n"
                         "use 'cairn-audit export')\n");
    return kExitUsage;
  }
  Remote& remote = *backend.remote();
  // The head, and where the log starts: genesis names the region and account
  // the CloudTrail records carry; a ledger that started from a snapshot (a
  // promoted DR replica) holds no genesis, and the reply names them.
  service::Request probe;
  probe.operation = "ReadRecords";
  probe.params = {{"FromSeq", std::numeric_limits<int64_t>::max()}, {"MaxRecords", 1}};
  auto head = remote.Execute(probe);
  if (!head.ok()) return Fail(head.status());
  if (!head->ok()) return Fail(PermissionDeniedError(head->error->code + ": " + head->error->message));
  service::TrailContext trail;
  const uint64_t first_seq = head->body.value("FirstSeq", uint64_t{0});
  if (first_seq == 0) {
    auto genesis = remote.ReadRecords(0, 1);
    if (!genesis.ok()) return Fail(genesis.status());
    if (!genesis->empty()) (void)service::CloudTrailRecord(0, (*genesis)[0].bytes, trail);
  } else {
    trail.region = head->body.value("Region", trail.region);
    trail.account_id = head->body.value("AccountId", std::string());
  }
  uint64_t from = from_seq_ ? *from_seq_ : head->body.value("HeadSeq", uint64_t{0});
  if (from < first_seq) {
    return Fail(FailedPreconditionError("this ledger holds the records from seq " + std::to_string(first_seq) +
                                        " on (it started from a snapshot of its primary): --from-seq " +
                                        std::to_string(from) + " is before it"));
  }
  auto context = bus::BusContext::Create(nullptr);
  if (!context.ok()) return Fail(context.status());
  const Profile& profile = *backend.profile();
  bus::FollowerOptions options;
  options.events_endpoint = profile.events_endpoint;
  options.server_public_z85 = profile.server_public_key;
  options.client_key = bus::CurveKeyPair{profile.key.public_z85, profile.key.secret_z85.Clone()};
  options.from_seq = from;
  if (from == first_seq && first_seq > 0) {
    // The record before a snapshot's base is not held: the reply names its leaf.
    auto leaf = crypto::DigestFromHex(head->body.value("FirstPrevLeafHash", std::string()));
    if (!leaf.ok()) return Fail(DataLossError("the ReadRecords reply names no FirstPrevLeafHash"));
    options.prev_leaf = *leaf;
  }
  auto follower = bus::Follower::Start(**context, std::move(options), [&remote](uint64_t seq, uint32_t max) {
    return remote.ReadRecords(seq, max);
  });
  if (!follower.ok()) return Fail(follower.status());
  uint64_t printed = 0;
  while (!count_ || printed < *count_) {
    auto record = (*follower)->Next(1000);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kUnavailable) continue;
      return Fail(record.status());
    }
    auto rendered = service::CloudTrailRecord(record->seq, record->bytes, trail);
    if (!rendered.ok()) return Fail(rendered.status());
    const std::string line = json_ ? rendered->dump() : HumanLine(*rendered);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    ++printed;
  }
  return 0;
}

}  // namespace cairn::tools
