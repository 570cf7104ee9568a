// Verifier keys ("vkeys", c2sp.org/signed-note): <name>+<key id hex>+<base64>.
#include <algorithm>
#include <string>

#include "crypto/hash.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/note.h"

namespace cairn::ledger {
namespace internal {

std::string KeyIdHex(uint32_t key_id) {
  const uint8_t be[4] = {static_cast<uint8_t>(key_id >> 24), static_cast<uint8_t>(key_id >> 16),
                         static_cast<uint8_t>(key_id >> 8), static_cast<uint8_t>(key_id)};
  return crypto::ToHex(crypto::ByteView(be, 4));
}

}  // namespace internal

namespace {

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

uint32_t NoteKeyId(std::string_view name, const crypto::Ed25519PublicKey& key) {
  return internal::Ed25519KeyId(name, key);
}

Result<NoteVerifier> MakeNoteVerifier(std::string_view name, const crypto::Ed25519PublicKey& key) {
  if (!internal::IsValidKeyName(name)) {
    return InvalidArgumentError("key name " + internal::Quote(name) +
                                " is empty or has a space, '+' or control character");
  }
  return NoteVerifier{std::string(name), NoteKeyId(name, key), key};
}

std::string FormatVerifierKey(const NoteVerifier& verifier) {
  std::vector<uint8_t> typed = {internal::kSignatureTypeEd25519};
  typed.insert(typed.end(), verifier.key.bytes.begin(), verifier.key.bytes.end());
  return verifier.name + "+" + internal::KeyIdHex(verifier.key_id) + "+" +
         crypto::Base64Encode(typed);
}

Result<NoteVerifier> ParseVerifierKey(std::string_view vkey) {
  // The name and the id hold no '+'; the base64 key may.
  const size_t first = vkey.find('+');
  const size_t second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) {
    return InvalidArgumentError("verifier key is not <name>+<key id>+<key>");
  }
  const std::string_view name = vkey.substr(0, first);
  const std::string_view id_hex = vkey.substr(first + 1, second - first - 1);
  if (!internal::IsValidKeyName(name)) {
    return InvalidArgumentError("verifier key name " + internal::Quote(name) +
                                " is empty or has a space or control character");
  }
  if (id_hex.size() != 8 || !IsLowerHex(id_hex)) {
    return InvalidArgumentError("verifier key id must be 8 lower-case hex digits");
  }
  Result<crypto::SecureBuffer> typed = crypto::Base64Decode(vkey.substr(second + 1));
  if (!typed.ok()) {
    return InvalidArgumentError("verifier key is not valid base64: " + typed.status().message());
  }
  if (typed->empty()) return InvalidArgumentError("verifier key has no key bytes");
  if (typed->data()[0] != internal::kSignatureTypeEd25519) {
    return InvalidArgumentError("verifier key has signature type " +
                                crypto::ToHex(typed->view().first(1)) +
                                "; only 01 (Ed25519) is supported");
  }
  if (typed->size() != 1 + crypto::kEd25519PublicKeySize) {
    return InvalidArgumentError("Ed25519 verifier key is " + std::to_string(typed->size() - 1) +
                                " bytes, want 32");
  }
  NoteVerifier verifier;
  verifier.name = std::string(name);
  std::copy(typed->data() + 1, typed->data() + typed->size(), verifier.key.bytes.begin());
  verifier.key_id = NoteKeyId(name, verifier.key);
  if (internal::KeyIdHex(verifier.key_id) != id_hex) {
    return InvalidArgumentError("verifier key id " + std::string(id_hex) +
                                " does not match its name and key (want " +
                                internal::KeyIdHex(verifier.key_id) + ")");
  }
  return verifier;
}

}  // namespace cairn::ledger
