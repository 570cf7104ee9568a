// Writing a value as a new version: the label preview and quotas (API
// reference §3.2, §4.2), sealing under a fresh DEK, the wrapped key for the
// `keys` family, and the keyed value digest used for idempotency (§3.3).
#ifndef CAIRN_SERVICE_INTERNAL_NEW_VERSION_H_
#define CAIRN_SERVICE_INTERNAL_NEW_VERSION_H_

#include <flatbuffers/flatbuffers.h>

#include <string>
#include <vector>

#include "crypto/keyring.h"
#include "ledger/store.h"
#include "projections/secrets.h"
#include "schema/events_generated.h"
#include "service/decide.h"

namespace cairn::service::internal {

struct NewVersion {
  std::string version_id;
  std::vector<std::string> stages;            // as requested (the event's stages)
  std::vector<std::string> resulting_stages;  // on the new version after AWS's rules (sorted)
  std::vector<std::string> pruned_version_ids;
  projections::ValueKind kind = projections::ValueKind::kNone;
  crypto::SealedValue sealed;
  std::string value_digest;
};

// Prepares `value` as version `version_id` of `secret` (nullptr for a secret
// being created) under `arn`, with the labels `stages`. AWSCURRENT is added when
// the secret has no current version (§3.2.1 rule 6). If `version_id` names a
// value-less placeholder, the value fills it and its labels stay as they are.
// Errors: LimitExceededException (more than 20 labels; more than 100 versions
// after pruning), EncryptionFailure.
Result<NewVersion> PrepareVersion(const projections::Secret* secret, const std::string& arn,
                                  const std::string& version_id, std::vector<std::string> stages,
                                  const SecretValue& value, const DecideEnv& env);

flatbuffers::Offset<schema::VersionWritten> BuildVersionWritten(flatbuffers::FlatBufferBuilder& fbb,
                                                                const NewVersion& version);

// Puts the wrapped DEK of the new version; deletes those of the pruned ones.
void AddKeyWrites(const std::string& arn, const NewVersion& version, ledger::WriteSet& out);

// HMAC-SHA-256(K, "cairn/value-digest/v1\n" || arn "\n" version id || "\n" ||
// u8(kind) || value), K derived from the token key (schema
// VersionWritten.value_digest). 32 raw bytes. Bound to the version's place, so
// the chain never shows that two versions hold the same value.
std::string ValueDigest(crypto::ByteView token_key, std::string_view arn, std::string_view version_id,
                        const SecretValue& value);

// True if `version` holds the same kind and bytes as the value whose digest is
// `digest` (constant-time). False when the version has no stored digest.
bool SameValue(const projections::Version& version, projections::ValueKind kind,
               const std::string& digest);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_NEW_VERSION_H_
