#include "crypto/internal/key_file_format.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/internal/byte_io.h"
#include "crypto/internal/domains.h"

namespace cairn::crypto::internal {
namespace {

constexpr std::string_view kMagic = "CAIRN-MASTER-KEY\n";
constexpr uint8_t kFormatVersion = 1;
constexpr size_t kPrefixSize = kMagic.size() + 2;  // magic, version, kind
constexpr size_t kChecksumSize = 32;
constexpr size_t kPlainSize = kPrefixSize + kMasterKeySize + kChecksumSize;
constexpr size_t kScryptHeaderSize = kPrefixSize + 8 + 4 + 4 + kKeyFileSaltSize;
constexpr size_t kSealedKeySize = kAeadNonceSize + kMasterKeySize + kAeadTagSize;
constexpr size_t kScryptSize = kScryptHeaderSize + kSealedKeySize + kChecksumSize;

Digest Checksum(ByteView body) { return DomainHash(kKeyFileChecksumDomain, body); }

void WritePrefix(ByteWriter& w, KeyFileKind kind) {
  w.Text(kMagic);
  w.U8(kFormatVersion);
  w.U8(static_cast<uint8_t>(kind));
}

}  // namespace

Status ValidateScryptParams(const ScryptParams& params) {
  const bool n_ok =
      params.n >= 2 && params.n <= (uint64_t{1} << 20) && (params.n & (params.n - 1)) == 0;
  const bool r_ok = params.r >= 1 && params.r <= 32;
  const bool p_ok = params.p >= 1 && params.p <= 16;
  if (!n_ok || !r_ok || !p_ok || 128 * uint64_t{params.r} * params.n > (uint64_t{1} << 30)) {
    return InvalidArgumentError(
        "scrypt parameters out of range (n a power of two in 2..2^20, r 1..32, p 1..16, "
        "128*r*n at most 1 GiB)");
  }
  return Status::Ok();
}

SecureBuffer EncodePlainKeyFile(const SecureBuffer& master_key) {
  // Built in place so the key never sits in a buffer that is not wiped.
  SecureBuffer file(kPlainSize);
  ByteWriter w;
  WritePrefix(w, KeyFileKind::kPlain);
  uint8_t* out = std::copy(w.bytes().begin(), w.bytes().end(), file.data());
  out = std::copy(master_key.data(), master_key.data() + master_key.size(), out);
  const Digest sum = Checksum(ByteView(file.data(), kPrefixSize + kMasterKeySize));
  std::copy(sum.begin(), sum.end(), out);
  return file;
}

std::vector<uint8_t> EncodeScryptHeader(const ScryptParams& params, ByteView salt) {
  ByteWriter w;
  WritePrefix(w, KeyFileKind::kScrypt);
  w.U64(params.n);
  w.U32(params.r);
  w.U32(params.p);
  w.Bytes(salt);
  return w.Take();
}

std::vector<uint8_t> EncodeScryptKeyFile(ByteView header, ByteView sealed_key) {
  ByteWriter w;
  w.Bytes(header);
  w.Bytes(sealed_key);
  w.Bytes(Checksum(w.bytes()));
  return w.Take();
}

Result<ParsedKeyFile> ParseKeyFile(ByteView file) {
  const size_t magic_len = std::min(file.size(), kMagic.size());
  if (!std::equal(file.begin(), file.begin() + magic_len, AsBytes(kMagic).begin())) {
    return DataLossError("not a Cairn key file");
  }
  if (file.size() < kPrefixSize) return DataLossError("truncated");
  const uint8_t version = file[kMagic.size()];
  if (version != kFormatVersion) {
    return DataLossError("unsupported format version " + std::to_string(version));
  }
  const uint8_t kind = file[kMagic.size() + 1];
  size_t expected = 0;
  if (kind == static_cast<uint8_t>(KeyFileKind::kPlain)) expected = kPlainSize;
  if (kind == static_cast<uint8_t>(KeyFileKind::kScrypt)) expected = kScryptSize;
  if (expected == 0) return DataLossError("unknown kind " + std::to_string(kind));
  if (file.size() < expected) return DataLossError("truncated");
  if (file.size() > expected) return DataLossError("trailing bytes after the checksum");
  const ByteView body = file.first(expected - kChecksumSize);
  const Digest sum = Checksum(body);
  if (!std::equal(sum.begin(), sum.end(), file.begin() + body.size())) {
    return DataLossError("corrupt (checksum mismatch)");
  }
  ParsedKeyFile parsed;
  parsed.kind = static_cast<KeyFileKind>(kind);
  ByteReader r(body.subspan(kPrefixSize));  // sizes were checked: reads cannot fail
  if (parsed.kind == KeyFileKind::kPlain) {
    parsed.plain_key = SecureBuffer(body.subspan(kPrefixSize));
    return parsed;
  }
  r.U64(parsed.params.n);
  r.U32(parsed.params.r);
  r.U32(parsed.params.p);
  r.Bytes(kKeyFileSaltSize, parsed.salt);
  r.Bytes(kSealedKeySize, parsed.sealed_key);
  parsed.header = body.first(kScryptHeaderSize);
  if (!ValidateScryptParams(parsed.params).ok()) {
    return DataLossError("scrypt parameters out of bounds");
  }
  return parsed;
}

}  // namespace cairn::crypto::internal
