#include "service/replica.h"

#include "ledger/record.h"
#include "service/decide.h"
#include "service/internal/event_reader.h"

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

Result<ReplicatedRecord> ReplicatedRecord::Decode(std::string bytes, const crypto::Digest& leaf_hash) {
  ReplicatedRecord r;
  r.bytes_ = std::move(bytes);
  r.size_ = r.bytes_.size();
  r.leaf_hash_ = leaf_hash;
  ASSIGN_OR_RETURN(ledger::RecordView view, ledger::DecodeRecordView(r.bytes_));
  auto span = [&r](std::string_view part) {
    return part.empty() ? Span{} : Span{static_cast<size_t>(part.data() - r.bytes_.data()), part.size()};
  };
  r.seq_ = view.seq;
  r.time_unix_ms_ = view.time_unix_ms;
  r.principal_ = span(view.principal);
  r.user_agent_ = span(view.user_agent);
  r.payload_ = span(view.payload);
  Result<const schema::Event*> event = internal::ReadEventAnyAlignment(view.payload, r.payload_copy_);
  if (!event.ok()) {
    r.event_status_ = event.status();
    r.payload_copy_.clear();
    return r;
  }
  r.effects_ = KeyEffectsOf(**event);
  return r;
}

const schema::Event* ReplicatedRecord::EventIn(std::string_view bytes) const {
  if (!event_status_.ok() || bytes.size() != size_) return nullptr;
  // Verified at Decode, in these very bytes (or the aligned copy of them).
  const char* payload = payload_copy_.empty() ? bytes.data() + payload_.offset : payload_copy_.data();
  if (payload_copy_.empty() && reinterpret_cast<uintptr_t>(payload) % 8 != 0) return nullptr;  // moved to a worse place
  return schema::GetEvent(payload);
}

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
