#include "crypto/internal/keyring_format.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/internal/byte_io.h"
#include "crypto/internal/domains.h"

namespace cairn::crypto::internal {
namespace {

constexpr std::string_view kMagic = "CAIRN-KEYRING\n";
constexpr uint8_t kFormatVersion = 1;
constexpr size_t kEntrySize = 4 + kWrappedKekSize;

Status Corrupt(std::string_view why) {
  return DataLossError("keyring is corrupt: " + std::string(why));
}

}  // namespace

std::vector<uint8_t> EncodeKeyring(const KeyringImage& image) {
  ByteWriter w;
  w.Text(kMagic);
  w.U8(kFormatVersion);
  w.Bytes(image.master_id);
  w.U32(image.current);
  w.U32(static_cast<uint32_t>(image.wrapped_keks.size()));
  for (const auto& [version, wrapped] : image.wrapped_keks) {
    w.U32(version);
    w.Bytes(wrapped);
  }
  const Digest checksum = DomainHash(kKeyringChecksumDomain, w.bytes());
  w.Bytes(checksum);
  return w.Take();
}

Result<KeyringImage> DecodeKeyring(ByteView bytes) {
  constexpr size_t kFixed = kMagic.size() + 1 + kMasterIdSize + 4 + 4;
  constexpr size_t kChecksumSize = 32;
  if (bytes.size() < kFixed + kChecksumSize) return Corrupt("too short");
  const ByteView body = bytes.first(bytes.size() - kChecksumSize);
  const Digest expected = DomainHash(kKeyringChecksumDomain, body);
  if (!std::equal(expected.begin(), expected.end(), bytes.end() - kChecksumSize)) {
    return Corrupt("checksum mismatch");
  }
  // The size checks above and below guarantee every read succeeds.
  ByteReader r(body);
  ByteView magic;
  uint8_t version = 0;
  ByteView id;
  KeyringImage image;
  uint32_t count = 0;
  r.Bytes(kMagic.size(), magic);
  if (!std::equal(magic.begin(), magic.end(), AsBytes(kMagic).begin())) {
    return Corrupt("not a Cairn keyring");
  }
  r.U8(version);
  if (version != kFormatVersion) return Corrupt("unsupported version " + std::to_string(version));
  r.Bytes(kMasterIdSize, id);
  std::copy(id.begin(), id.end(), image.master_id.begin());
  r.U32(image.current);
  r.U32(count);
  if (count == 0) return Corrupt("no KEKs");
  if (uint64_t{count} * kEntrySize != r.remaining()) {
    return Corrupt("KEK count does not match size");
  }
  uint32_t previous = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t v = 0;
    ByteView wrapped;
    r.U32(v);
    r.Bytes(kWrappedKekSize, wrapped);
    if (v <= previous) return Corrupt("KEK versions are not strictly increasing");
    image.wrapped_keks.emplace(v, std::vector<uint8_t>(wrapped.begin(), wrapped.end()));
    previous = v;
  }
  if (image.current != previous) return Corrupt("current KEK version is not the newest");
  return image;
}

}  // namespace cairn::crypto::internal
