#include "tools/cairn/commands.h"

#include <string_view>

#include "crypto/random.h"
#include "tools/cairn/aws_args.h"

namespace cairn::tools {
namespace {

using T = ArgType;

const ArgSpec kSecretId{"--secret-id", "SecretId", T::kString,
                        "The name or ARN (full or partial) of the secret."};
const ArgSpec kToken{"--client-request-token", "ClientRequestToken", T::kString,
                     "Idempotency token (32-64 chars); becomes the new VersionId. Default: a new UUID."};
const ArgSpec kSecretString{"--secret-string", "SecretString", T::kSecretString,
                            "The secret text, or file://<path> to read it from a file (keeps it out of ps)."};
const ArgSpec kSecretBinary{"--secret-binary", "SecretBinary", T::kSecretBinary,
                            "Binary secret: fileb://<path> for raw bytes, or base64 text."};
const ArgSpec kMaxResults{"--max-results", "MaxResults", T::kInt, "Page size."};
const ArgSpec kNextToken{"--next-token", "NextToken", T::kString, "Token from a previous page."};
const ArgSpec kFilters{"--filters", "Filters", T::kFilters,
                       "Key=name|description|tag-key|tag-value|primary-region|owning-service|all,Values=v1,v2 (or JSON)."};
const ArgSpec kTags{"--tags", "Tags", T::kTags, "Key=k,Value=v ... (or a JSON list)."};
const ArgSpec kDescription{"--description", "Description", T::kString, "Description of the secret."};
const ArgSpec kKmsKeyId{"--kms-key-id", "KmsKeyId", T::kString, "KMS key id recorded for the secret."};
const ArgSpec kResourcePolicy{"--resource-policy", "ResourcePolicy", T::kString,
                              "A JSON-formatted string for an Amazon Web Services resource-based policy, or\n"
                              "file://<path> to read it from a file.",
                              true};

constexpr ArgSpec Required(ArgSpec arg) {
  arg.required = true;
  return arg;
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      {"create-secret", "CreateSecret", "Creates a new secret, with its first version if a value is given.",
       {{"--name", "Name", T::kString, "Name of the new secret: letters, digits and /_+=.@-"},
        kToken, kDescription, kKmsKeyId, kSecretString, kSecretBinary, kTags},
       true},
      {"get-secret-value", "GetSecretValue", "Retrieves a secret's value (AWSCURRENT unless told otherwise).",
       {kSecretId,
        {"--version-id", "VersionId", T::kString, "The version to read."},
        {"--version-stage", "VersionStage", T::kString, "The staging label of the version to read."}}},
      {"batch-get-secret-value", "BatchGetSecretValue", "Retrieves the values of up to 20 secrets.",
       {{"--secret-id-list", "SecretIdList", T::kStringList, "Names or ARNs of the secrets."},
        kFilters, kMaxResults, kNextToken}},
      {"put-secret-value", "PutSecretValue", "Stores a new version of a secret's value.",
       {kSecretId, kToken, kSecretString, kSecretBinary,
        {"--version-stages", "VersionStages", T::kStringList, "Labels for the new version (default AWSCURRENT)."}},
       true},
      {"update-secret", "UpdateSecret", "Changes a secret's metadata, or stores a new current value.",
       {kSecretId, kToken, kDescription, kKmsKeyId, kSecretString, kSecretBinary}, true},
      {"update-secret-version-stage", "UpdateSecretVersionStage", "Moves a staging label between versions.",
       {kSecretId,
        {"--version-stage", "VersionStage", T::kString, "The label to move or remove."},
        {"--remove-from-version-id", "RemoveFromVersionId", T::kString, "The version that holds the label now."},
        {"--move-to-version-id", "MoveToVersionId", T::kString, "The version to attach the label to."}}},
      {"describe-secret", "DescribeSecret", "Shows a secret's metadata (never its value).", {kSecretId}},
      {"list-secrets", "ListSecrets", "Lists the secrets (no values).",
       {{"--include-planned-deletion", "IncludePlannedDeletion", T::kBool, "Include secrets scheduled for deletion."},
        kMaxResults, kNextToken, kFilters,
        {"--sort-order", "SortOrder", T::kString, "asc or desc."},
        {"--sort-by", "SortBy", T::kString, "created-date, last-accessed-date, last-changed-date or name."}},
       false, true},
      {"list-secret-version-ids", "ListSecretVersionIds", "Lists a secret's versions.",
       {kSecretId, kMaxResults, kNextToken,
        {"--include-deprecated", "IncludeDeprecated", T::kBool, "Include versions without labels."}}},
      {"delete-secret", "DeleteSecret", "Schedules a secret for deletion (or deletes it at once).",
       {kSecretId,
        {"--recovery-window-in-days", "RecoveryWindowInDays", T::kInt, "7 to 30 days (default 30)."},
        {"--force-delete-without-recovery", "ForceDeleteWithoutRecovery", T::kBool, "Delete now, no recovery."}}},
      {"restore-secret", "RestoreSecret", "Cancels a scheduled deletion.", {kSecretId}},
      {"tag-resource", "TagResource", "Adds or overwrites tags.", {kSecretId, kTags}},
      {"untag-resource", "UntagResource", "Removes tags.",
       {kSecretId, {"--tag-keys", "TagKeys", T::kStringList, "The tag keys to remove."}}},
      {"get-random-password", "GetRandomPassword", "Generates a random password.",
       {{"--password-length", "PasswordLength", T::kInt, "Length, 1-4096 (default 32)."},
        {"--exclude-characters", "ExcludeCharacters", T::kString, "Characters never to use."},
        {"--exclude-numbers", "ExcludeNumbers", T::kBool, "No digits."},
        {"--exclude-punctuation", "ExcludePunctuation", T::kBool, "No punctuation."},
        {"--exclude-uppercase", "ExcludeUppercase", T::kBool, "No upper-case letters."},
        {"--exclude-lowercase", "ExcludeLowercase", T::kBool, "No lower-case letters."},
        {"--include-space", "IncludeSpace", T::kBool, "Allow the space character."},
        {"--require-each-included-type", "RequireEachIncludedType", T::kBool,
         "At least one character of each included type (default on)."}}},
      {"put-resource-policy", "PutResourcePolicy",
       "Attaches a resource-based permission policy to a secret (replacing the one it has).",
       {Required(kSecretId), kResourcePolicy,
        {"--block-public-policy", "BlockPublicPolicy", T::kBool,
         "Refuse (PublicPolicyException) a policy that allows broad access to the secret,\n"
         "for example one with a wildcard principal."}}},
      {"get-resource-policy", "GetResourcePolicy",
       "Retrieves the JSON text of the resource-based policy attached to a secret.", {Required(kSecretId)}},
      {"delete-resource-policy", "DeleteResourcePolicy",
       "Deletes the resource-based permission policy attached to a secret.", {Required(kSecretId)}},
      {"rotate-secret", "RotateSecret",
       "Configures rotation and starts one: an AWSPENDING version (the token) is made at once\n"
       "and the rotation handler runs createSecret, setSecret, testSecret, finishSecret.",
       {kSecretId,
        {"--client-request-token", "ClientRequestToken", T::kString,
         "Idempotency token (32-64 chars); the new AWSPENDING version's id. Default: a new UUID."},
        {"--rotation-lambda-arn", "RotationLambdaARN", T::kString,
         "The rotation handler, as a Lambda ARN whose function name is the handler's name\n"
         "(arn:aws:lambda:<region>:<account>:function:<name>). Default: the stored one."},
        {"--rotation-handler", "RotationLambdaARN", T::kString,
         "Cairn's shorthand for --rotation-lambda-arn: the handler's name (e.g. postgres)."},
        {"--rotation-rules", "RotationRules", T::kRotationRules,
         "JSON {\"AutomaticallyAfterDays\":N} or {\"ScheduleExpression\":\"rate(4 hours)\"|\"cron(...)\",\n"
         "\"Duration\":\"2h\"}, shorthand AutomaticallyAfterDays=30,Duration=2h, or file://<path>."},
        {"--rotate-immediately", "RotateImmediately", T::kBool,
         "Rotate now (the default); --no-rotate-immediately runs only testSecret now and\n"
         "rotates on the schedule."}},
       true},
      {"cancel-rotate-secret", "CancelRotateSecret",
       "Turns rotation off and stops a rotation in flight; staging labels stay as they are\n"
       "(remove AWSPENDING with update-secret-version-stage before rotating again).",
       {kSecretId}},
      {"put-secret-expiry", "PutSecretExpiry",
       "Cairn's own: sets when a secret's AWSCURRENT value expires. From then on reads of it\n"
       "fail (InvalidRequestException) until a rotation or a new value replaces it; a\n"
       "SecretExpiryWarning event comes --warning-days ahead and a SecretExpired at the time.\n"
       "Needs cairn:PutSecretExpiry on the secret.",
       {Required(kSecretId),
        {"--expires-after-days", "ExpiresAfterDays", T::kInt,
         "Every current version expires this many days (1-3650) after it was created:\n"
         "each rotation or new value starts the clock again."},
        {"--expiration-date", "ExpirationDate", T::kString,
         "The current version expires at this time (2026-12-31T00:00:00Z or epoch seconds);\n"
         "a later version is not bound by it."},
        {"--warning-days", "WarningDays", T::kInt, "Days of warning before the expiry (0-365, default 7)."},
        {"--clear", "Clear", T::kBool, "Removes the expiry."}}},
      {"validate-resource-policy", "ValidateResourcePolicy",
       "Validates that a resource policy is well formed and does not grant a wide range of\n"
       "principals access to a secret; findings come back in ValidationErrors.",
       {{"--secret-id", "SecretId", T::kString,
         "The name or ARN of the secret the policy is meant for (optional)."},
        kResourcePolicy}},
  };
  return commands;
}

ParsedCommand::ParsedCommand(CLI::App& app, const CommandSpec& spec) : spec_(&spec) {
  app_ = app.add_subcommand(spec.name, spec.help);
  for (const ArgSpec& arg : spec.args) {
    auto slot = std::make_unique<Slot>();
    slot->spec = &arg;
    switch (arg.type) {
      case T::kString:
      case T::kSecretString:
      case T::kSecretBinary:
        slot->option = app_->add_option(arg.flag, slot->text, arg.help);
        break;
      case T::kInt:
        slot->option = app_->add_option(arg.flag, slot->number, arg.help);
        break;
      case T::kBool: {
        const std::string off = arg.off ? arg.off : std::string("--no-") + (arg.flag + 2);
        slot->option = app_->add_flag(arg.flag, slot->on, arg.help);
        slot->negation = app_->add_flag(off, slot->off,
                                        std::string(arg.off ? "The opposite of " : "Turn off ") + arg.flag);
        slot->option->excludes(slot->negation);
        break;
      }
      case T::kRotationRules:
        slot->option = app_->add_option(arg.flag, slot->text, arg.help);
        break;
      case T::kStringList:
      case T::kTags:
      case T::kFilters:
      case T::kContextEntries:
        slot->option = app_->add_option(arg.flag, slot->list, arg.help);
        break;
    }
    if (arg.required && arg.type != T::kBool) slot->option->required();
    // Two flags for one member (--rotation-lambda-arn, --rotation-handler): one or the other.
    for (auto& earlier : slots_) {
      if (std::string_view(earlier->spec->member) == arg.member) slot->option->excludes(earlier->option);
    }
    slots_.push_back(std::move(slot));
  }
  // --secret-string and --secret-binary exclude each other, as in the aws CLI.
  CLI::Option* str = nullptr;
  CLI::Option* bin = nullptr;
  for (auto& s : slots_) {
    if (s->spec->type == T::kSecretString) str = s->option;
    if (s->spec->type == T::kSecretBinary) bin = s->option;
  }
  if (str && bin) str->excludes(bin);
}

Result<service::Request> ParsedCommand::BuildRequest() const {
  service::Request request;
  request.operation = spec_->operation;
  if (spec_->fixed != nullptr) request.params = service::Json::parse(spec_->fixed);
  for (const auto& slot : slots_) {
    // The aws CLI's wording: "Error parsing parameter '--tags': ...".
    RETURN_IF_ERROR(Fill(*slot, request).WithContext(std::string("Error parsing parameter '") +
                                                     slot->spec->flag + "'"));
  }
  if (spec_->fills_client_request_token && !request.params.contains("ClientRequestToken")) {
    request.params["ClientRequestToken"] = crypto::NewUuidV4(crypto::SystemRandom());
  }
  return request;
}

Status ParsedCommand::Fill(const Slot& s, service::Request& request) {
  const char* m = s.spec->member;
  if (s.spec->type == T::kBool) {
    if (s.on) request.params[m] = true;
    if (s.off) request.params[m] = false;
    return Status::Ok();
  }
  if (s.option->count() == 0) return Status::Ok();
  switch (s.spec->type) {
    case T::kString: {
      ASSIGN_OR_RETURN(request.params[m], ResolveFileArg(s.text));
      break;
    }
    case T::kInt:
      request.params[m] = s.number;
      break;
    case T::kSecretString: {
      ASSIGN_OR_RETURN(auto bytes, ReadSecretString(s.text));
      request.value = service::SecretValue{projections::ValueKind::kString, std::move(bytes)};
      break;
    }
    case T::kSecretBinary: {
      ASSIGN_OR_RETURN(auto bytes, ReadSecretBinary(s.text));
      request.value = service::SecretValue{projections::ValueKind::kBinary, std::move(bytes)};
      break;
    }
    case T::kStringList: {
      ASSIGN_OR_RETURN(request.params[m], ParseStringList(s.list));
      break;
    }
    case T::kTags: {
      ASSIGN_OR_RETURN(request.params[m], ParseTags(s.list));
      break;
    }
    case T::kFilters: {
      ASSIGN_OR_RETURN(request.params[m], ParseFilters(s.list));
      break;
    }
    case T::kContextEntries: {
      ASSIGN_OR_RETURN(request.params[m], ParseContextEntries(s.list));
      break;
    }
    case T::kRotationRules: {
      ASSIGN_OR_RETURN(std::string text, ResolveFileArg(s.text));
      ASSIGN_OR_RETURN(request.params[m], ParseRotationRules(text));
      break;
    }
    case T::kBool:
      break;
  }
  return Status::Ok();
}

void ParsedCommand::WipeSecrets() {
  for (auto& s : slots_) {
    if (s->spec->type == T::kSecretString || s->spec->type == T::kSecretBinary) {
      crypto::SecureWipe(s->text);
    }
  }
}

}  // namespace cairn::tools
