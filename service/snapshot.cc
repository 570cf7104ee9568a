// SnapshotDigest and the snapshot extension line (service/snapshot.h).
#include "service/snapshot.h"

#include <charconv>

namespace cairn::service {
namespace {

constexpr std::string_view kExtensionPrefix = "cairn-snapshot ";

void PutU32(std::string& out, size_t n) {
  const uint32_t v = static_cast<uint32_t>(n);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string Base64(const crypto::Digest& d) { return crypto::Base64Encode(crypto::ByteView(d.data(), d.size())); }

Result<crypto::Digest> DigestFromBase64(std::string_view text, std::string_view what) {
  Result<crypto::SecureBuffer> bytes = crypto::Base64Decode(text);
  if (!bytes.ok() || bytes->size() != 32) {
    return DataLossError("the snapshot's " + std::string(what) + " is not base64 of 32 bytes");
  }
  crypto::Digest d{};
  std::copy(bytes->data(), bytes->data() + 32, d.begin());
  return d;
}

}  // namespace

SnapshotDigest::SnapshotDigest() : digest_(crypto::DomainHash("cairn/snapshot/v1", {})) {}

void SnapshotDigest::Add(ledger::Family family, std::string_view key, std::string_view value) {
  buffer_.clear();
  buffer_.append(reinterpret_cast<const char*>(digest_.data()), digest_.size());
  buffer_.push_back(static_cast<char>(family));
  PutU32(buffer_, key.size());
  buffer_.append(key);
  PutU32(buffer_, value.size());
  buffer_.append(value);
  digest_ = crypto::Sha256(crypto::AsBytes(buffer_));
  ++entries_;
}

std::string FormatSnapshotExtension(const SnapshotClaim& claim) {
  return std::string(kExtensionPrefix) + std::to_string(claim.entries) + " " + Base64(claim.digest) + " " +
         Base64(claim.prev_leaf);
}

Result<SnapshotClaim> ParseSnapshotClaim(const ledger::Checkpoint& checkpoint) {
  const std::string* line = nullptr;
  for (const std::string& extension : checkpoint.extensions) {
    if (!extension.starts_with(kExtensionPrefix)) continue;
    if (line != nullptr) return DataLossError("the snapshot note has two cairn-snapshot lines");
    line = &extension;
  }
  if (line == nullptr) return DataLossError("the signed note is a checkpoint but not a snapshot (no cairn-snapshot line)");
  std::string_view rest = std::string_view(*line).substr(kExtensionPrefix.size());
  const size_t a = rest.find(' ');
  const size_t b = a == std::string_view::npos ? a : rest.find(' ', a + 1);
  if (b == std::string_view::npos) return DataLossError("the cairn-snapshot line has not three fields");
  SnapshotClaim claim;
  const std::string_view count = rest.substr(0, a);
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), claim.entries);
  if (ec != std::errc() || end != count.data() + count.size()) {
    return DataLossError("the cairn-snapshot line's entry count is not a number");
  }
  ASSIGN_OR_RETURN(claim.digest, DigestFromBase64(rest.substr(a + 1, b - a - 1), "digest"));
  ASSIGN_OR_RETURN(claim.prev_leaf, DigestFromBase64(rest.substr(b + 1), "leaf hash"));
  if (FormatSnapshotExtension(claim) != *line) return DataLossError("the cairn-snapshot line is not in canonical form");
  return claim;
}

Result<SnapshotVerifier> SnapshotVerifier::Start(std::string_view note, const ledger::NoteVerifier& pinned,
                                                 std::vector<crypto::Digest> frontier) {
  Result<ledger::Checkpoint> cp = ledger::OpenSignedCheckpoint(note, pinned);
  if (!cp.ok()) return cp.status().WithContext("the snapshot's note");
  ASSIGN_OR_RETURN(SnapshotClaim claim, ParseSnapshotClaim(*cp));
  if (cp->size == 0) return DataLossError("the snapshot is of an empty ledger");
  Result<ledger::CompactRange> range = ledger::CompactRange::FromFrontier(cp->size, std::move(frontier));
  if (!range.ok()) return DataLossError("the snapshot's frontier: " + range.status().message());
  if (range->Root() != cp->root) {
    return DataLossError("the snapshot's frontier does not reproduce the signed root of tree size " +
                         std::to_string(cp->size));
  }
  if (cp->size % 2 == 1 && range->frontier().back() != claim.prev_leaf) {
    return DataLossError("the snapshot's signed leaf hash of seq " + std::to_string(cp->size - 1) +
                         " is not the one its frontier holds");
  }
  SnapshotVerifier v;
  v.claim_ = claim;
  v.snapshot_.base = ledger::Base{cp->size, claim.prev_leaf};
  v.snapshot_.frontier = std::move(range).value();
  v.snapshot_.note = std::string(note);
  v.snapshot_.verifier_key = ledger::FormatVerifierKey(pinned);
  return v;
}

Status SnapshotVerifier::Add(ledger::Family family, std::string key, std::string value) {
  int index = 0;
  while (index < static_cast<int>(std::size(kSnapshotFamilies)) && kSnapshotFamilies[index] != family) ++index;
  if (index == static_cast<int>(std::size(kSnapshotFamilies))) {
    return DataLossError("a snapshot holds no " + std::string(ledger::FamilyName(family)) + " entries");
  }
  if (index < family_index_ || (index == family_index_ && key <= last_key_)) {
    return DataLossError("the snapshot's entries are not in order (" + std::string(ledger::FamilyName(family)) + ")");
  }
  family_index_ = index;
  last_key_ = key;
  digest_.Add(family, key, value);
  snapshot_.entries.Put(family, std::move(key), std::move(value));
  return Status::Ok();
}

Result<VerifiedSnapshot> SnapshotVerifier::Finish() && {
  if (digest_.entries() != claim_.entries || digest_.digest() != claim_.digest) {
    return DataLossError("the snapshot's " + std::to_string(digest_.entries()) +
                         " entries do not reproduce its signed digest of " + std::to_string(claim_.entries));
  }
  return std::move(snapshot_);
}

}  // namespace cairn::service
