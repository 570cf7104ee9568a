// A profile: everything a client needs to reach cairnd as one principal — the
// endpoints, the server's CURVE public key, and the principal's key pair. It is
// a small JSON file holding a secret key, so it is written with mode 0600 and
// refused when other users could read it (crypto/private_file.h).
//
//   {"Principal": "admin", "ApiEndpoint": "tcp://127.0.0.1:7701",
//    "EventsEndpoint": "tcp://127.0.0.1:7702", "ServerPublicKey": "<z85>",
//    "PublicKey": "<z85>", "SecretKey": "<z85>",
//    "CheckpointKey": "<origin>+<key id hex>+<base64>"}
//
// CheckpointKey is optional: the ledger's checkpoint verifier key
// (ledger::FormatVerifierKey), pinned by whoever wrote the profile, so clients
// check receipts and checkpoints against it rather than a key cairnd sends.
// A key pair file (`cairn identity new`) is the same object with only
// PublicKey and SecretKey.
#ifndef CAIRN_TOOLS_COMMON_PROFILE_H_
#define CAIRN_TOOLS_COMMON_PROFILE_H_

#include <string>

#include "bus/curve.h"
#include "crypto/status.h"

namespace cairn::tools {

inline constexpr char kDefaultApiEndpoint[] = "tcp://127.0.0.1:7701";
inline constexpr char kDefaultEventsEndpoint[] = "tcp://127.0.0.1:7702";

struct Profile {
  std::string principal;
  std::string api_endpoint = kDefaultApiEndpoint;
  std::string events_endpoint = kDefaultEventsEndpoint;
  std::string server_public_key;  // Z85
  bus::CurveKeyPair key;
  std::string checkpoint_key;  // "" when the profile pins none
};

// NotFound, FailedPrecondition (mode), InvalidArgument naming the bad member
// (a CheckpointKey that is not a verifier key included).
Result<Profile> ReadProfile(const std::string& path);
// AlreadyExists if `path` exists (profiles are never overwritten silently).
Status WriteProfile(const std::string& path, const Profile& profile);

// Key pair files: only PublicKey and SecretKey.
Result<bus::CurveKeyPair> ReadKeyPairFile(const std::string& path);
Status WriteKeyPairFile(const std::string& path, const bus::CurveKeyPair& key);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_PROFILE_H_
