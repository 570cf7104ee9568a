// Test helpers that build schema::Event buffers with the generated Create*
// functions, the way the service does, so tests feed SecretsView::Apply real
// FlatBuffers bytes.
#ifndef CAIRN_TESTS_PROJECTIONS_EVENT_BUILDERS_H_
#define CAIRN_TESTS_PROJECTIONS_EVENT_BUILDERS_H_

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "projections/secrets.h"
#include "schema/events_generated.h"

namespace cairn::projections::testing {

// One verified event buffer; event() borrows from it.
class EventBytes {
 public:
  explicit EventBytes(flatbuffers::DetachedBuffer buffer) : buffer_(std::move(buffer)) {}
  const schema::Event& event() const { return *schema::GetEvent(buffer_.data()); }
  // The encoded event, as a record's payload.
  std::string bytes() const {
    return std::string(reinterpret_cast<const char*>(buffer_.data()), buffer_.size());
  }
  bool Verifies() const {
    flatbuffers::Verifier verifier(buffer_.data(), buffer_.size());
    return schema::VerifyEventBuffer(verifier);
  }

 private:
  flatbuffers::DetachedBuffer buffer_;
};

// A VersionWritten. Defaults: a SecretString version taking AWSCURRENT, which
// is what the service sends for PutSecretValue / UpdateSecret without stages.
struct VersionSpec {
  VersionSpec(std::string id_in,  // NOLINT: implicit so {"v2", {stages}} reads like a table
              std::vector<std::string> stages_in = {kAwsCurrent},
              ValueKind kind_in = ValueKind::kString, uint32_t kek_version_in = 1,
              std::vector<std::string> pruned_in = {}, std::string digest_in = "digest")
      : id(std::move(id_in)),
        stages(std::move(stages_in)),
        kind(kind_in),
        kek_version(kek_version_in),
        pruned(std::move(pruned_in)),
        digest(std::move(digest_in)) {}

  std::string id;
  std::vector<std::string> stages;
  ValueKind kind;
  uint32_t kek_version;
  std::vector<std::string> pruned;
  std::string digest;
};

using TagList = std::vector<std::pair<std::string, std::string>>;

// Builds events. With a non-empty error_code every event is a failed call.
class Events {
 public:
  explicit Events(std::string error_code = "") : error_code_(std::move(error_code)) {}

  EventBytes LedgerInitialized(const std::string& ledger_id, const std::string& region,
                               const std::string& account_id,
                               const std::string& master_key_id) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateLedgerInitializedDirect(fbb, ledger_id.c_str(), region.c_str(),
                                                      account_id.c_str(), master_key_id.c_str());
    return Finish(fbb, schema::Body::LedgerInitialized, body);
  }

  EventBytes Created(const std::string& arn, const std::string& name,
                     const std::optional<VersionSpec>& version, const TagList& tags = {},
                     const std::optional<std::string>& description = std::nullopt,
                     const std::string& kms_key_id = "") const {
    flatbuffers::FlatBufferBuilder fbb;
    auto tag_offsets = Tags(fbb, tags);
    flatbuffers::Offset<schema::VersionWritten> written = 0;
    if (version) written = Version(fbb, *version);
    auto body = schema::CreateSecretCreatedDirect(
        fbb, arn.c_str(), name.c_str(), description ? description->c_str() : nullptr,
        description.has_value(), kms_key_id.c_str(), &tag_offsets, written);
    return Finish(fbb, schema::Body::SecretCreated, body);
  }

  EventBytes Put(const std::string& arn, const VersionSpec& version) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto written = Version(fbb, version);
    auto body = schema::CreateSecretValuePutDirect(fbb, arn.c_str(), written);
    return Finish(fbb, schema::Body::SecretValuePut, body);
  }

  // A SecretValuePut without a value: RotateSecret's AWSPENDING placeholder.
  EventBytes Placeholder(const std::string& arn, const std::string& version_id) const {
    return Put(arn, {version_id, {kAwsPending}, ValueKind::kNone, 0, {}, ""});
  }

  EventBytes MetadataUpdated(const std::string& arn, const std::optional<std::string>& description,
                             const std::optional<std::string>& kms_key_id,
                             const std::optional<VersionSpec>& version = std::nullopt) const {
    flatbuffers::FlatBufferBuilder fbb;
    flatbuffers::Offset<schema::VersionWritten> written = 0;
    if (version) written = Version(fbb, *version);
    auto body = schema::CreateSecretMetadataUpdatedDirect(
        fbb, arn.c_str(), description ? description->c_str() : nullptr, description.has_value(),
        kms_key_id ? kms_key_id->c_str() : nullptr, kms_key_id.has_value(), written);
    return Finish(fbb, schema::Body::SecretMetadataUpdated, body);
  }

  EventBytes StageUpdated(const std::string& arn, const std::string& stage,
                          const std::string& remove_from, const std::string& move_to) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateVersionStageUpdatedDirect(fbb, arn.c_str(), stage.c_str(),
                                                        remove_from.c_str(), move_to.c_str());
    return Finish(fbb, schema::Body::VersionStageUpdated, body);
  }

  EventBytes Tagged(const std::string& arn, const TagList& tags) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto tag_offsets = Tags(fbb, tags);
    auto body = schema::CreateSecretTaggedDirect(fbb, arn.c_str(), &tag_offsets);
    return Finish(fbb, schema::Body::SecretTagged, body);
  }

  EventBytes Untagged(const std::string& arn, const std::vector<std::string>& keys) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto key_offsets = Strings(fbb, keys);
    auto body = schema::CreateSecretUntaggedDirect(fbb, arn.c_str(), &key_offsets);
    return Finish(fbb, schema::Body::SecretUntagged, body);
  }

  EventBytes DeletionScheduled(const std::string& arn, int64_t deletion_date_ms,
                               int32_t recovery_window_days) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateSecretDeletionScheduledDirect(fbb, arn.c_str(), deletion_date_ms,
                                                            recovery_window_days);
    return Finish(fbb, schema::Body::SecretDeletionScheduled, body);
  }

  EventBytes Restored(const std::string& arn) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateSecretRestoredDirect(fbb, arn.c_str());
    return Finish(fbb, schema::Body::SecretRestored, body);
  }

  EventBytes Purged(const std::string& arn, const std::vector<std::string>& destroyed = {},
                    bool forced = false) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto ids = Strings(fbb, destroyed);
    auto body = schema::CreateSecretPurgedDirect(fbb, arn.c_str(), &ids, forced);
    return Finish(fbb, schema::Body::SecretPurged, body);
  }

  EventBytes ValueRead(const std::string& arn, const std::string& version_id) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateSecretValueReadDirect(fbb, arn.c_str(), version_id.c_str());
    return Finish(fbb, schema::Body::SecretValueRead, body);
  }

  EventBytes BatchRead(const std::vector<std::string>& arns,
                       const std::vector<std::string>& version_ids, uint32_t errors = 0) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto arn_offsets = Strings(fbb, arns);
    auto id_offsets = Strings(fbb, version_ids);
    auto body = schema::CreateBatchSecretValuesReadDirect(fbb, &arn_offsets, &id_offsets, errors);
    return Finish(fbb, schema::Body::BatchSecretValuesRead, body);
  }

  EventBytes Described(const std::string& arn) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateSecretDescribedDirect(fbb, arn.c_str());
    return Finish(fbb, schema::Body::SecretDescribed, body);
  }

  EventBytes Listed(uint32_t count) const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::SecretsListed, schema::CreateSecretsListed(fbb, count));
  }

  EventBytes VersionIdsListed(const std::string& arn, uint32_t count) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateSecretVersionIdsListedDirect(fbb, arn.c_str(), count);
    return Finish(fbb, schema::Body::SecretVersionIdsListed, body);
  }

  EventBytes PasswordGenerated(uint32_t length) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateRandomPasswordGenerated(fbb, length);
    return Finish(fbb, schema::Body::RandomPasswordGenerated, body);
  }

  EventBytes OperationFailed() const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::OperationFailed, schema::CreateOperationFailed(fbb));
  }

  EventBytes Unchanged(const std::string& arn, const std::string& version_id,
                       const std::string& reason) const {
    flatbuffers::FlatBufferBuilder fbb;
    auto body =
        schema::CreateSecretUnchangedDirect(fbb, arn.c_str(), version_id.c_str(), reason.c_str());
    return Finish(fbb, schema::Body::SecretUnchanged, body);
  }

  // An Event whose body union is empty.
  EventBytes WithoutBody() const {
    flatbuffers::FlatBufferBuilder fbb;
    return Finish(fbb, schema::Body::NONE, flatbuffers::Offset<void>(0));
  }

 private:
  static std::vector<flatbuffers::Offset<flatbuffers::String>> Strings(
      flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::string>& strings) {
    std::vector<flatbuffers::Offset<flatbuffers::String>> out;
    for (const std::string& s : strings) out.push_back(fbb.CreateString(s));
    return out;
  }

  static std::vector<flatbuffers::Offset<schema::Tag>> Tags(flatbuffers::FlatBufferBuilder& fbb,
                                                            const TagList& tags) {
    std::vector<flatbuffers::Offset<schema::Tag>> out;
    for (const auto& [key, value] : tags) {
      out.push_back(schema::CreateTagDirect(fbb, key.c_str(), value.c_str()));
    }
    return out;
  }

  static flatbuffers::Offset<schema::VersionWritten> Version(flatbuffers::FlatBufferBuilder& fbb,
                                                             const VersionSpec& v) {
    auto id = fbb.CreateString(v.id);
    auto stages = fbb.CreateVector(Strings(fbb, v.stages));
    const std::vector<uint8_t> ciphertext = {0xc1, 0xfe, 0x00};
    auto cipher = fbb.CreateVector(ciphertext);
    auto pruned = fbb.CreateVector(Strings(fbb, v.pruned));
    auto digest =
        fbb.CreateVector(reinterpret_cast<const uint8_t*>(v.digest.data()), v.digest.size());
    return schema::CreateVersionWritten(fbb, id, stages, static_cast<uint8_t>(v.kind), cipher,
                                        v.kek_version, pruned, digest);
  }

  template <typename T>
  EventBytes Finish(flatbuffers::FlatBufferBuilder& fbb, schema::Body type,
                    flatbuffers::Offset<T> body) const {
    const std::string action = schema::EnumNameBody(type);
    auto audit = schema::CreateAuditDirect(fbb, action.c_str(), "", false, "AwsApiCall",
                                           error_code_.c_str(), "", "{}");
    auto event = schema::CreateEvent(fbb, audit, type, body.Union());
    schema::FinishEventBuffer(fbb, event);
    return EventBytes(fbb.Release());
  }

  std::string error_code_;
};

}  // namespace cairn::projections::testing

#endif  // CAIRN_TESTS_PROJECTIONS_EVENT_BUILDERS_H_
