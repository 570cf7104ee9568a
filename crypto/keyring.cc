#include "crypto/keyring.h"

#include <limits>
#include <string>
#include <utility>

#include "crypto/aead.h"
#include "crypto/internal/domains.h"
#include "crypto/internal/keyring_format.h"
#include "crypto/internal/master_id.h"

namespace cairn::crypto {
namespace {

std::string KekAad(uint32_t v) { return std::string(internal::kKekAadPrefix) + std::to_string(v); }

std::string DekAad(uint32_t v, std::string_view context) {
  return std::string(internal::kDekAadPrefix) + std::to_string(v) + "\n" + std::string(context);
}

std::string ValueAad(std::string_view context) {
  return std::string(internal::kValueAadPrefix) + std::string(context);
}

SecureBuffer RandomKey(RandomSource& rng) {
  SecureBuffer key(kAeadKeySize);
  rng.Fill(key.data(), key.size());
  return key;
}

Status CheckMaster(const SecureBuffer& master_key) {
  if (master_key.size() != kAeadKeySize) return InvalidArgumentError("master key must be 32 bytes");
  return Status::Ok();
}

}  // namespace

Result<Keyring> Keyring::Create(SecureBuffer master_key, RandomSource& rng) {
  RETURN_IF_ERROR(CheckMaster(master_key));
  Keyring ring;
  ring.master_ = std::move(master_key);
  const Result<uint32_t> first = ring.Rotate(rng);  // KEK version 1
  if (!first.ok()) return first.status();
  return ring;
}

Result<Keyring> Keyring::Load(SecureBuffer master_key, ByteView serialized) {
  RETURN_IF_ERROR(CheckMaster(master_key));
  ASSIGN_OR_RETURN(internal::KeyringImage image, internal::DecodeKeyring(serialized));
  if (image.master_id != internal::MasterIdOf(master_key)) {
    return DataLossError("keyring does not open under this master key");
  }
  Keyring ring;
  for (auto& [v, wrapped] : image.wrapped_keks) {
    Result<SecureBuffer> kek = AeadOpen(master_key, wrapped, AsBytes(KekAad(v)));
    if (!kek.ok() || kek->size() != kAeadKeySize) {
      return DataLossError("keyring is corrupt: KEK v" + std::to_string(v) +
                           " does not authenticate under this master key");
    }
    ring.keks_.emplace(v, std::move(kek).value());
    ring.wrapped_keks_.emplace(v, std::move(wrapped));
  }
  ring.master_ = std::move(master_key);
  ring.current_ = image.current;
  return ring;
}

std::vector<uint8_t> Keyring::Serialize() const {
  internal::KeyringImage image;
  image.master_id = internal::MasterIdOf(master_);
  image.current = current_;
  image.wrapped_keks = wrapped_keks_;
  return internal::EncodeKeyring(image);
}

Result<uint32_t> Keyring::Rotate(RandomSource& rng) {
  if (current_ == std::numeric_limits<uint32_t>::max()) {
    return ResourceExhaustedError("KEK version space is exhausted");
  }
  const uint32_t v = current_ + 1;
  SecureBuffer kek = RandomKey(rng);
  ASSIGN_OR_RETURN(std::vector<uint8_t> wrapped,
                   AeadSeal(master_, kek.view(), AsBytes(KekAad(v)), rng));
  keks_.emplace(v, std::move(kek));
  wrapped_keks_.emplace(v, std::move(wrapped));
  current_ = v;
  return v;
}

Result<SealedValue> Keyring::SealValue(ByteView plaintext, std::string_view context,
                                       RandomSource& rng) const {
  const auto kek = keks_.find(current_);
  if (kek == keks_.end()) return InternalError("keyring has no current KEK");
  const SecureBuffer dek = RandomKey(rng);
  SealedValue sealed;
  sealed.kek_version = current_;
  ASSIGN_OR_RETURN(sealed.ciphertext, AeadSeal(dek, plaintext, AsBytes(ValueAad(context)), rng));
  ASSIGN_OR_RETURN(sealed.wrapped_dek,
                   AeadSeal(kek->second, dek.view(), AsBytes(DekAad(current_, context)), rng));
  return sealed;
}

Result<SecureBuffer> Keyring::OpenValue(ByteView ciphertext, ByteView wrapped_dek,
                                        uint32_t kek_version, std::string_view context) const {
  const auto kek = keks_.find(kek_version);
  if (kek == keks_.end()) {
    return NotFoundError("unknown KEK version " + std::to_string(kek_version));
  }
  Result<SecureBuffer> dek =
      AeadOpen(kek->second, wrapped_dek, AsBytes(DekAad(kek_version, context)));
  if (!dek.ok()) return dek.status().WithContext("unwrapping data key");
  if (dek->size() != kAeadKeySize) return DataLossError("unwrapping data key: wrong key size");
  Result<SecureBuffer> value = AeadOpen(*dek, ciphertext, AsBytes(ValueAad(context)));
  if (!value.ok()) return value.status().WithContext("opening value");
  return value;
}

Result<std::vector<uint8_t>> Keyring::Rewrap(ByteView wrapped_dek, uint32_t kek_version,
                                             std::string_view context, RandomSource& rng) const {
  const auto old_kek = keks_.find(kek_version);
  if (old_kek == keks_.end()) {
    return NotFoundError("unknown KEK version " + std::to_string(kek_version));
  }
  const auto new_kek = keks_.find(current_);
  if (new_kek == keks_.end()) return InternalError("keyring has no current KEK");
  Result<SecureBuffer> dek =
      AeadOpen(old_kek->second, wrapped_dek, AsBytes(DekAad(kek_version, context)));
  if (!dek.ok()) return dek.status().WithContext("unwrapping data key");
  if (dek->size() != kAeadKeySize) return DataLossError("unwrapping data key: wrong key size");
  return AeadSeal(new_kek->second, dek->view(), AsBytes(DekAad(current_, context)), rng);
}

}  // namespace cairn::crypto
