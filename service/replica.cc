#include "service/replica.h"

#include "service/decide.h"

namespace cairn::service {
namespace {

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

// A version written with a value puts its wrapped DEK; the versions it pruned
// are destroyed.
void AddVersion(const flatbuffers::String* arn, const schema::VersionWritten* version, KeyEffects& effects) {
  if (version == nullptr) return;
  if (version->value_kind() != 0) effects.puts.push_back(KeyEntryKey(Str(arn), Str(version->version_id())));
  if (version->pruned_version_ids() != nullptr) {
    for (const flatbuffers::String* id : *version->pruned_version_ids()) {
      effects.deletes.push_back(KeyEntryKey(Str(arn), Str(id)));
    }
  }
}

}  // namespace

bool MayPutKeys(std::string_view event_type) {
  return event_type == "SecretCreated" || event_type == "SecretValuePut" || event_type == "SecretMetadataUpdated" ||
         event_type == "RotationStarted" || event_type == "AccessKeyCreated";
}

KeyEffects KeyEffectsOf(const schema::Event& event) {
  KeyEffects effects;
  if (const auto* c = event.body_as_SecretCreated()) {
    AddVersion(c->arn(), c->version(), effects);
  } else if (const auto* p = event.body_as_SecretValuePut()) {
    AddVersion(p->arn(), p->version(), effects);
  } else if (const auto* m = event.body_as_SecretMetadataUpdated()) {
    AddVersion(m->arn(), m->version(), effects);
  } else if (const auto* r = event.body_as_RotationStarted()) {
    AddVersion(r->arn(), r->version(), effects);
  } else if (const auto* purged = event.body_as_SecretPurged()) {
    if (purged->destroyed_version_ids() != nullptr) {
      for (const flatbuffers::String* id : *purged->destroyed_version_ids()) {
        effects.deletes.push_back(KeyEntryKey(Str(purged->arn()), Str(id)));
      }
    }
  } else if (const auto* k = event.body_as_AccessKeyCreated()) {
    effects.puts.push_back(AccessKeyEntryKey(Str(k->access_key_id())));
  } else if (const auto* kd = event.body_as_AccessKeyDeleted()) {
    effects.deletes.push_back(AccessKeyEntryKey(Str(kd->access_key_id())));
  } else if (const auto* pd = event.body_as_PrincipalDeleted()) {
    if (pd->access_key_ids() != nullptr) {
      for (const flatbuffers::String* id : *pd->access_key_ids()) {
        effects.deletes.push_back(AccessKeyEntryKey(Str(id)));
      }
    }
  }
  return effects;
}

}  // namespace cairn::service
