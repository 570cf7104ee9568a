#include "projections/internal/evolve.h"

#include <algorithm>
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

  Status WriteVersion(Secret& secret, const schema::VersionWritten& written);
  Status WriteVersionAndPrune(Secret& secret, const schema::VersionWritten& written);
  Status Prune(Secret& secret, const StringList* ids);
  Result<ValueKind> KindOf(uint8_t value_kind) const;
  bool MarkAccessed(Secret& secret, const std::string& version_id);

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
    case Body::SecretDescribed:
    case Body::SecretsListed:
    case Body::SecretVersionIdsListed:
    case Body::RandomPasswordGenerated:
    case Body::OperationFailed:
    case Body::SecretUnchanged:
    case Body::PrincipalCreated:  // PrincipalsView's (projections/principals.h)
    case Body::PrincipalsListed:
    case Body::AuditRecordsRead:
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
      return Status::Ok();
    case Body::NONE:
      return DataLossError("seq " + std::to_string(ctx_.seq) + ": event without a body");
  }
  // A body type this build does not know: replaying past it would diverge.
  return DataLossError("seq " + std::to_string(ctx_.seq) + ": unknown event body type " +
                       std::to_string(static_cast<int>(event.body_type())));
}

Result<Secret*> Evolver::Find(const flatbuffers::String* arn) const {
  auto it = catalog_.secrets.find(Str(arn));
  if (it == catalog_.secrets.end()) return Error("for unknown secret " + Str(arn));
  return &it->second;
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
  if (catalog_.secrets.count(arn) != 0) return Error("for existing secret " + arn);
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
  catalog_.secrets.emplace(arn, std::move(secret));
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
// attaches its stages by AWS's rules.
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
  AttachStagesToNewVersion(secret, id, Strings(written.stages()));
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
  catalog_.secrets.erase(arn);
  Touch(arn);
  return Status::Ok();
}

// Sets the day-resolution last-accessed dates; true if either changed.
bool Evolver::MarkAccessed(Secret& secret, const std::string& version_id) {
  const int64_t day = TruncateToDay(ctx_.time_ms);
  Version& version = secret.versions.at(version_id);
  const bool changed = secret.last_accessed_ms != day || version.last_accessed_ms != day;
  secret.last_accessed_ms = day;
  version.last_accessed_ms = day;
  return changed;
}

Status Evolver::ValueRead(const schema::SecretValueRead& body) {
  ASSIGN_OR_RETURN(Secret * secret, Find(body.arn()));
  const std::string id = Str(body.version_id());
  if (secret->FindVersion(id) == nullptr) {
    return Error("reads unknown version " + id + " of " + secret->arn);
  }
  if (MarkAccessed(*secret, id)) Touch(secret->arn);
  return Status::Ok();
}

Status Evolver::BatchRead(const schema::BatchSecretValuesRead& body) {
  const std::vector<std::string> arns = Strings(body.arns());
  const std::vector<std::string> ids = Strings(body.version_ids());
  if (arns.size() != ids.size()) {
    return Error("lists " + std::to_string(arns.size()) + " ARNs but " +
                 std::to_string(ids.size()) + " version ids");
  }
  std::vector<Secret*> secrets;
  for (size_t i = 0; i < arns.size(); ++i) {  // validate all before touching any
    auto it = catalog_.secrets.find(arns[i]);
    if (it == catalog_.secrets.end()) return Error("for unknown secret " + arns[i]);
    if (it->second.FindVersion(ids[i]) == nullptr) {
      return Error("reads unknown version " + ids[i] + " of " + arns[i]);
    }
    secrets.push_back(&it->second);
  }
  std::set<std::string> touched;
  for (size_t i = 0; i < arns.size(); ++i) {
    if (MarkAccessed(*secrets[i], ids[i]) && touched.insert(arns[i]).second) Touch(arns[i]);
  }
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
