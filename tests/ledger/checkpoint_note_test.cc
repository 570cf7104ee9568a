// Opening signed notes and checkpoints: the reference vectors and their
// tampered twins (ledger/checkpoint.h).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checkpoint_vectors.h"
#include "crypto/random.h"
#include "ledger/checkpoint.h"

namespace cairn::ledger {
namespace {

using testing::CheckError;
using testing::kBody;
using testing::kDash;
using testing::kLogLine;
using testing::kNote;
using testing::kWitnessLine;
using testing::Verifier;

constexpr StatusCode kDataLoss = StatusCode::kDataLoss;
constexpr StatusCode kPermissionDenied = StatusCode::kPermissionDenied;
const char kNotVerified[] = "signature by example.com/testlog+aa158d86 does not verify";
const char kNotSigned[] = "note has no signature by example.com/testlog+aa158d86";

// The signature line "— <name> base64(u32be(id) || sig)\n", built by hand.
std::string Line(std::string_view name, uint32_t id, crypto::ByteView sig) {
  std::vector<uint8_t> blob = {uint8_t(id >> 24), uint8_t(id >> 16), uint8_t(id >> 8), uint8_t(id)};
  blob.insert(blob.end(), sig.begin(), sig.end());
  return kDash + std::string(name) + " " + crypto::Base64Encode(blob) + "\n";
}

// kNote with the case of one base64 character of the log signature toggled.
std::string ToggleLogSignatureChar(size_t index) {
  std::string note = kNote;
  note[kBody.size() + 1 + kDash.size() + std::string("example.com/testlog ").size() + index] ^=
      0x20;
  return note;
}

crypto::Ed25519PrivateKey OtherKey() {
  auto rng = crypto::NewDeterministicRandom(99);
  return crypto::Ed25519PrivateKey::Generate(*rng);
}

TEST_CASE("OpenNote verifies the C2SP signed-note example", "[ledger][checkpoint]") {
  Result<std::string> text = OpenNote(testing::kFooNote, Verifier(testing::kFooVkey));
  REQUIRE(text.ok());
  CHECK(*text == "This is an example message.\n");
}

TEST_CASE("the reference checkpoint opens with the log key, ignoring the cosignature",
          "[ledger][checkpoint]") {
  const NoteVerifier log = Verifier(testing::kLogVkey);
  for (const std::string& note :
       {kNote, kBody + "\n" + kLogLine, kBody + "\n" + kWitnessLine + kLogLine}) {
    Result<Checkpoint> c = OpenSignedCheckpoint(note, log);
    REQUIRE(c.ok());
    CHECK(*c == testing::Reference());
  }
}

TEST_CASE("a witness cosignature is not taken for an Ed25519 log signature",
          "[ledger][checkpoint]") {
  Result<std::vector<uint8_t>> pub = crypto::FromHex(testing::kWitnessPublicHex);
  REQUIRE(pub.ok());
  crypto::Ed25519PublicKey key;
  std::copy(pub->begin(), pub->end(), key.bytes.begin());
  Result<NoteVerifier> as_log_key = MakeNoteVerifier("witness.example.com/w1", key);
  REQUIRE(as_log_key.ok());
  CHECK(as_log_key->key_id != 0x969980cf);  // the 0x04 type byte is in the key id
  CheckError(OpenNote(kNote, *as_log_key).status(), kPermissionDenied,
             "note has no signature by witness.example.com/w1+");
}

TEST_CASE("a checkpoint signed with SignNote opens with its verifier", "[ledger][checkpoint]") {
  const crypto::Ed25519PrivateKey key = OtherKey();
  const Checkpoint c{"cairn.example/ledger-1", 12345, testing::Root8(), {"ext \xE2\x9C\x93"}};
  Result<std::string> note = SignNote(FormatCheckpointBody(c), c.origin, key);
  REQUIRE(note.ok());
  Result<NoteVerifier> verifier = MakeNoteVerifier(c.origin, key.PublicKey());
  REQUIRE(verifier.ok());
  Result<Checkpoint> opened = OpenSignedCheckpoint(*note, *verifier);
  REQUIRE(opened.ok());
  CHECK(*opened == c);
}

TEST_CASE("a signed note whose text is not a checkpoint opens only as a note",
          "[ledger][checkpoint]") {
  CheckError(OpenSignedCheckpoint(testing::kFooNote, Verifier(testing::kFooVkey)).status(),
             kDataLoss, "signed note is not a checkpoint: checkpoint has 1 lines");
}

TEST_CASE("each tampered twin of the reference checkpoint fails with its exact error",
          "[ledger][checkpoint]") {
  const NoteVerifier log = Verifier(testing::kLogVkey);
  const crypto::Ed25519PrivateKey log_key = testing::KeyFromSeedHex(testing::kLogSeedHex);
  auto open = [&](const std::string& note) { return OpenSignedCheckpoint(note, log).status(); };
  std::string note = kNote;

  SECTION("a byte flipped in the origin") {
    note[0] = 'E';
    CheckError(open(note), kDataLoss, kNotVerified);
  }
  SECTION("a byte flipped in the tree size") {
    note[kBody.find("\n8\n") + 1] = '9';
    CheckError(open(note), kDataLoss, kNotVerified);
  }
  SECTION("a byte flipped in the root hash") {
    note[kBody.find("Xcna") + 10] ^= 0x20;
    CheckError(open(note), kDataLoss, kNotVerified);
  }
  SECTION("a byte flipped in the signature") {
    CheckError(open(ToggleLogSignatureChar(20)), kDataLoss, kNotVerified);
    CheckError(open(ToggleLogSignatureChar(60)), kDataLoss, kNotVerified);
  }
  SECTION("a byte flipped in the key id") {
    CheckError(open(ToggleLogSignatureChar(2)), kPermissionDenied, kNotSigned);
  }
  SECTION("the log signature swapped for one by another key under the same name") {
    Result<std::string> other = SignNote(kBody, "example.com/testlog", OtherKey());
    REQUIRE(other.ok());
    CheckError(open(*other + kWitnessLine), kPermissionDenied, kNotSigned);
  }
  SECTION("a signature by another key under the pinned key id") {
    const crypto::Ed25519Signature sig = OtherKey().Sign(crypto::AsBytes(kBody));
    CheckError(open(kBody + "\n" + Line("example.com/testlog", 0xaa158d86, sig)), kDataLoss,
               kNotVerified);
  }
  SECTION("the log's signature of another checkpoint") {
    const crypto::Ed25519Signature sig =
        log_key.Sign(crypto::AsBytes("example.com/testlog\n7\n"
                                     "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=\n"));
    CheckError(open(kBody + "\n" + Line("example.com/testlog", 0xaa158d86, sig)), kDataLoss,
               kNotVerified);
  }
  SECTION("a 65-byte signature under the pinned key id") {
    std::vector<uint8_t> sig(64);
    const crypto::Ed25519Signature good = log_key.Sign(crypto::AsBytes(kBody));
    sig.assign(good.begin(), good.end());
    sig.push_back(0);
    CheckError(open(kBody + "\n" + Line("example.com/testlog", 0xaa158d86, sig)), kDataLoss,
               kNotVerified);
  }
  SECTION("a good and a bad signature by the pinned key") {
    CheckError(open(kNote + ToggleLogSignatureChar(20).substr(kBody.size() + 1, kLogLine.size())),
               kDataLoss, kNotVerified);
  }
  SECTION("the note without its final newline") {
    note.pop_back();
    CheckError(open(note), kDataLoss,
               "malformed note: the last signature line does not end in a newline");
  }
  SECTION("the note cut inside the log signature") {
    CheckError(open(kNote.substr(0, kBody.size() + 1 + kLogLine.size() / 2) + "\n"), kDataLoss,
               "malformed note: signature line 1: base64 length is not a multiple of 4");
  }
  SECTION("the body alone") {
    CheckError(open(kBody), kDataLoss, "malformed note: no blank line before the signatures");
  }
  SECTION("the body and the blank line, without signatures") {
    CheckError(open(kBody + "\n"), kDataLoss,
               "malformed note: no signature lines after the blank line");
  }
  SECTION("an extra blank line after the signatures") {
    CheckError(open(kNote + "\n"), kDataLoss,
               "malformed note: no signature lines after the blank line");
  }
  SECTION("an extra blank line before the signatures") {
    CheckError(open(kBody + "\n\n" + kLogLine + kWitnessLine), kDataLoss, kNotVerified);
  }
  SECTION("a blank line between the signature lines") {
    // The last blank line splits the note, so the log's line becomes text.
    CheckError(open(kBody + "\n" + kLogLine + "\n" + kWitnessLine), kPermissionDenied, kNotSigned);
  }
  SECTION("no blank line before the signatures") {
    CheckError(open(kBody + kLogLine), kDataLoss,
               "malformed note: no blank line before the signatures");
  }
  SECTION("CRLF line ends") {
    std::string crlf;
    for (char c : kNote) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CheckError(open(crlf), kDataLoss,
               "malformed note: invalid UTF-8 or control character at byte 19");
  }
  SECTION("a hyphen instead of the em dash") {
    CheckError(open(kBody + "\n- " + kLogLine.substr(kDash.size())), kDataLoss,
               "malformed note: signature line 1 does not start with an em dash and a space");
  }
  SECTION("a signature line without a key name") {
    const std::string b64_only =
        kLogLine.substr(kDash.size() + std::string("example.com/testlog ").size());
    CheckError(open(kBody + "\n" + kDash + b64_only), kDataLoss,
               "malformed note: signature line 1 has no space after the key name");
  }
  SECTION("two spaces after the key name") {
    std::string line = kLogLine;
    line.insert(kDash.size() + std::string("example.com/testlog").size(), " ");
    CheckError(open(kBody + "\n" + line), kDataLoss,
               "malformed note: signature line 1: base64 length is not a multiple of 4");
  }
  SECTION("a malformed line by an unknown key") {
    CheckError(open(kNote + kDash + "other.example/k !!!!\n"), kDataLoss,
               "malformed note: signature line 3: invalid base64");
  }
  SECTION("a signature line of fewer than 5 bytes") {
    CheckError(open(kNote + kDash + "other.example/k AAAA\n"), kDataLoss,
               "malformed note: signature line 3 holds fewer than 5 bytes");
  }
  SECTION("a verifier with the same name and another key") {
    Result<NoteVerifier> other = MakeNoteVerifier("example.com/testlog", OtherKey().PublicKey());
    REQUIRE(other.ok());
    CheckError(OpenSignedCheckpoint(kNote, *other).status(), kPermissionDenied,
               "note has no signature by");
  }
  SECTION("the verifier of another log") {
    CheckError(OpenSignedCheckpoint(kNote, Verifier(testing::kFooVkey)).status(), kPermissionDenied,
               "note has no signature by example.com/foo+530d903a");
  }
}

TEST_CASE("notes with up to 100 signature lines open and longer ones do not",
          "[ledger][checkpoint]") {
  const NoteVerifier log = Verifier(testing::kLogVkey);
  const std::vector<uint8_t> junk(64, 0x5a);
  std::string note = kNote;  // two lines
  for (int i = 0; i < 97; ++i) note += Line("other.example/k" + std::to_string(i), i, junk);
  note += kLogLine;  // a repeated good signature is verified again and accepted
  REQUIRE(OpenSignedCheckpoint(note, log).ok());
  CheckError(OpenSignedCheckpoint(note + kWitnessLine, log).status(), kDataLoss,
             "malformed note: more than 100 signature lines");
}

TEST_CASE("a note over 64 KiB is refused before its signatures are read", "[ledger][checkpoint]") {
  const std::string note = kBody + std::string(65536, 'x') + "\n\n" + kLogLine;
  CheckError(OpenNote(note, Verifier(testing::kLogVkey)).status(), kDataLoss,
             "malformed note: 65722 bytes, more than the 65536 allowed");
}

}  // namespace
}  // namespace cairn::ledger
