#include "projections/internal/evolve.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "projections/labels.h"
#include "schema/events_generated.h"

namespace cairn::projections::internal {
namespace {

using StringList = flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>;
using TagList = flatbuffers::Vector<flatbuffers::Offset<schema::Tag>>;

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }
std::string_view View(const flatbuffers::String* s) { return s == nullptr ? std::string_view() : s->string_view(); }

std::string Bytes(const flatbuffers::Vector<uint8_t>* bytes) {
  if (bytes == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

std::vector<std::string> Strings(const StringList* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  for (const flatbuffers::String* s : *list) out.push_back(Str(s));
  return out;
}

// Merge by key: an existing key gets the new value in place, new keys go last.
void MergeTags(Secret& secret, const TagList* tags) {
  if (tags == nullptr) return;
  for (const schema::Tag* tag : *tags) {
    std::string key = Str(tag->key());
    std::string value = Str(tag->value());
    auto it = std::find_if(secret.tags.begin(), secret.tags.end(),
                           [&](const auto& kv) { return kv.first == key; });
    if (it != secret.tags.end()) {
      it->second = std::move(value);
    } else {
      secret.tags.emplace_back(std::move(key), std::move(value));
    }
  }
}

bool HasStage(const Secret& secret, const std::string& version_id, const char* stage) {
  const Version* version = secret.FindVersion(version_id);
  return version != nullptr && version->stages.count(stage) != 0;
}

std::optional<int64_t> OptionalMs(int64_t ms) {
  return ms == 0 ? std::nullopt : std::optional<int64_t>(ms);
}

// A member left empty (0, "") was not given.
RotationRules RulesOf(const schema::RotationRules& rules) {
  RotationRules out;
  if (rules.automatically_after_days() != 0) {
    out.automatically_after_days = rules.automatically_after_days();
  }
  if (!Str(rules.schedule_expression()).empty()) {
    out.schedule_expression = Str(rules.schedule_expression());
  }
  if (!Str(rules.duration()).empty()) out.duration = Str(rules.duration());
  return out;
}

// The step after the run's current one; "" after the last.
std::string NextStep(const RotationRun& run) {
  if (run.test_only || run.step == kStepFinishSecret) return "";
  if (run.step == kStepCreateSecret) return kStepSetSecret;
  if (run.step == kStepSetSecret) return kStepTestSecret;
  return kStepFinishSecret;  // after testSecret
}

// One event's application. Each handler validates before it mutates, or mutates
// a copy, so a DataLoss leaves the catalog as it was.
class Evolver {
 public:
  Evolver(Catalog& catalog, const ApplyContext& ctx, schema::Body type)
      : catalog_(catalog), ctx_(ctx), type_(schema::EnumNameBody(type)) {}

  Status Dispatch(const schema::Event& event);

 private:
  template <typename T>
  Status Call(const T* body, Status (Evolver::*handler)(const T&)) {
    if (body == nullptr) return Error("without a body");
    return (this->*handler)(*body);
  }

  Status LedgerInitialized(const schema::LedgerInitialized& body);
  Status Created(const schema::SecretCreated& body);
  Status ValuePut(const schema::SecretValuePut& body);
  Status MetadataUpdated(const schema::SecretMetadataUpdated& body);
  Status StageUpdated(const schema::VersionStageUpdated& body);
  Status Tagged(const schema::SecretTagged& body);
  Status Untagged(const schema::SecretUntagged& body);
  Status DeletionScheduled(const schema::SecretDeletionScheduled& body);
  Status Restored(const schema::SecretRestored& body);
  Status Purged(const schema::SecretPurged& body);
  Status ValueRead(const schema::SecretValueRead& body);
  Status BatchRead(const schema::BatchSecretValuesRead& body);
  Status RotationStarted(const schema::RotationStarted& body);
  Status StepRequested(const schema::RotationStepRequested& body);
  Status StepSucceeded(const schema::RotationStepSucceeded& body);
  Status StepFailed(const schema::RotationStepFailed& body);
  Status RotationSucceeded(const schema::RotationSucceeded& body);
  Status RotationFailed(const schema::RotationFailed& body);
  Status RotationCancelled(const schema::RotationCancelled& body);
  Status ExpirySet(const schema::SecretExpirySet& body);
  Status ExpiryWarning(const schema::SecretExpiryWarning& body);
  Status Expired(const schema::SecretExpired& body);

  Status WriteVersion(Secret& secret, const schema::VersionWritten& written);
  Status WriteVersionAndPrune(Secret& secret, const schema::VersionWritten& written);
  Status Prune(Secret& secret, const StringList* ids);
  Result<ValueKind> KindOf(uint8_t value_kind) const;
  bool MarkAccessed(Secret& secret, Version& version);
  Status CheckStartVersion(const Secret& secret, const schema::RotationStarted& body) const;
  Result<RotationRun*> ActiveRun(Secret& secret, const flatbuffers::String* token) const;
  Result<RotationRun*> ReportedRun(Secret& secret, const flatbuffers::String* token,
                                   const flatbuffers::String* step) const;

  Status Error(const std::string& what) const {
    return DataLossError("seq " + std::to_string(ctx_.seq) + ": " + type_ + " " + what);
  }
  Result<Secret*> Find(const flatbuffers::String* arn) const;
  void Touch(const std::string& arn) {
    if (ctx_.touched != nullptr) ctx_.touched->push_back(arn);
  }
  void Changed(Secret& secret) {
    secret.last_changed_ms = ctx_.time_ms;
    Touch(secret.arn);
  }

  Catalog& catalog_;
  const ApplyContext& ctx_;
  std::string type_;
};

Status Evolver::Dispatch(const schema::Event& event) {
  using schema::Body;
  switch (event.body_type()) {
    case Body::LedgerInitialized:
      return Call(event.body_as_LedgerInitialized(), &Evolver::LedgerInitialized);
    case Body::SecretCreated:
      return Call(event.body_as_SecretCreated(), &Evolver::Created);
    case Body::SecretValuePut:
      return Call(event.body_as_SecretValuePut(), &Evolver::ValuePut);
    case Body::SecretMetadataUpdated:
      return Call(event.body_as_SecretMetadataUpdated(), &Evolver::MetadataUpdated);
    case Body::VersionStageUpdated:
      return Call(event.body_as_VersionStageUpdated(), &Evolver::StageUpdated);
    case Body::SecretTagged:
      return Call(event.body_as_SecretTagged(), &Evolver::Tagged);
    case Body::SecretUntagged:
      return Call(event.body_as_SecretUntagged(), &Evolver::Untagged);
    case Body::SecretDeletionScheduled:
      return Call(event.body_as_SecretDeletionScheduled(), &Evolver::DeletionScheduled);
    case Body::SecretRestored:
      return Call(event.body_as_SecretRestored(), &Evolver::Restored);
    case Body::SecretPurged:
      return Call(event.body_as_SecretPurged(), &Evolver::Purged);
    case Body::SecretValueRead:
      return Call(event.body_as_SecretValueRead(), &Evolver::ValueRead);
    case Body::BatchSecretValuesRead:
      return Call(event.body_as_BatchSecretValuesRead(), &Evolver::BatchRead);
    case Body::RotationStarted:
      return Call(event.body_as_RotationStarted(), &Evolver::RotationStarted);
    case Body::RotationStepRequested:
      return Call(event.body_as_RotationStepRequested(), &Evolver::StepRequested);
    case Body::RotationStepSucceeded:
      return Call(event.body_as_RotationStepSucceeded(), &Evolver::StepSucceeded);
    case Body::RotationStepFailed:
      return Call(event.body_as_RotationStepFailed(), &Evolver::StepFailed);
    case Body::RotationSucceeded:
      return Call(event.body_as_RotationSucceeded(), &Evolver::RotationSucceeded);
    case Body::RotationFailed:
      return Call(event.body_as_RotationFailed(), &Evolver::RotationFailed);
    case Body::RotationCancelled:
      return Call(event.body_as_RotationCancelled(), &Evolver::RotationCancelled);
    case Body::SecretExpirySet:
      return Call(event.body_as_SecretExpirySet(), &Evolver::ExpirySet);
    case Body::SecretExpiryWarning:
      return Call(event.body_as_SecretExpiryWarning(), &Evolver::ExpiryWarning);
    case Body::SecretExpired:
      return Call(event.body_as_SecretExpired(), &Evolver::Expired);
    case Body::SecretDescribed:
    case Body::SecretsListed:
    case Body::SecretVersionIdsListed:
    case Body::RandomPasswordGenerated:
    case Body::OperationFailed:
    case Body::SecretUnchanged:
    case Body::PrincipalCreated:  // PrincipalsView's (projections/principals.h)
    case Body::PrincipalsListed:
    case Body::AuditRecordsRead:
    case Body::ReplicaSeedRead:
    case Body::ReplicaSnapshotRead:
    case Body::ReplicaPromoted:
    case Body::ReplicaStatusReported:
    case Body::ReplicaStatusRead:
    case Body::UnauthenticatedAttempts:
    case Body::CheckpointRead:
    case Body::ProofRead:
    case Body::CheckpointsListed:
    case Body::PrincipalUpdated:  // PrincipalsView's and PoliciesView's (projections/policies.h)
    case Body::PrincipalKeyRotated:
    case Body::PrincipalDeleted:
    case Body::PolicyCreated:
    case Body::PolicyDeleted:
    case Body::PrincipalPolicyAttached:
    case Body::PrincipalPolicyDetached:
    case Body::PoliciesListed:
    case Body::PolicyRead:
    case Body::PolicySimulated:
    case Body::ResourcePolicyPut:
    case Body::ResourcePolicyDeleted:
    case Body::ResourcePolicyRead:
    case Body::ResourcePolicyValidated:
    case Body::AccessDenied:
    case Body::AccessKeyCreated:  // PrincipalsView's (projections/principals.h)
    case Body::AccessKeyUpdated:
    case Body::AccessKeyDeleted:
    case Body::AccessKeysListed:
    case Body::RotationStatusRead:  // reads
    case Body::RotationsListed:
      return Status::Ok();
    case Body::NONE:
      return DataLossError("seq " + std::to_string(ctx_.seq) + ": event without a body");
  }
  // A body type this build does not know: replaying past it would diverge.
  return DataLossError("seq " + std::to_string(ctx_.seq) + ": unknown event body type " +
                       std::to_string(static_cast<int>(event.body_type())));
}

Result<Secret*> Evolver::Find(const flatbuffers::String* arn) const {
  Secret* secret = catalog_.secrets.Find(View(arn));
  if (secret == nullptr) return Error("for unknown secret " + Str(arn));
  return secret;
}

Result<ValueKind> Evolver::KindOf(uint8_t value_kind) const {
  if (value_kind > static_cast<uint8_t>(ValueKind::kBinary)) {
    return Error("with unknown value kind " + std::to_string(value_kind));
  }
  return static_cast<ValueKind>(value_kind);
}

Status Evolver::LedgerInitialized(const schema::LedgerInitialized& body) {
  catalog_.info.ledger_id = Str(body.ledger_id());
  catalog_.info.region = Str(body.region());
  catalog_.info.account_id = Str(body.account_id());
  catalog_.info.master_key_id = Str(body.master_key_id());
  return Status::Ok();
}

Status Evolver::Created(const schema::SecretCreated& body) {
  const std::string arn = Str(body.arn());
  const std::string name = Str(body.name());
  if (arn.empty()) return Error("without an ARN");
  if (catalog_.secrets.Find(arn) != nullptr) return Error("for existing secret " + arn);
  if (auto it = catalog_.name_index.find(name); it != catalog_.name_index.end()) {
    return Error("reuses the name " + name + " of secret " + it->second);
  }
  Secret secret;
  secret.arn = arn;
  secret.name = name;
  if (body.has_description()) secret.description = Str(body.description());
  secret.kms_key_id = Str(body.kms_key_id());
  MergeTags(secret, body.tags());
  secret.ever_tagged = !secret.tags.empty();
  secret.created_ms = ctx_.time_ms;
  secret.last_changed_ms = ctx_.time_ms;
  if (const schema::VersionWritten* written = body.version()) {
    if (written->pruned_version_ids() != nullptr && written->pruned_version_ids()->size() != 0) {
      return Error("prunes versions of the new secret " + arn);
    }
    RETURN_IF_ERROR(WriteVersion(secret, *written));
    // The first version always carries AWSCURRENT (§3.2.1 rule 6).
    AttachStagesToNewVersion(secret, Str(written->version_id()), {kAwsCurrent});
  }
  catalog_.name_index[name] = arn;
  catalog_.secrets.Insert(std::move(secret));
  Touch(arn);
  return Status::Ok();
}

Status Evolver::ValuePut(const schema::SecretValuePut& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  if (body.version() == nullptr) return Error("without a version for " + secret->arn);
  RETURN_IF_ERROR(WriteVersionAndPrune(*secret, *body.version()));
  Changed(*secret);
  return Status::Ok();
}

// Works on a copy so that a contradiction found late leaves `secret` unchanged.
Status Evolver::WriteVersionAndPrune(Secret& secret, const schema::VersionWritten& written) {
  Secret next = secret;
  RETURN_IF_ERROR(WriteVersion(next, written));
  RETURN_IF_ERROR(Prune(next, written.pruned_version_ids()));
  secret = std::move(next);
  return Status::Ok();
}

// Inserts the version, or fills the rotation placeholder of the same id, and
// attaches its stages by AWS's rules. A write that takes AWSPENDING off the
// rotation run's version abandons the run (RotationAbandoned).
Status Evolver::WriteVersion(Secret& secret, const schema::VersionWritten& written) {
  const std::string id = Str(written.version_id());
  if (id.empty()) return Error("writes a version without an id to " + secret.arn);
  ASSIGN_OR_RETURN(ValueKind kind, KindOf(written.value_kind()));
  auto it = secret.versions.find(id);
  if (it != secret.versions.end() && it->second.kind != ValueKind::kNone) {
    return Error("rewrites version " + id + " of " + secret.arn);
  }
  if (it == secret.versions.end()) {
    Version version;
    version.version_id = id;
    version.created_ms = ctx_.time_ms;
    version.created_order = secret.next_version_order++;
    it = secret.versions.emplace(id, std::move(version)).first;
  }
  if (kind != ValueKind::kNone) {
    it->second.kind = kind;
    it->second.value_seq = ctx_.seq;
    it->second.kek_version = written.kek_version();
    it->second.value_digest = Bytes(written.value_digest());
  }
  const bool pending_on_run =
      secret.rotation.has_value() && HasStage(secret, secret.rotation->token, kAwsPending);
  AttachStagesToNewVersion(secret, id, Strings(written.stages()));
  if (pending_on_run && !HasStage(secret, secret.rotation->token, kAwsPending)) {
    secret.rotation.reset();
  }
  return Status::Ok();
}

Status Evolver::Prune(Secret& secret, const StringList* ids) {
  for (const std::string& id : Strings(ids)) {
    auto it = secret.versions.find(id);
    if (it == secret.versions.end()) {
      return Error("prunes unknown version " + id + " of " + secret.arn);
    }
    if (!it->second.stages.empty()) {
      return Error("prunes labelled version " + id + " of " + secret.arn);
    }
    secret.versions.erase(it);
  }
  return Status::Ok();
}

Status Evolver::MetadataUpdated(const schema::SecretMetadataUpdated& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  if (body.version() != nullptr) RETURN_IF_ERROR(WriteVersionAndPrune(*secret, *body.version()));
  if (body.has_description()) secret->description = Str(body.description());
  if (body.has_kms_key_id()) secret->kms_key_id = Str(body.kms_key_id());
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::StageUpdated(const schema::VersionStageUpdated& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  const std::string stage = Str(body.stage());
  if (stage.empty()) return Error("without a stage for " + secret->arn);
  for (const std::string& id :
       {Str(body.remove_from_version_id()), Str(body.move_to_version_id())}) {
    if (!id.empty() && secret->FindVersion(id) == nullptr) {
      return Error("names unknown version " + id + " of " + secret->arn);
    }
  }
  MoveStage(*secret, stage, Str(body.remove_from_version_id()), Str(body.move_to_version_id()));
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::Tagged(const schema::SecretTagged& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  MergeTags(*secret, body.tags());
  secret->ever_tagged = true;
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::Untagged(const schema::SecretUntagged& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  const std::vector<std::string> keys = Strings(body.tag_keys());
  std::erase_if(secret->tags, [&](const auto& kv) {
    return std::find(keys.begin(), keys.end(), kv.first) != keys.end();
  });
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::DeletionScheduled(const schema::SecretDeletionScheduled& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  secret->deletion_date_ms = body.deletion_date_unix_ms();
  secret->deletion_forced = body.recovery_window_days() == 0;
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::Restored(const schema::SecretRestored& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  secret->deletion_date_ms.reset();
  secret->deletion_forced = false;
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::Purged(const schema::SecretPurged& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  const std::string arn = secret->arn;
  auto name = catalog_.name_index.find(secret->name);
  if (name != catalog_.name_index.end() && name->second == arn) catalog_.name_index.erase(name);
  catalog_.secrets.Erase(arn);
  Touch(arn);
  return Status::Ok();
}

// Sets the day-resolution last-accessed dates; true if either changed.
bool Evolver::MarkAccessed(Secret& secret, Version& version) {
  const int64_t day = TruncateToDay(ctx_.time_ms);
  const bool changed = secret.last_accessed_ms != day || version.last_accessed_ms != day;
  secret.last_accessed_ms = day;
  version.last_accessed_ms = day;
  return changed;
}

Status Evolver::ValueRead(const schema::SecretValueRead& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  auto version = secret->versions.find(View(body.version_id()));
  if (version == secret->versions.end()) {
    return Error("reads unknown version " + Str(body.version_id()) + " of " + secret->arn);
  }
  if (MarkAccessed(*secret, version->second)) Touch(secret->arn);
  return Status::Ok();
}

Status Evolver::BatchRead(const schema::BatchSecretValuesRead& body) {
  const std::vector<std::string> arns = Strings(body.arns());
  const std::vector<std::string> ids = Strings(body.version_ids());
  if (arns.size() != ids.size()) {
    return Error("lists " + std::to_string(arns.size()) + " ARNs but " +
                 std::to_string(ids.size()) + " version ids");
  }
  std::vector<std::pair<Secret*, Version*>> reads;
  for (size_t i = 0; i < arns.size(); ++i) {  // validate all before touching any
    Secret* secret = catalog_.secrets.Find(arns[i]);
    if (secret == nullptr) return Error("for unknown secret " + arns[i]);
    auto version = secret->versions.find(ids[i]);
    if (version == secret->versions.end()) {
      return Error("reads unknown version " + ids[i] + " of " + arns[i]);
    }
    reads.emplace_back(secret, &version->second);
  }
  std::set<std::string> touched;
  for (size_t i = 0; i < arns.size(); ++i) {
    if (MarkAccessed(*reads[i].first, *reads[i].second) && touched.insert(arns[i]).second) Touch(arns[i]);
  }
  return Status::Ok();
}

// --- Rotation (the run's state machine: projections/secrets.h, RotationRun) ---

// The placeholder `body` creates, or the version a run without one works on:
// AWSCURRENT's for a test-only run, AWSPENDING's for a resumed one.
Status Evolver::CheckStartVersion(const Secret& secret, const schema::RotationStarted& body) const {
  const std::string token = Str(body.token());
  if (const schema::VersionWritten* written = body.version()) {
    if (body.test_only()) return Error("creates a version for a test-only run of " + secret.arn);
    if (Str(written->version_id()) != token) {
      return Error("creates version " + Str(written->version_id()) + ", not its token " + token +
                   ", for " + secret.arn);
    }
    if (written->value_kind() != static_cast<uint8_t>(ValueKind::kNone)) {
      return Error("creates version " + token + " of " + secret.arn + " with a value");
    }
    return Status::Ok();
  }
  const char* stage = body.test_only() ? kAwsCurrent : kAwsPending;
  if (!HasStage(secret, token, stage)) {
    return Error("runs on version " + token + " of " + secret.arn + ", which is not " + stage);
  }
  return Status::Ok();
}

// A new run replaces the secret's last one, failed or not: the service
// decides when a start is allowed, and a start is what the log says happened.
Status Evolver::RotationStarted(const schema::RotationStarted& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  const std::string token = Str(body.token());
  if (token.empty()) return Error("without a token for " + secret->arn);
  RETURN_IF_ERROR(CheckStartVersion(*secret, body));
  Secret next = *secret;
  if (body.version() != nullptr) RETURN_IF_ERROR(WriteVersionAndPrune(next, *body.version()));
  next.rotation_enabled = true;
  next.rotation_lambda_arn = Str(body.rotation_lambda_arn());
  if (body.rules() != nullptr) next.rotation_rules = RulesOf(*body.rules());
  next.next_rotation_ms = OptionalMs(body.next_rotation_unix_ms());
  RotationRun run;
  run.token = token;
  run.handler = Str(body.handler());
  run.test_only = body.test_only();
  run.step = body.test_only() ? kStepTestSecret : kStepCreateSecret;
  run.started_ms = ctx_.time_ms;
  next.rotation = std::move(run);
  *secret = std::move(next);
  Changed(*secret);
  return Status::Ok();
}

// The secret's run, if `token` names it and it has not failed.
Result<RotationRun*> Evolver::ActiveRun(Secret& secret, const flatbuffers::String* token) const {
  if (!secret.rotation.has_value()) return Error("for " + secret.arn + ", which has no rotation");
  RotationRun& run = *secret.rotation;
  if (run.token != Str(token)) {
    return Error("for token " + Str(token) + ", not the token " + run.token + " of the run of " +
                 secret.arn);
  }
  if (run.failed) return Error("for the failed run " + run.token + " of " + secret.arn);
  return &run;
}

// The active run, if `step` is its current step and was requested: the only
// step a handler may report on or the orchestrator time out.
Result<RotationRun*> Evolver::ReportedRun(Secret& secret, const flatbuffers::String* token,
                                          const flatbuffers::String* step) const {
  ASSIGN_OR_RETURN(RotationRun * run, ActiveRun(secret, token));
  if (run->step != Str(step) || !run->step_requested) {
    return Error("for step " + Str(step) + " of run " + run->token + " of " + secret.arn +
                 ", which awaits no report of it");
  }
  return run;
}

Status Evolver::StepRequested(const schema::RotationStepRequested& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  ASSIGN_OR_RETURN(RotationRun * run, ActiveRun(*secret, body.token()));
  if (run->step.empty() || run->step != Str(body.step())) {
    return Error("requests step " + Str(body.step()) + " of run " + run->token + " of " +
                 secret->arn + ", which is at step '" + run->step + "'");
  }
  run->step_requested = true;
  run->step_requested_ms = ctx_.time_ms;
  run->step_deadline_ms = body.deadline_unix_ms();
  Touch(secret->arn);
  return Status::Ok();
}

Status Evolver::StepSucceeded(const schema::RotationStepSucceeded& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  ASSIGN_OR_RETURN(RotationRun * run, ReportedRun(*secret, body.token(), body.step()));
  run->step = NextStep(*run);
  run->step_requested = false;
  run->step_requested_ms = 0;
  run->step_deadline_ms = 0;
  run->attempts = 0;
  run->last_error.clear();
  Touch(secret->arn);
  return Status::Ok();
}

Status Evolver::StepFailed(const schema::RotationStepFailed& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  ASSIGN_OR_RETURN(RotationRun * run, ReportedRun(*secret, body.token(), body.step()));
  ++run->attempts;
  run->step_requested = false;
  run->step_requested_ms = 0;
  run->step_deadline_ms = 0;
  run->last_failure_ms = ctx_.time_ms;
  run->last_error = Str(body.reason());
  Touch(secret->arn);
  return Status::Ok();
}

// finishSecret done: AWSCURRENT moves to the token's version as
// UpdateSecretVersionStage moves it (AWSPREVIOUS onto the old current), then
// AWSPENDING leaves it. A test-only run only ends.
Status Evolver::RotationSucceeded(const schema::RotationSucceeded& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  ASSIGN_OR_RETURN(RotationRun * run, ActiveRun(*secret, body.token()));
  if (!run->step.empty() || run->test_only != body.test_only()) {
    return Error("ends run " + run->token + " of " + secret->arn + " at step '" + run->step +
                 "' (test-only " + (run->test_only ? "true" : "false") + ")");
  }
  if (run->test_only) {
    secret->rotation.reset();
    Touch(secret->arn);
    return Status::Ok();
  }
  const std::string token = run->token;
  if (secret->FindVersion(token) == nullptr) {
    return Error("promotes unknown version " + token + " of " + secret->arn);
  }
  const Version* current = secret->VersionWithStage(kAwsCurrent);
  const std::string previous =
      current != nullptr && current->version_id != token ? current->version_id : "";
  if (Str(body.previous_version_id()) != previous) {
    return Error("names " + Str(body.previous_version_id()) + " as the previous version of " +
                 secret->arn + ", whose AWSCURRENT is on '" + previous + "'");
  }
  MoveStage(*secret, kAwsCurrent, previous, token);
  MoveStage(*secret, kAwsPending, token, "");
  secret->rotation.reset();
  secret->last_rotated_ms = ctx_.time_ms;
  secret->next_rotation_ms = OptionalMs(body.next_rotation_unix_ms());
  Changed(*secret);
  return Status::Ok();
}

// Labels stay: AWSPENDING keeps the value createSecret stored for a resumed run.
Status Evolver::RotationFailed(const schema::RotationFailed& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  ASSIGN_OR_RETURN(RotationRun * run, ActiveRun(*secret, body.token()));
  run->failed = true;
  Touch(secret->arn);
  return Status::Ok();
}

// Rotation off and the run dropped; rules and handler stay. AWSPENDING leaves
// the run's version (in flight or failed) unless that is AWSCURRENT, so the
// next RotateSecret can start (issue 5; AWS leaves it to the caller, §2.13);
// the other labels stay. The token is the run's, or "" when none is in flight
// (no run, or a failed one).
Status Evolver::RotationCancelled(const schema::RotationCancelled& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  const std::string token = Str(body.token());
  const RotationRun* run = secret->rotation ? &*secret->rotation : nullptr;
  const bool matches =
      run != nullptr ? run->token == token || (token.empty() && run->failed) : token.empty();
  if (!matches) {
    return Error("for token '" + token + "', not the run of " + secret->arn + " ('" +
                 (run != nullptr ? run->token : "") + "')");
  }
  if (run != nullptr) {
    const Version* pending = secret->FindVersion(run->token);
    if (pending != nullptr && pending->stages.count(kAwsPending) != 0 &&
        pending->stages.count(kAwsCurrent) == 0) {
      MoveStage(*secret, kAwsPending, run->token, "");
    }
  }
  secret->rotation_enabled = false;
  secret->rotation.reset();
  secret->next_rotation_ms.reset();
  Changed(*secret);
  return Status::Ok();
}

// PutSecretExpiry: the expiry replaced (or removed); no version is warned of
// or expired under the new one yet.
Status Evolver::ExpirySet(const schema::SecretExpirySet& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  if (body.cleared()) {
    secret->expiry.reset();
  } else {
    if (body.expires_after_days() <= 0 && Str(body.version_id()).empty()) {
      return Error("sets neither a schedule nor a version's date on " + secret->arn);
    }
    SecretExpiry expiry;
    expiry.expires_after_days = body.expires_after_days();
    expiry.expiration_ms = body.expiration_unix_ms();
    expiry.version_id = Str(body.version_id());
    expiry.warning_days = body.warning_days();
    secret->expiry = std::move(expiry);
  }
  Changed(*secret);
  return Status::Ok();
}

Status Evolver::ExpiryWarning(const schema::SecretExpiryWarning& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  if (!secret->expiry) return Error("for " + secret->arn + ", which has no expiry");
  secret->expiry->warned_version_id = Str(body.version_id());
  Touch(secret->arn);
  return Status::Ok();
}

Status Evolver::Expired(const schema::SecretExpired& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  if (!secret->expiry) return Error("for " + secret->arn + ", which has no expiry");
  secret->expiry->expired_version_id = Str(body.version_id());
  Touch(secret->arn);
  return Status::Ok();
}

}  // namespace

Status ApplyBody(Catalog& catalog, const ApplyContext& ctx, const schema::Event& event) {
  return Evolver(catalog, ctx, event.body_type()).Dispatch(event);
}

int64_t TruncateToDay(int64_t time_ms) {
  int64_t rem = time_ms % kDayMs;
  if (rem < 0) rem += kDayMs;
  return time_ms - rem;
}

}  // namespace cairn::projections::internal
