#include "service/internal/new_version.h"

#include <algorithm>
#include <set>

#include "crypto/hash.h"
#include "projections/labels.h"
#include "service/internal/errors.h"
#include "service/internal/outcome.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

std::vector<std::string> Sorted(const std::set<std::string>& stages) {
  return std::vector<std::string>(stages.begin(), stages.end());
}

// Applies the labels to a copy of the secret and checks the quotas.
Status PreviewLabels(const projections::Secret* secret, const DecideEnv& env, NewVersion& nv) {
  projections::Secret copy = secret != nullptr ? *secret : projections::Secret{};
  if (copy.VersionWithStage(projections::kAwsCurrent) == nullptr &&
      std::find(nv.stages.begin(), nv.stages.end(), projections::kAwsCurrent) == nv.stages.end()) {
    nv.stages.insert(nv.stages.begin(), projections::kAwsCurrent);
  }
  projections::Version v;
  v.version_id = nv.version_id;
  v.created_ms = env.now_ms;
  v.created_order = copy.next_version_order;
  v.kind = nv.kind;
  copy.versions[nv.version_id] = v;
  projections::AttachStagesToNewVersion(copy, nv.version_id, nv.stages);
  if (projections::CountLabels(copy) > kMaxLabelsPerSecret) {
    return ResourceExhaustedError(
        "You can't attach more than 20 staging labels to the versions of a secret.");
  }
  nv.resulting_stages = Sorted(copy.versions[nv.version_id].stages);
  if (copy.versions.size() > kMaxVersionsPerSecret) {
    nv.pruned_version_ids = projections::VersionsToPrune(copy, env.now_ms, kMaxVersionsPerSecret);
    if (copy.versions.size() - nv.pruned_version_ids.size() > kMaxVersionsPerSecret) {
      return ResourceExhaustedError(
          "You can't create more than 100 versions of a secret; deprecated versions younger than "
          "24 hours "
          "are not removed.");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<NewVersion> PrepareVersion(const projections::Secret* secret, const std::string& arn,
                                  const std::string& version_id, std::vector<std::string> stages,
                                  const SecretValue& value, const DecideEnv& env) {
  if (env.keyring == nullptr || env.rng == nullptr)
    return InternalError("the service has no keyring");
  NewVersion nv;
  nv.version_id = version_id;
  nv.stages = std::move(stages);
  nv.kind = value.kind;
  const projections::Version* placeholder =
      secret != nullptr ? secret->FindVersion(version_id) : nullptr;
  if (placeholder != nullptr) {  // a rotation placeholder: fill it, labels unchanged
    nv.stages = Sorted(placeholder->stages);
    nv.resulting_stages = nv.stages;
  } else {
    RETURN_IF_ERROR(PreviewLabels(secret, env, nv));
  }
  Result<crypto::SealedValue> sealed =
      env.keyring->SealValue(value.bytes.view(), ValueContext(arn, version_id), *env.rng);
  if (!sealed.ok())
    return EncryptionFailureError("sealing the value failed: " + sealed.status().message());
  nv.sealed = std::move(sealed).value();
  nv.value_digest = ValueDigest(env.token_key, arn, version_id, value);
  return nv;
}

flatbuffers::Offset<schema::VersionWritten> BuildVersionWritten(flatbuffers::FlatBufferBuilder& fbb,
                                                                const NewVersion& nv) {
  auto id = fbb.CreateString(nv.version_id);
  auto stages = StringVector(fbb, nv.stages);
  auto ciphertext = fbb.CreateVector(nv.sealed.ciphertext);
  auto pruned = StringVector(fbb, nv.pruned_version_ids);
  auto digest = fbb.CreateVector(reinterpret_cast<const uint8_t*>(nv.value_digest.data()),
                                 nv.value_digest.size());
  return schema::CreateVersionWritten(fbb, id, stages, static_cast<uint8_t>(nv.kind), ciphertext,
                                      nv.sealed.kek_version, pruned, digest);
}

void AddKeyWrites(const std::string& arn, const NewVersion& nv, ledger::WriteSet& out) {
  out.Put(ledger::Family::kKeys, KeyEntryKey(arn, nv.version_id), WrappedKeyEntry(nv.sealed));
  for (const std::string& id : nv.pruned_version_ids)
    out.Delete(ledger::Family::kKeys, KeyEntryKey(arn, id));
}

std::string ValueDigest(crypto::ByteView token_key, std::string_view arn, std::string_view version_id,
                        const SecretValue& value) {
  static constexpr std::string_view kKeyDomain = "cairn/value-digest-key/v1";
  static constexpr std::string_view kDomain = "cairn/value-digest/v1";
  crypto::Digest key = crypto::HmacSha256(token_key, crypto::AsBytes(kKeyDomain));
  // Bound to the version's place, so equal values in two versions or secrets
  // give unrelated digests: the chain does not reveal which values repeat.
  const std::string context = ValueContext(arn, version_id);
  const size_t head = kDomain.size() + 1 + context.size() + 1;
  crypto::SecureBuffer message(head + 1 + value.bytes.size());
  uint8_t* p = std::copy(kDomain.begin(), kDomain.end(), message.data());
  *p++ = '\n';
  p = std::copy(context.begin(), context.end(), p);
  *p++ = '\n';
  *p++ = static_cast<uint8_t>(value.kind);
  std::copy(value.bytes.data(), value.bytes.data() + value.bytes.size(), p);
  crypto::Digest mac = crypto::HmacSha256(crypto::ByteView(key.data(), key.size()), message.view());
  crypto::SecureWipe(key.data(), key.size());
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

bool SameValue(const projections::Version& version, projections::ValueKind kind,
               const std::string& digest) {
  if (version.kind != kind || version.value_digest.size() != digest.size() || digest.empty())
    return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < digest.size(); ++i)
    diff |= static_cast<uint8_t>(version.value_digest[i] ^ digest[i]);
  return diff == 0;
}

}  // namespace cairn::service::internal
