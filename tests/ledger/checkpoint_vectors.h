// Signed-note and checkpoint vectors from reference/verifiable-log.md §2.9 (the
// C2SP signed-note example and the locally generated checkpoint), and helpers
// shared by the checkpoint tests.
#ifndef CAIRN_TESTS_LEDGER_CHECKPOINT_VECTORS_H_
#define CAIRN_TESTS_LEDGER_CHECKPOINT_VECTORS_H_

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/signing.h"
#include "ledger/checkpoint.h"

namespace cairn::ledger::testing {

// U+2014 EM DASH and a space: how every signature line starts.
inline const std::string kDash = "\xE2\x80\x94 ";

// C2SP signed-note example.
inline const std::string kFooVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
inline const std::string kFooNote =
    "This is an example message.\n\n" + kDash +
    "example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu"
    "72IneyaQM=\n";

// The size-8 checkpoint of the standard 8-leaf tree, signed by the log key
// (seed 00..1f) and cosigned (type 0x04) by the witness key (seed 20..3f).
inline const std::string kLogSeedHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline const std::string kLogVkey =
    "example.com/testlog+aa158d86+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
inline const std::string kWitnessVkey =
    "witness.example.com/w1+969980cf+BCmsuuFBvMrwsi4alNNNC8c2HlJtC/4SyJeUvJMilm3X";
inline const std::string kWitnessPublicHex =
    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7";
inline const std::string kRoot8Hex =
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
inline const std::string kBody =
    "example.com/testlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
inline const std::string kLogLine =
    kDash +
    "example.com/testlog "
    "qhWNhvCPcEDTEvXxY7lhiq7K4GEb28fMRrjPbGRC3bD8QeWka94OGS/ossMwNorrKdZ3/s5Vn/tmFIUj4"
    "pxxLCnNCwQ=\n";
inline const std::string kWitnessLine =
    kDash +
    "witness.example.com/w1 "
    "lpmAzwAAAABlU/EATGG2qL4btdK0clQDN0YPuOF7nG1HMpAzXjDNOMwuC53RqLJ5hU9FR6XYqLD0u"
    "VGIiPZ/CglPQYdRXODtJ+00AA==\n";
inline const std::string kNote = kBody + "\n" + kLogLine + kWitnessLine;

inline crypto::Digest Root8() {
  Result<crypto::Digest> d = crypto::DigestFromHex(kRoot8Hex);
  REQUIRE(d.ok());
  return *d;
}

inline Checkpoint Reference() { return Checkpoint{"example.com/testlog", 8, Root8(), {}}; }

inline crypto::Ed25519PrivateKey KeyFromSeedHex(std::string_view hex) {
  Result<std::vector<uint8_t>> seed = crypto::FromHex(hex);
  REQUIRE(seed.ok());
  Result<crypto::Ed25519PrivateKey> key =
      crypto::Ed25519PrivateKey::FromSeed(crypto::SecureBuffer(*seed));
  REQUIRE(key.ok());
  return std::move(key).value();
}

inline NoteVerifier Verifier(std::string_view vkey) {
  Result<NoteVerifier> v = ParseVerifierKey(vkey);
  REQUIRE(v.ok());
  return *v;
}

inline void CheckError(const Status& status, StatusCode code, std::string_view fragment) {
  INFO(status.ToString());
  CHECK(status.code() == code);
  CHECK_THAT(status.message(), Catch::Contains(std::string(fragment)));
}

}  // namespace cairn::ledger::testing

#endif  // CAIRN_TESTS_LEDGER_CHECKPOINT_VECTORS_H_
