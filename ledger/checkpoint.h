// Signed checkpoints: a C2SP tlog-checkpoint body (origin, tree size, root hash)
// inside a C2SP signed note with Ed25519 signatures. Byte formats, limits and
// error codes: ledger/FORMAT.md, "Checkpoints".
//
// Invariant: a Checkpoint returned by OpenSignedCheckpoint was parsed from the
// exact text bytes that a signature by the pinned key covers, and every
// signature line by that key in the note verified. Parsing is strict: a body
// has exactly one spelling (FormatCheckpointBody(ParseCheckpointBody(b)) == b).
//
// Everything here is a pure function over bytes and a public key, with no
// storage, so an auditor or replica links it (library cairn_ledger_proof)
// without RocksDB or ZeroMQ. Thread-safe.
//
// Error codes: bytes that came from disk or the wire and do not parse or do not
// verify are DataLoss (like a record that fails to decode); a note that is
// intact but carries no signature by the pinned key is PermissionDenied (it is
// not vouched for by anyone the caller trusts); bad arguments from the caller
// (a key name with a space, a vkey string) are InvalidArgument.
#ifndef CAIRN_LEDGER_CHECKPOINT_H_
#define CAIRN_LEDGER_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/signing.h"
#include "crypto/status.h"

namespace cairn::ledger {

// The text of a checkpoint (c2sp.org/tlog-checkpoint): the log's statement
// that its tree of `size` leaves has root `root`.
struct Checkpoint {
  std::string origin;                   // the log's identity; also its key name
  uint64_t size = 0;                    // number of leaves (records)
  crypto::Digest root{};                // RFC 9162 root hash of those leaves
  std::vector<std::string> extensions;  // optional extra lines, without '\n'

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// OK iff FormatCheckpointBody(c) parses back to `c`: the origin is a valid key
// name (non-empty UTF-8, no control character, no Unicode space, no '+'), and
// every extension line is non-empty UTF-8 with no control character or '\n'.
// InvalidArgument naming the first problem otherwise.
Status ValidateCheckpoint(const Checkpoint& checkpoint);
// "<origin>\n<size in decimal>\n<base64 root>\n" then "<extension>\n" for each.
// Call ValidateCheckpoint first: an invalid checkpoint formats to a body that
// does not parse back to it.
std::string FormatCheckpointBody(const Checkpoint& checkpoint);
// Strict inverse of FormatCheckpointBody. DataLoss naming the first problem:
// not UTF-8 text, no final newline, fewer than 3 lines, an empty or invalid
// origin, a size that is not canonical decimal u64 (no sign, no leading zero),
// a root that is not strict base64 of 32 bytes, an empty extension line.
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// A trusted Ed25519 note key, as pinned by an auditor or replica.
struct NoteVerifier {
  std::string name;  // key name; Cairn uses the checkpoint origin
  uint32_t key_id = 0;
  crypto::Ed25519PublicKey key;

  friend bool operator==(const NoteVerifier&, const NoteVerifier&) = default;
};

// The C2SP key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4],
// big-endian.
uint32_t NoteKeyId(std::string_view name, const crypto::Ed25519PublicKey& key);
// The verifier for `name` and `key`, with its key id. InvalidArgument if the
// name is not a valid key name.
Result<NoteVerifier> MakeNoteVerifier(std::string_view name, const crypto::Ed25519PublicKey& key);
// "<name>+<key id, 8 lower-case hex digits>+<base64(0x01 || key)>".
std::string FormatVerifierKey(const NoteVerifier& verifier);
// Inverse of FormatVerifierKey. InvalidArgument if the string is not three
// '+'-separated parts, the name is invalid, the id is not 8 lower-case hex
// digits, the key is not strict base64, its type byte is not 0x01 (Ed25519),
// it is not 32 bytes after the type byte, or the id does not match name and key.
Result<NoteVerifier> ParseVerifierKey(std::string_view vkey);

// The signed note: `text`, a blank line, and one signature line
// "— <name> <base64(u32be(key id) || 64-byte signature)>\n" (U+2014 em dash).
// InvalidArgument if `name` is not a valid key name, or `text` is empty, does
// not end in '\n', is not UTF-8 without control characters (but '\n'), or makes
// a note longer than the 64 KiB that OpenNote accepts.
Result<std::string> SignNote(std::string_view text, std::string_view name,
                             const crypto::Ed25519PrivateKey& key);
// Verifies a signed note against one pinned key and returns its text (a copy).
// Lines by other (name, key id) pairs are ignored but must be well-formed.
// DataLoss "malformed note: ..." for a note over 64 KiB or not per the format;
// DataLoss "... does not verify" if any signature line by the pinned key fails;
// PermissionDenied if no signature line is by the pinned key.
Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier);
// OpenNote, then ParseCheckpointBody on the verified text (DataLoss "signed
// note is not a checkpoint: ..."). The caller compares the origin with the one
// it pins and the size and root with the last checkpoint it trusts.
Result<Checkpoint> OpenSignedCheckpoint(std::string_view note, const NoteVerifier& verifier);

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_CHECKPOINT_H_
