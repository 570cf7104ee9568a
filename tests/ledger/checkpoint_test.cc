// Checkpoint bodies, verifier keys and signing (ledger/checkpoint.h).
#include "ledger/checkpoint.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checkpoint_vectors.h"
#include "crypto/random.h"

namespace cairn::ledger {
namespace {

using testing::CheckError;
using testing::kBody;
using testing::Reference;

TEST_CASE("a checkpoint body is origin, decimal size and base64 root, one per line",
          "[ledger][checkpoint]") {
  CHECK(FormatCheckpointBody(Reference()) == kBody);
  Result<Checkpoint> parsed = ParseCheckpointBody(kBody);
  REQUIRE(parsed.ok());
  CHECK(*parsed == Reference());
}

TEST_CASE("a checkpoint with extension lines round-trips", "[ledger][checkpoint]") {
  Checkpoint c = Reference();
  c.extensions = {"ext one", "\xC3\xA9t\xC3\xA9 2"};
  REQUIRE(ValidateCheckpoint(c).ok());
  const std::string body = FormatCheckpointBody(c);
  CHECK(body == kBody + "ext one\n\xC3\xA9t\xC3\xA9 2\n");
  Result<Checkpoint> parsed = ParseCheckpointBody(body);
  REQUIRE(parsed.ok());
  CHECK(*parsed == c);
}

TEST_CASE("the empty-tree checkpoint has size 0 and the empty-tree root", "[ledger][checkpoint]") {
  Result<Checkpoint> c =
      ParseCheckpointBody("log.example/a\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  REQUIRE(c.ok());
  CHECK(c->size == 0);
  CHECK(c->root == crypto::Sha256({}));
}

TEST_CASE("the largest u64 tree size parses and one more does not", "[ledger][checkpoint]") {
  const std::string root = "\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  Result<Checkpoint> max = ParseCheckpointBody("o\n18446744073709551615" + root);
  REQUIRE(max.ok());
  CHECK(max->size == UINT64_MAX);
  CHECK(FormatCheckpointBody(*max) == "o\n18446744073709551615" + root);
  CheckError(ParseCheckpointBody("o\n18446744073709551616" + root).status(), StatusCode::kDataLoss,
             "exceeds 2^64-1");
  CheckError(ParseCheckpointBody("o\n99999999999999999999999" + root).status(),
             StatusCode::kDataLoss, "exceeds 2^64-1");
}

TEST_CASE("parsing rejects each malformed body with DataLoss naming the problem",
          "[ledger][checkpoint]") {
  const std::string root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
  const std::vector<uint8_t> b31(31, 7), b33(33, 7);
  struct Case {
    const char* name;
    std::string body;
    const char* fragment;
  };
  const Case cases[] = {
      {"empty", "", "does not end in a newline"},
      {"no final newline", kBody.substr(0, kBody.size() - 1), "does not end in a newline"},
      {"two lines", "o\n8\n", "has 2 lines"},
      {"empty origin", "\n8\n" + root + "\n", "origin line is empty"},
      {"origin with a space", "a b\n8\n" + root + "\n", "origin \"a b\" has a space or '+'"},
      {"origin with a plus", "a+b\n8\n" + root + "\n", "origin \"a+b\" has a space or '+'"},
      {"origin with a no-break space",
       "a\xC2\xA0"
       "b\n8\n" +
           root + "\n",
       "has a space"},
      {"empty size", "o\n\n" + root + "\n", "tree size line is empty"},
      {"leading zero", "o\n08\n" + root + "\n", "tree size \"08\" has a leading zero"},
      {"double zero", "o\n00\n" + root + "\n", "has a leading zero"},
      {"plus sign", "o\n+8\n" + root + "\n", "tree size \"+8\" is not a decimal number"},
      {"minus sign", "o\n-0\n" + root + "\n", "is not a decimal number"},
      {"space after size", "o\n8 \n" + root + "\n", "is not a decimal number"},
      {"hex size", "o\n0x8\n" + root + "\n", "is not a decimal number"},
      {"root unpadded", "o\n8\n" + root.substr(0, 43) + "\n", "root hash is not valid base64"},
      {"root padding bits", "o\n8\n" + root.substr(0, 42) + "h=\n", "padding bits are not zero"},
      {"root url-safe base64", "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n",
       "not valid base64"},
      {"root of 31 bytes", "o\n8\n" + crypto::Base64Encode(b31) + "\n",
       "root hash is 31 bytes, want 32"},
      {"root of 33 bytes", "o\n8\n" + crypto::Base64Encode(b33) + "\n",
       "root hash is 33 bytes, want 32"},
      {"root in hex", "o\n8\n" + testing::kRoot8Hex + "\n", "root hash is 48 bytes, want 32"},
      {"missing root", "o\n8\n\n", "root hash is 0 bytes"},
      {"empty extension line", kBody + "\n", "extension line 1 is empty"},
      {"empty second extension", kBody + "x\n\n", "extension line 2 is empty"},
      {"CRLF line ends", "o\r\n8\r\n" + root + "\r\n", "control character at byte 1"},
      {"invalid UTF-8", "o\xff\n8\n" + root + "\n",
       "invalid UTF-8 or a control character at byte 1"},
      {"overlong UTF-8", "o\xC0\xAF\n8\n" + root + "\n", "invalid UTF-8"},
      {"UTF-8 surrogate", "o\xED\xA0\x80\n8\n" + root + "\n", "invalid UTF-8"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      CheckError(ParseCheckpointBody(c.body).status(), StatusCode::kDataLoss, c.fragment);
    }
  }
  SECTION("NUL byte inside a line") {
    const std::string body = "o\n8\n" + root + "\nx" + std::string(1, '\0') + "y\n";
    CheckError(ParseCheckpointBody(body).status(), StatusCode::kDataLoss, "control character");
  }
}

TEST_CASE("ValidateCheckpoint refuses what would not parse back", "[ledger][checkpoint]") {
  Checkpoint c = Reference();
  c.origin = "";
  CheckError(ValidateCheckpoint(c), StatusCode::kInvalidArgument, "origin \"\" is empty");
  c.origin = "example.com/log two";
  CheckError(ValidateCheckpoint(c), StatusCode::kInvalidArgument, "origin");
  c = Reference();
  c.extensions = {"ok", ""};
  CheckError(ValidateCheckpoint(c), StatusCode::kInvalidArgument, "extension line 2");
  c.extensions = {"two\nlines"};
  CheckError(ValidateCheckpoint(c), StatusCode::kInvalidArgument, "extension line 1");
  c.extensions = {"tab\there"};
  CheckError(ValidateCheckpoint(c), StatusCode::kInvalidArgument, "extension line 1");
}

TEST_CASE("the reference verifier keys parse and format back byte for byte",
          "[ledger][checkpoint]") {
  const NoteVerifier foo = testing::Verifier(testing::kFooVkey);
  CHECK(foo.name == "example.com/foo");
  CHECK(foo.key_id == 0x530d903a);
  CHECK(FormatVerifierKey(foo) == testing::kFooVkey);
  const NoteVerifier log = testing::Verifier(testing::kLogVkey);
  CHECK(log.key_id == 0xaa158d86);
  CHECK(crypto::ToHex(crypto::ByteView(log.key.bytes)) ==
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  // The same verifier, made from the log's private key.
  const crypto::Ed25519PrivateKey key = testing::KeyFromSeedHex(testing::kLogSeedHex);
  Result<NoteVerifier> made = MakeNoteVerifier("example.com/testlog", key.PublicKey());
  REQUIRE(made.ok());
  CHECK(*made == log);
  CHECK(NoteKeyId("example.com/testlog", key.PublicKey()) == 0xaa158d86);
}

TEST_CASE("ParseVerifierKey rejects malformed keys with InvalidArgument", "[ledger][checkpoint]") {
  const std::string key = "AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
  const std::vector<uint8_t> short_key(32, 1);  // type byte + 31 bytes
  struct Case {
    const char* name;
    std::string vkey;
    const char* fragment;
  };
  const Case cases[] = {
      {"empty", "", "not <name>+<key id>+<key>"},
      {"name only", "example.com/foo", "not <name>+<key id>+<key>"},
      {"no key", "example.com/foo+530d903a", "not <name>+<key id>+<key>"},
      {"empty name", "+530d903a+" + key, "name \"\" is empty"},
      {"name with a space", "example com+530d903a+" + key, "is empty or has a space"},
      {"short id", "example.com/foo+530d903+" + key, "8 lower-case hex digits"},
      {"upper-case id", "example.com/foo+530D903A+" + key, "8 lower-case hex digits"},
      {"non-hex id", "example.com/foo+530d903g+" + key, "8 lower-case hex digits"},
      {"empty key", "example.com/foo+530d903a+", "has no key bytes"},
      {"key not base64", "example.com/foo+530d903a+" + key.substr(1), "not valid base64"},
      {"cosignature key", testing::kWitnessVkey, "signature type 04; only 01 (Ed25519)"},
      {"short key", "example.com/foo+530d903a+" + crypto::Base64Encode(short_key),
       "is 31 bytes, want 32"},
      {"wrong id", "example.com/foo+530d903b+" + key,
       "id 530d903b does not match its name and key (want 530d903a)"},
      {"other name", "example.com/fop+530d903a+" + key, "does not match its name and key"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      CheckError(ParseVerifierKey(c.vkey).status(), StatusCode::kInvalidArgument, c.fragment);
    }
  }
}

TEST_CASE("SignNote reproduces the reference checkpoint signature byte for byte",
          "[ledger][checkpoint]") {
  const crypto::Ed25519PrivateKey key = testing::KeyFromSeedHex(testing::kLogSeedHex);
  Result<std::string> note = SignNote(kBody, "example.com/testlog", key);
  REQUIRE(note.ok());
  CHECK(*note == kBody + "\n" + testing::kLogLine);
}

TEST_CASE("SignNote rejects bad key names and texts with InvalidArgument", "[ledger][checkpoint]") {
  auto rng = crypto::NewDeterministicRandom(1);
  const crypto::Ed25519PrivateKey key = crypto::Ed25519PrivateKey::Generate(*rng);
  CheckError(SignNote(kBody, "", key).status(), StatusCode::kInvalidArgument, "key name");
  CheckError(SignNote(kBody, "a b", key).status(), StatusCode::kInvalidArgument, "key name");
  CheckError(SignNote(kBody, "a+b", key).status(), StatusCode::kInvalidArgument, "key name");
  CheckError(SignNote(kBody,
                      "a\xE2\x80\x83"
                      "b",
                      key)
                 .status(),
             StatusCode::kInvalidArgument, "key name");
  CheckError(SignNote("", "a", key).status(), StatusCode::kInvalidArgument, "end in a newline");
  CheckError(SignNote("text", "a", key).status(), StatusCode::kInvalidArgument, "end in a newline");
  CheckError(SignNote("a\r\n", "a", key).status(), StatusCode::kInvalidArgument,
             "control character at byte 1");
  CheckError(SignNote("\xfe\n", "a", key).status(), StatusCode::kInvalidArgument, "invalid UTF-8");
  CheckError(SignNote(std::string(70000, 'x') + "\n", "a", key).status(),
             StatusCode::kInvalidArgument, "more than the 65536 allowed");
}

}  // namespace
}  // namespace cairn::ledger
