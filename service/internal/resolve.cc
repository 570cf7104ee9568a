#include "service/internal/resolve.h"

#include <cctype>

#include "service/internal/errors.h"

namespace cairn::service::internal {
namespace {

// True if `resource` ends in "-" + 6 alphanumerics, the suffix Cairn draws.
bool HasArnSuffix(std::string_view resource) {
  if (resource.size() < 8 || resource[resource.size() - 7] != '-') return false;
  for (char c : resource.substr(resource.size() - 6)) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string ArnPrefix(const projections::LedgerInfo& info) {
  return "arn:aws:secretsmanager:" + info.region + ":" + info.account_id + ":secret:";
}

Result<const projections::Secret*> ResolveSecret(const projections::SecretsView& state,
                                                 std::string_view secret_id) {
  const projections::Secret* secret = nullptr;
  if (!secret_id.starts_with("arn:")) {
    secret = state.FindByName(secret_id);
  } else if (secret_id.starts_with(ArnPrefix(state.info()))) {
    secret = state.FindByArn(secret_id);
    std::string_view resource = secret_id.substr(ArnPrefix(state.info()).size());
    // Rule 3: a resource part ending in "-XXXXXX" is a full ARN (exact match only).
    if (secret == nullptr && !HasArnSuffix(resource)) secret = state.FindByName(resource);
  }
  if (secret == nullptr) return NotFoundError(kSecretNotFoundMessage);
  return secret;
}

Result<const projections::Secret*> ResolveLiveSecret(const projections::SecretsView& state,
                                                     std::string_view secret_id) {
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(state, secret_id));
  if (secret->scheduled_for_deletion()) return FailedPreconditionError(kMarkedForDeletionMessage);
  return secret;
}

std::string NameFromSecretId(std::string_view secret_id) {
  if (!secret_id.starts_with("arn:")) return std::string(secret_id);
  size_t pos = secret_id.find(":secret:");
  if (pos == std::string_view::npos) return std::string(secret_id);
  std::string_view resource = secret_id.substr(pos + 8);
  if (HasArnSuffix(resource)) resource.remove_suffix(7);
  return std::string(resource);
}

}  // namespace cairn::service::internal
