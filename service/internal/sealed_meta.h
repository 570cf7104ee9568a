// Small secrets the engine keeps in `meta`, sealed like a secret value: under
// their own data key, wrapped by the keyring (Engine::SealedSecret).
//
//   meta "sealed/<name>" = u32 kek version || u32 len(wrapped DEK) || wrapped DEK
//                          || ciphertext  (big-endian; checkpointer.cc's layout)
//   AAD context          = "cairn/sealed-secret/v1\n<name>"
#ifndef CAIRN_SERVICE_INTERNAL_SEALED_META_H_
#define CAIRN_SERVICE_INTERNAL_SEALED_META_H_

#include <string>
#include <string_view>

#include "crypto/keyring.h"
#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"

namespace cairn::service::internal {

std::string SealedMetaKey(std::string_view name);  // "sealed/<name>"

// The layout above under any AAD context (the checkpoint key uses its own,
// "cairn/checkpoint-signing-key/v1"). `what` names the entry in errors.
Result<std::string> SealEntry(std::string_view context, crypto::ByteView secret, const crypto::Keyring& keyring,
                              crypto::RandomSource& rng);
Result<crypto::SecureBuffer> OpenEntry(std::string_view what, std::string_view context, std::string_view entry,
                                       const crypto::Keyring& keyring);

// The meta value holding `secret` sealed under a fresh DEK.
Result<std::string> SealMetaSecret(std::string_view name, crypto::ByteView secret,
                                   const crypto::Keyring& keyring, crypto::RandomSource& rng);
// The secret back. DataLoss if the entry is truncated or does not open (moved
// from another name, altered, or sealed under another master key).
Result<crypto::SecureBuffer> OpenMetaSecret(std::string_view name, std::string_view entry,
                                            const crypto::Keyring& keyring);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_SEALED_META_H_
