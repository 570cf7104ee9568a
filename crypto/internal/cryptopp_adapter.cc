#include "crypto/internal/cryptopp_adapter.h"

#include <cryptopp/aes.h>
#include <cryptopp/cryptlib.h>
#include <cryptopp/gcm.h>
#include <cryptopp/hmac.h>
#include <cryptopp/osrng.h>
#include <cryptopp/scrypt.h>
#include <cryptopp/sha.h>
#include <cryptopp/xed25519.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>

namespace cairn::crypto::internal {
namespace {

constexpr size_t kTagSize = 16;

// Crypto++ may hand a pointer to memcpy even for zero lengths; never give it null.
const uint8_t* Ptr(ByteView v) {
  static const uint8_t kEmpty = 0;
  return v.empty() ? &kEmpty : v.data();
}

// For operations that cannot fail on valid in-memory input: failing closed is
// the only safe answer if Crypto++ ever throws here.
[[noreturn]] void Die(const char* what) {
  (void)std::fprintf(stderr, "cairn: fatal: Crypto++ failed in %s\n", what);
  std::abort();
}

}  // namespace

Digest Sha256Parts(std::initializer_list<ByteView> parts) {
  Digest out{};
  try {
    CryptoPP::SHA256 sha;  // wiped when it goes: the input may be key material
    for (ByteView part : parts) sha.Update(Ptr(part), part.size());
    sha.Final(out.data());
  } catch (...) {
    Die("SHA-256");
  }
  return out;
}

Digest PublicSha256Parts(std::initializer_list<ByteView> parts) {
  Digest out{};
  try {
    // One hash object per thread, reused: constructing (and wiping) a fresh
    // one costs about as much as hashing a 65-byte tree node. Final() restarts
    // it; what it keeps of the last block is public (records, tree nodes).
    static thread_local CryptoPP::SHA256 sha;
    for (ByteView part : parts) sha.Update(Ptr(part), part.size());
    sha.Final(out.data());
  } catch (...) {
    Die("SHA-256");
  }
  return out;
}

Digest HmacSha256(ByteView key, ByteView data) {
  Digest out{};
  try {
    CryptoPP::HMAC<CryptoPP::SHA256> hmac(Ptr(key), key.size());
    hmac.CalculateDigest(out.data(), Ptr(data), data.size());
  } catch (...) {
    Die("HMAC-SHA-256");
  }
  return out;
}

Status GcmEncrypt(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad, uint8_t* out) {
  if (key.size() != 32) return InvalidArgumentError("AES-256-GCM key must be 32 bytes");
  if (nonce.empty() || nonce.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgumentError("AES-256-GCM nonce must not be empty");
  }
  try {
    CryptoPP::GCM<CryptoPP::AES>::Encryption enc;
    enc.SetKeyWithIV(key.data(), key.size(), nonce.data(), nonce.size());
    enc.EncryptAndAuthenticate(out, out + plaintext.size(), kTagSize, nonce.data(),
                               static_cast<int>(nonce.size()), Ptr(aad), aad.size(), Ptr(plaintext),
                               plaintext.size());
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory in AES-256-GCM");
  } catch (const CryptoPP::Exception& e) {
    return InternalError(std::string("AES-256-GCM encryption failed: ") + e.what());
  }
  return Status::Ok();
}

Status GcmDecrypt(ByteView key, ByteView nonce, ByteView ct_and_tag, ByteView aad, uint8_t* out) {
  if (key.size() != 32) return InvalidArgumentError("AES-256-GCM key must be 32 bytes");
  if (nonce.empty() || nonce.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgumentError("AES-256-GCM nonce must not be empty");
  }
  if (ct_and_tag.size() < kTagSize) return DataLossError("authentication failed");
  const size_t ct_size = ct_and_tag.size() - kTagSize;
  bool ok = false;
  try {
    CryptoPP::GCM<CryptoPP::AES>::Decryption dec;
    dec.SetKeyWithIV(key.data(), key.size(), nonce.data(), nonce.size());
    uint8_t scratch = 0;  // a valid destination when the plaintext is empty
    ok = dec.DecryptAndVerify(ct_size == 0 ? &scratch : out, ct_and_tag.data() + ct_size, kTagSize,
                              nonce.data(), static_cast<int>(nonce.size()), Ptr(aad), aad.size(),
                              Ptr(ct_and_tag), ct_size);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory in AES-256-GCM");
  } catch (const CryptoPP::Exception&) {
    ok = false;
  }
  if (!ok) return DataLossError("authentication failed");
  return Status::Ok();
}

Status Scrypt(ByteView passphrase, ByteView salt, uint64_t n, uint32_t r, uint32_t p, uint8_t* out,
              size_t out_len) {
  try {
    CryptoPP::Scrypt scrypt;
    scrypt.DeriveKey(out, out_len, Ptr(passphrase), passphrase.size(), Ptr(salt), salt.size(), n, r,
                     p);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("not enough memory for scrypt");
  } catch (const CryptoPP::Exception& e) {
    return InvalidArgumentError(std::string("scrypt rejected its parameters: ") + e.what());
  }
  return Status::Ok();
}

Status OsRandomBlock(uint8_t* out, size_t n) {
  try {
    CryptoPP::OS_GenerateRandomBlock(false, out, n);
  } catch (const CryptoPP::Exception& e) {
    return UnavailableError(std::string("operating system CSPRNG failed: ") + e.what());
  }
  return Status::Ok();
}

void Ed25519PublicKeyFromSeed(const uint8_t* seed, uint8_t* public_key) {
  try {
    const CryptoPP::ed25519Signer signer(seed);  // derives the public key
    const auto& key = static_cast<const CryptoPP::ed25519PrivateKey&>(signer.GetPrivateKey());
    std::memcpy(public_key, key.GetPublicKeyBytePtr(),
                CryptoPP::ed25519PrivateKey::PUBLIC_KEYLENGTH);
  } catch (...) {
    Die("Ed25519 key derivation");
  }
}

void Ed25519SignMessage(const uint8_t* seed, ByteView message, uint8_t* signature) {
  try {
    const CryptoPP::ed25519Signer signer(seed);
    // Ed25519 is deterministic: the generator is never used.
    signer.SignMessage(CryptoPP::NullRNG(), Ptr(message), message.size(), signature);
  } catch (...) {
    Die("Ed25519 signing");
  }
}

bool Ed25519VerifyMessage(const uint8_t* public_key, ByteView message, const uint8_t* signature) {
  try {
    const CryptoPP::ed25519Verifier verifier(public_key);
    return verifier.VerifyMessage(Ptr(message), message.size(), signature,
                                  CryptoPP::ed25519Verifier::SIGNATURE_LENGTH);
  } catch (...) {
    return false;  // fail closed: an unverifiable signature is a bad one
  }
}

}  // namespace cairn::crypto::internal
