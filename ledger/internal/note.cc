// Signed notes (c2sp.org/signed-note v1.0.0): splitting, signing, opening.
#include "ledger/internal/note.h"

#include <string>
#include <utility>

#include "crypto/hash.h"
#include "ledger/checkpoint.h"

namespace cairn::ledger {
namespace internal {
namespace {

Status Malformed(std::string why) { return DataLossError("malformed note: " + std::move(why)); }

Result<NoteSignature> ParseSignatureLine(std::string_view line, size_t number) {
  const std::string where = "signature line " + std::to_string(number);
  if (line.substr(0, kSignatureLinePrefix.size()) != kSignatureLinePrefix) {
    return Malformed(where + " does not start with an em dash and a space");
  }
  line.remove_prefix(kSignatureLinePrefix.size());
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return Malformed(where + " has no space after the key name");
  NoteSignature sig;
  sig.name = line.substr(0, space);
  if (!IsValidKeyName(sig.name)) return Malformed(where + " has an invalid key name");
  Result<crypto::SecureBuffer> bytes = crypto::Base64Decode(line.substr(space + 1));
  if (!bytes.ok()) return Malformed(where + ": " + bytes.status().message());
  if (bytes->size() < 5) return Malformed(where + " holds fewer than 5 bytes");
  const uint8_t* b = bytes->data();
  sig.key_id = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  sig.signature.assign(b + 4, b + bytes->size());
  return sig;
}

}  // namespace

uint32_t Ed25519KeyId(std::string_view name, const crypto::Ed25519PublicKey& key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(kSignatureTypeEd25519));
  input.append(key.bytes.begin(), key.bytes.end());
  const crypto::Digest d = crypto::Sha256(crypto::AsBytes(input));
  return uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | d[3];
}

std::string SignatureLine(std::string_view name, uint32_t key_id, crypto::ByteView signature) {
  std::vector<uint8_t> blob = {static_cast<uint8_t>(key_id >> 24),
                               static_cast<uint8_t>(key_id >> 16),
                               static_cast<uint8_t>(key_id >> 8), static_cast<uint8_t>(key_id)};
  blob.insert(blob.end(), signature.begin(), signature.end());
  return std::string(kSignatureLinePrefix) + std::string(name) + " " + crypto::Base64Encode(blob) +
         "\n";
}

Result<SplitNote> ParseNote(std::string_view note) {
  if (note.size() > kMaxNoteSize) {
    return Malformed(std::to_string(note.size()) + " bytes, more than the " +
                     std::to_string(kMaxNoteSize) + " allowed");
  }
  if (const size_t bad = FindInvalidTextByte(note); bad != std::string_view::npos) {
    return Malformed("invalid UTF-8 or control character at byte " + std::to_string(bad));
  }
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no blank line before the signatures");
  SplitNote out;
  out.text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Malformed("no signature lines after the blank line");
  if (sigs.back() != '\n') return Malformed("the last signature line does not end in a newline");
  while (!sigs.empty()) {
    if (out.signatures.size() == kMaxNoteSignatures) {
      return Malformed("more than " + std::to_string(kMaxNoteSignatures) + " signature lines");
    }
    const size_t end = sigs.find('\n');  // found: sigs ends in '\n'
    ASSIGN_OR_RETURN(NoteSignature sig,
                     ParseSignatureLine(sigs.substr(0, end), out.signatures.size() + 1));
    out.signatures.push_back(std::move(sig));
    sigs.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace internal

Result<std::string> SignNote(std::string_view text, std::string_view name,
                             const crypto::Ed25519PrivateKey& key) {
  if (!internal::IsValidKeyName(name)) {
    return InvalidArgumentError("key name " + internal::Quote(name) +
                                " is empty or has a space, '+' or control character");
  }
  if (text.empty() || text.back() != '\n') {
    return InvalidArgumentError("note text must end in a newline");
  }
  if (const size_t bad = internal::FindInvalidTextByte(text); bad != std::string_view::npos) {
    return InvalidArgumentError("note text has invalid UTF-8 or a control character at byte " +
                                std::to_string(bad));
  }
  const crypto::Ed25519Signature signature = key.Sign(crypto::AsBytes(text));
  const uint32_t key_id = internal::Ed25519KeyId(name, key.PublicKey());
  std::string note = std::string(text) + "\n" + internal::SignatureLine(name, key_id, signature);
  if (note.size() > internal::kMaxNoteSize) {
    return InvalidArgumentError("signed note would be " + std::to_string(note.size()) +
                                " bytes, more than the " + std::to_string(internal::kMaxNoteSize) +
                                " allowed");
  }
  return note;
}

Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier) {
  ASSIGN_OR_RETURN(internal::SplitNote split, internal::ParseNote(note));
  const std::string who = verifier.name + "+" + internal::KeyIdHex(verifier.key_id);
  size_t verified = 0;
  for (const internal::NoteSignature& sig : split.signatures) {
    if (sig.name != verifier.name || sig.key_id != verifier.key_id) continue;  // not ours: ignore
    if (!crypto::Ed25519Verify(verifier.key, crypto::AsBytes(split.text), sig.signature)) {
      return DataLossError("signature by " + who + " does not verify");
    }
    ++verified;
  }
  if (verified == 0) return PermissionDeniedError("note has no signature by " + who);
  return std::string(split.text);
}

}  // namespace cairn::ledger
