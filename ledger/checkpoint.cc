// Checkpoint bodies (c2sp.org/tlog-checkpoint v1.0.0), parsed strictly.
#include "ledger/checkpoint.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "ledger/internal/note.h"

namespace cairn::ledger {
namespace {

Status Corrupt(std::string why) { return DataLossError("checkpoint " + std::move(why)); }

// Canonical ASCII decimal: digits only, no sign, no leading zero, fits in u64.
Result<uint64_t> ParseTreeSize(std::string_view s) {
  const std::string quoted = internal::Quote(s);
  if (s.empty()) return Corrupt("tree size line is empty");
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Corrupt("tree size " + quoted + " is not a decimal number");
  }
  if (s.size() > 1 && s[0] == '0') return Corrupt("tree size " + quoted + " has a leading zero");
  uint64_t value = 0;
  for (char c : s) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10)
      return Corrupt("tree size " + quoted + " exceeds 2^64-1");
    value = value * 10 + digit;
  }
  return value;
}

Result<crypto::Digest> ParseRootHash(std::string_view s) {
  Result<crypto::SecureBuffer> bytes = crypto::Base64Decode(s);
  if (!bytes.ok()) return Corrupt("root hash is not valid base64: " + bytes.status().message());
  if (bytes->size() != 32) {
    return Corrupt("root hash is " + std::to_string(bytes->size()) + " bytes, want 32");
  }
  crypto::Digest root{};
  std::copy(bytes->data(), bytes->data() + 32, root.begin());
  return root;
}

// Splits text that ends in '\n' into its lines, without the newlines.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

Status ValidateCheckpoint(const Checkpoint& checkpoint) {
  if (!internal::IsValidKeyName(checkpoint.origin)) {
    return InvalidArgumentError("checkpoint origin " + internal::Quote(checkpoint.origin) +
                                " is empty or has a space, '+' or control character");
  }
  for (size_t i = 0; i < checkpoint.extensions.size(); ++i) {
    const std::string& line = checkpoint.extensions[i];
    if (line.empty() || line.find('\n') != std::string::npos ||
        internal::FindInvalidTextByte(line) != std::string_view::npos) {
      return InvalidArgumentError("checkpoint extension line " + std::to_string(i + 1) +
                                  " is empty or not UTF-8 text on one line");
    }
  }
  return Status::Ok();
}

std::string FormatCheckpointBody(const Checkpoint& checkpoint) {
  std::string body = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                     crypto::Base64Encode(crypto::ByteView(checkpoint.root)) + "\n";
  for (const std::string& line : checkpoint.extensions) body += line + "\n";
  return body;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (const size_t bad = internal::FindInvalidTextByte(body); bad != std::string_view::npos) {
    return Corrupt("has invalid UTF-8 or a control character at byte " + std::to_string(bad));
  }
  if (body.empty() || body.back() != '\n') return Corrupt("does not end in a newline");
  const std::vector<std::string_view> lines = Lines(body);
  if (lines.size() < 3) {
    return Corrupt("has " + std::to_string(lines.size()) +
                   " lines, want origin, tree size and root hash");
  }
  Checkpoint checkpoint;
  if (lines[0].empty()) return Corrupt("origin line is empty");
  if (!internal::IsValidKeyName(lines[0])) {
    return Corrupt("origin " + internal::Quote(lines[0]) + " has a space or '+'");
  }
  checkpoint.origin = std::string(lines[0]);
  ASSIGN_OR_RETURN(checkpoint.size, ParseTreeSize(lines[1]));
  ASSIGN_OR_RETURN(checkpoint.root, ParseRootHash(lines[2]));
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return Corrupt("extension line " + std::to_string(i - 2) + " is empty");
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

Result<Checkpoint> OpenSignedCheckpoint(std::string_view note, const NoteVerifier& verifier) {
  ASSIGN_OR_RETURN(const std::string text, OpenNote(note, verifier));
  Result<Checkpoint> checkpoint = ParseCheckpointBody(text);
  if (!checkpoint.ok()) {
    return DataLossError("signed note is not a checkpoint: " + checkpoint.status().message());
  }
  return checkpoint;
}

}  // namespace cairn::ledger
