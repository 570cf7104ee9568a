// Access keys (service/principals.h): a principal's SigV4 credentials. The
// secret access key is made here from DecideEnv::rng, sealed under a fresh DEK
// (its wrapped form goes to the `keys` family, its ciphertext into the event)
// and handed back only through Outcome::generated_password, which the engine
// returns as Response::values[0] once the event is durable.
#include <optional>

#include "service/internal/errors.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/principals.h"

namespace cairn::service::internal {
namespace {

constexpr char kIdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // base32, as AWS's ids
constexpr char kSecretAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kIdPrefix[] = "AKIA";
constexpr size_t kIdRandomChars = 16;
constexpr size_t kSecretChars = 40;
constexpr int kIdAttempts = 8;  // a repeat among 32^16 ids is already unheard of

// The principal named by `PrincipalName`: nullopt when the member is absent
// and optional; ValidationException for a malformed name; ResourceNotFound.
Result<const projections::Principal*> ReadPrincipal(const OpContext& ctx, bool required) {
  ASSIGN_OR_RETURN(std::optional<std::string> name, ctx.params.String("PrincipalName", 0, SIZE_MAX));
  if (!name.has_value()) {
    if (required) return InvalidArgumentError("You must provide a PrincipalName.");
    return static_cast<const projections::Principal*>(nullptr);
  }
  RETURN_IF_ERROR(ValidatePrincipalName(*name));
  const projections::Principal* p = PrincipalsOf(ctx.env).FindByName(*name);
  if (p == nullptr) return NotFoundError("Cairn can't find a principal named " + *name + ".");
  return p;
}

// The key named by AccessKeyId, owned by PrincipalName when that is given;
// sets ctx.resource to its owner's ARN.
Result<const projections::AccessKey*> ReadOwnedKey(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string id, ctx.params.RequiredString("AccessKeyId", 0, SIZE_MAX));
  RETURN_IF_ERROR(ValidateAccessKeyId(id));
  ASSIGN_OR_RETURN(const projections::Principal* named, ReadPrincipal(ctx, /*required=*/false));
  if (named != nullptr) ctx.resource = named->arn;
  const projections::PrincipalsView& principals = PrincipalsOf(ctx.env);
  const projections::AccessKey* key = principals.FindAccessKey(id);
  if (key == nullptr || (named != nullptr && key->principal != named->name)) {
    return NotFoundError("The Access Key with id " + id + " cannot be found.");
  }
  if (const projections::Principal* owner = principals.FindByName(key->principal)) ctx.resource = owner->arn;
  return key;
}

std::string RandomText(crypto::RandomSource& rng, std::string_view alphabet, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(alphabet[rng.Uniform(static_cast<uint32_t>(alphabet.size()))]);
  return out;
}

Result<std::string> NewAccessKeyId(const OpContext& ctx) {
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    std::string id = kIdPrefix + RandomText(*ctx.env.rng, std::string_view(kIdAlphabet, 32), kIdRandomChars);
    if (PrincipalsOf(ctx.env).FindAccessKey(id) == nullptr) return id;
  }
  return InternalError("could not choose an unused access key id");
}

// 40 characters of [A-Za-z0-9+/], made in locked memory.
crypto::SecureBuffer NewSecret(crypto::RandomSource& rng) {
  crypto::SecureBuffer secret(kSecretChars);
  for (size_t i = 0; i < kSecretChars; ++i) {
    secret.data()[i] = static_cast<uint8_t>(kSecretAlphabet[rng.Uniform(64)]);
  }
  return secret;
}

Json MetadataJson(const projections::AccessKey& key) {
  return {{"UserName", key.principal},
          {"AccessKeyId", key.id},
          {"Status", key.status},
          {"CreateDate", EpochSeconds(key.created_ms)}};
}

}  // namespace

Result<Outcome> CreateAccessKey(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* p, ReadPrincipal(ctx, /*required=*/true));
  ctx.resource = p->arn;
  if (PrincipalsOf(ctx.env).AccessKeysOf(p->name).size() >= kMaxAccessKeysPerPrincipal) {
    return ResourceExhaustedError("Cannot exceed quota for AccessKeysPerUser: " +
                                  std::to_string(kMaxAccessKeysPerPrincipal) + ". Principal " + p->name +
                                  " has that many; delete one first.");
  }
  if (ctx.env.keyring == nullptr || ctx.env.rng == nullptr) return InternalError("the service has no keyring");
  ASSIGN_OR_RETURN(std::string id, NewAccessKeyId(ctx));
  crypto::SecureBuffer secret = NewSecret(*ctx.env.rng);
  Result<crypto::SealedValue> sealed =
      ctx.env.keyring->SealValue(secret.view(), AccessKeyEntryKey(id), *ctx.env.rng);
  if (!sealed.ok()) return EncryptionFailureError("sealing the access key failed: " + sealed.status().message());

  Outcome out;
  auto principal = out.fbb.CreateString(p->name);
  auto key_id = out.fbb.CreateString(id);
  auto ciphertext = out.fbb.CreateVector(sealed->ciphertext);
  out.SetBody(schema::CreateAccessKeyCreated(out.fbb, principal, key_id, ciphertext, sealed->kek_version));
  out.key_writes.Put(ledger::Family::kKeys, AccessKeyEntryKey(id), WrappedKeyEntry(*sealed));
  projections::AccessKey shown{id, p->name, projections::kAccessKeyActive, ctx.env.now_ms, "", 0};
  out.response["AccessKey"] = MetadataJson(shown);
  out.generated_password = std::move(secret);  // Response::values[0], never the body
  return out;
}

Result<Outcome> ListAccessKeys(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::Principal* named, ReadPrincipal(ctx, /*required=*/false));
  if (named != nullptr) ctx.resource = named->arn;
  const projections::PrincipalsView& principals = PrincipalsOf(ctx.env);
  Json list = Json::array();
  for (const auto& [name, principal] : principals.principals()) {  // by user, then by id
    if (named != nullptr && name != named->name) continue;
    for (const projections::AccessKey* key : principals.AccessKeysOf(name)) list.push_back(MetadataJson(*key));
  }
  Outcome out;
  out.SetBody(schema::CreateAccessKeysListed(out.fbb, static_cast<uint32_t>(list.size())));
  out.response["AccessKeyMetadata"] = std::move(list);
  return out;
}

Result<Outcome> UpdateAccessKey(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string status, ctx.params.RequiredString("Status", 0, SIZE_MAX));
  if (status != projections::kAccessKeyActive && status != projections::kAccessKeyInactive) {
    return ValidationError("Invalid Status: must be Active or Inactive");
  }
  ASSIGN_OR_RETURN(const projections::AccessKey* key, ReadOwnedKey(ctx));
  Outcome out;
  auto principal = out.fbb.CreateString(key->principal);
  auto key_id = out.fbb.CreateString(key->id);
  auto status_offset = out.fbb.CreateString(status);
  out.SetBody(schema::CreateAccessKeyUpdated(out.fbb, principal, key_id, status_offset));
  return out;
}

Result<Outcome> DeleteAccessKey(OpContext& ctx) {
  ASSIGN_OR_RETURN(const projections::AccessKey* key, ReadOwnedKey(ctx));
  Outcome out;
  auto principal = out.fbb.CreateString(key->principal);
  auto key_id = out.fbb.CreateString(key->id);
  out.SetBody(schema::CreateAccessKeyDeleted(out.fbb, principal, key_id));
  out.key_writes.Delete(ledger::Family::kKeys, AccessKeyEntryKey(key->id));  // crypto-shredded
  return out;
}

}  // namespace cairn::service::internal
