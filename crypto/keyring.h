// Keyring: envelope encryption. The master key wraps a versioned list of KEKs;
// each secret version is sealed under its own fresh DEK, and the DEK is wrapped
// by the current KEK.
//
//   value ciphertext = AeadSeal(DEK, value, aad = "cairn/value/v1\n" + context)
//   wrapped DEK      = AeadSeal(KEK_v, DEK, aad = "cairn/dek/v1\n" + v + "\n" + context)
//   wrapped KEK_v    = AeadSeal(master, KEK_v, aad = "cairn/kek/v1\n" + v)
//
// `context` binds a value to its place (Cairn passes "<secret arn>\n<version id>"),
// so a ciphertext moved to another version does not open. The serialized keyring
// holds only wrapped KEKs and is safe at rest. Thread-compatible: const methods
// may run concurrently; Rotate needs exclusive access.
#ifndef CAIRN_CRYPTO_KEYRING_H_
#define CAIRN_CRYPTO_KEYRING_H_

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::crypto {

struct SealedValue {
  std::vector<uint8_t> ciphertext;   // goes into the chained record
  std::vector<uint8_t> wrapped_dek;  // goes into the `keys` column family
  uint32_t kek_version = 0;
};

class Keyring {
 public:
  // A new keyring with KEK version 1. InvalidArgument if master is not 32 bytes.
  static Result<Keyring> Create(SecureBuffer master_key, RandomSource& rng);
  // Opens a serialized keyring. DataLoss if it is corrupt or was made under
  // another master key.
  static Result<Keyring> Load(SecureBuffer master_key, ByteView serialized);

  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  std::vector<uint8_t> Serialize() const;
  uint32_t current_version() const { return current_; }
  // Adds KEK current+1 and makes it current; returns the new version.
  Result<uint32_t> Rotate(RandomSource& rng);

  Result<SealedValue> SealValue(ByteView plaintext, std::string_view context,
                                RandomSource& rng) const;
  // NotFound for an unknown KEK version; DataLoss if anything fails to authenticate.
  Result<SecureBuffer> OpenValue(ByteView ciphertext, ByteView wrapped_dek, uint32_t kek_version,
                                 std::string_view context) const;
  // Unwraps a DEK under its KEK and wraps it again under the current KEK.
  Result<std::vector<uint8_t>> Rewrap(ByteView wrapped_dek, uint32_t kek_version,
                                      std::string_view context, RandomSource& rng) const;

 private:
  Keyring() = default;
  SecureBuffer master_;
  std::map<uint32_t, SecureBuffer> keks_;
  std::map<uint32_t, std::vector<uint8_t>> wrapped_keks_;
  uint32_t current_ = 0;
};

}  // namespace cairn::crypto

#endif  // CAIRN_CRYPTO_KEYRING_H_
