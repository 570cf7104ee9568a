#include "service/internal/sealed_meta.h"

namespace cairn::service::internal {
namespace {

constexpr char kContextPrefix[] = "cairn/sealed-secret/v1\n";

void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t GetU32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

std::string Context(std::string_view name) { return kContextPrefix + std::string(name); }

}  // namespace

std::string SealedMetaKey(std::string_view name) { return "sealed/" + std::string(name); }

Result<std::string> SealEntry(std::string_view context, crypto::ByteView secret, const crypto::Keyring& keyring,
                              crypto::RandomSource& rng) {
  ASSIGN_OR_RETURN(crypto::SealedValue sealed, keyring.SealValue(secret, std::string(context), rng));
  std::string out;
  PutU32(out, sealed.kek_version);
  PutU32(out, static_cast<uint32_t>(sealed.wrapped_dek.size()));
  out.append(sealed.wrapped_dek.begin(), sealed.wrapped_dek.end());
  out.append(sealed.ciphertext.begin(), sealed.ciphertext.end());
  return out;
}

Result<crypto::SecureBuffer> OpenEntry(std::string_view what, std::string_view context, std::string_view entry,
                                       const crypto::Keyring& keyring) {
  if (entry.size() < 8) return DataLossError(std::string(what) + " is truncated");
  const uint32_t kek = GetU32(entry);
  const uint32_t len = GetU32(entry.substr(4));
  if (entry.size() < 8 + static_cast<size_t>(len)) return DataLossError(std::string(what) + " is truncated");
  auto opened = keyring.OpenValue(crypto::AsBytes(entry.substr(8 + len)), crypto::AsBytes(entry.substr(8, len)),
                                  kek, std::string(context));
  if (!opened.ok()) return DataLossError(std::string(what) + " does not open: " + opened.status().message());
  return opened;
}

Result<std::string> SealMetaSecret(std::string_view name, crypto::ByteView secret,
                                   const crypto::Keyring& keyring, crypto::RandomSource& rng) {
  return SealEntry(Context(name), secret, keyring, rng);
}

Result<crypto::SecureBuffer> OpenMetaSecret(std::string_view name, std::string_view entry,
                                            const crypto::Keyring& keyring) {
  return OpenEntry("meta " + SealedMetaKey(name), Context(name), entry, keyring);
}

}  // namespace cairn::service::internal
