// Every DomainHash domain and every AAD prefix crypto/ uses, in one place so
// they can be checked for distinctness at a glance. Byte formats: FORMAT.md.
#ifndef CAIRN_CRYPTO_INTERNAL_DOMAINS_H_
#define CAIRN_CRYPTO_INTERNAL_DOMAINS_H_

#include <string_view>

namespace cairn::crypto::internal {

// DomainHash domains.
inline constexpr std::string_view kMasterKeyIdDomain = "cairn/master-key-id/v1";
inline constexpr std::string_view kKeyringChecksumDomain = "cairn/keyring/v1";
inline constexpr std::string_view kKeyFileChecksumDomain = "cairn/master-key-file/v1";

// AEAD associated-data prefixes (keyring.h).
inline constexpr std::string_view kValueAadPrefix = "cairn/value/v1\n";
inline constexpr std::string_view kDekAadPrefix = "cairn/dek/v1\n";
inline constexpr std::string_view kKekAadPrefix = "cairn/kek/v1\n";

}  // namespace cairn::crypto::internal

#endif  // CAIRN_CRYPTO_INTERNAL_DOMAINS_H_
