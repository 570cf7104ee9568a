// C2SP signed-note mechanics behind ledger/checkpoint.h: text and key-name
// rules, splitting a note into its text and signature lines, Ed25519 key ids.
// Internal to ledger/. Pure functions; thread-safe.
#ifndef CAIRN_LEDGER_INTERNAL_NOTE_H_
#define CAIRN_LEDGER_INTERNAL_NOTE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secure_buffer.h"
#include "crypto/signing.h"
#include "crypto/status.h"

namespace cairn::ledger::internal {

// C2SP asks verifiers to accept at least 16 signatures and to cap the count or
// the size; Cairn caps both (as golang.org/x/mod/sumdb/note caps the count).
inline constexpr size_t kMaxNoteSize = 64 * 1024;
inline constexpr size_t kMaxNoteSignatures = 100;
// Signature type byte of a plain Ed25519 note signature (c2sp.org/signed-note).
inline constexpr uint8_t kSignatureTypeEd25519 = 0x01;
// Every signature line starts with U+2014 EM DASH (E2 80 94) and a space.
inline constexpr std::string_view kSignatureLinePrefix = "\xE2\x80\x94 ";

// The offset of the first byte of `text` that is not well-formed UTF-8 or that
// is an ASCII control character other than '\n' (DEL included), or npos.
size_t FindInvalidTextByte(std::string_view text);
// A key name: non-empty, well-formed UTF-8, no control character, no Unicode
// white space (Go's unicode.IsSpace) and no '+'.
bool IsValidKeyName(std::string_view name);
// `s` in double quotes, cut to at most 40 bytes on a UTF-8 boundary, for error
// messages about bytes that already passed FindInvalidTextByte.
std::string Quote(std::string_view s);

// SHA-256(name || 0x0A || 0x01 || public key)[:4], read big-endian.
uint32_t Ed25519KeyId(std::string_view name, const crypto::Ed25519PublicKey& key);
// The key id as 8 lower-case hex digits, as in a verifier key.
std::string KeyIdHex(uint32_t key_id);
// "— <name> <base64(u32be(key_id) || signature)>\n".
std::string SignatureLine(std::string_view name, uint32_t key_id, crypto::ByteView signature);

struct NoteSignature {
  std::string_view name;  // borrows from the note
  uint32_t key_id = 0;
  std::vector<uint8_t> signature;  // the bytes after the key id (at least 1)
};

struct SplitNote {
  std::string_view text;  // up to and including the newline before the blank line
  std::vector<NoteSignature> signatures;
};

// Splits a signed note at its last blank line and parses every signature line,
// known key or not. DataLoss("malformed note: ...") if the note is too large,
// is not valid text, has no blank line, no signature lines, a signature block
// that does not end in a newline, more than kMaxNoteSignatures lines, or any
// line that is not "— <valid name> <base64 of at least 5 bytes>". The result
// borrows from `note`.
Result<SplitNote> ParseNote(std::string_view note);

}  // namespace cairn::ledger::internal

#endif  // CAIRN_LEDGER_INTERNAL_NOTE_H_
