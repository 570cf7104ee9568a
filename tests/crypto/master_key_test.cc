#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "crypto/master_key.h"
#include "tests/crypto/crypto_test_util.h"

namespace cairn::crypto {
namespace {

using testing::ScratchDir;

// Small scrypt parameters keep the tests fast; the defaults are tested once.
constexpr ScryptParams kFastScrypt{1024, 8, 1};

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void Overwrite(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

struct Fixture {
  ScratchDir dir;
  std::string path = dir.File("master.key");
  std::unique_ptr<RandomSource> rng = NewDeterministicRandom(21);
  SecureBuffer key = NewMasterKey(*rng);
  SecureBuffer passphrase = SecureBuffer::FromString("correct horse battery staple");
};

TEST_CASE("a plain key file round-trips and is created with mode 0600", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, nullptr, *f.rng).ok());
  CHECK(ModeOf(f.path) == 0600);
  Result<SecureBuffer> read = ReadMasterKeyFile(f.path, nullptr);
  REQUIRE(read.ok());
  CHECK(read->Equals(f.key.view()));
  CHECK(MasterKeyFileNeedsPassphrase(f.path).value() == false);
  CHECK(ReadAll(f.path).size() == 83);
}

TEST_CASE("a passphrase-sealed key file round-trips", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, &f.passphrase, *f.rng, kFastScrypt).ok());
  CHECK(ModeOf(f.path) == 0600);
  CHECK(MasterKeyFileNeedsPassphrase(f.path).value() == true);
  Result<SecureBuffer> read = ReadMasterKeyFile(f.path, &f.passphrase);
  REQUIRE(read.ok());
  CHECK(read->Equals(f.key.view()));
  const std::vector<uint8_t> bytes = ReadAll(f.path);
  CHECK(bytes.size() == 143);
  CHECK(std::search(bytes.begin(), bytes.end(), f.key.data(), f.key.data() + f.key.size()) ==
        bytes.end());  // the key is not stored in clear
}

TEST_CASE("the default scrypt parameters work", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, &f.passphrase, *f.rng).ok());
  Result<SecureBuffer> read = ReadMasterKeyFile(f.path, &f.passphrase);
  REQUIRE(read.ok());
  CHECK(read->Equals(f.key.view()));
}

TEST_CASE("a wrong passphrase is PermissionDenied", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, &f.passphrase, *f.rng, kFastScrypt).ok());
  const SecureBuffer wrong = SecureBuffer::FromString("Correct horse battery staple");
  CHECK(ReadMasterKeyFile(f.path, &wrong).status() ==
        PermissionDeniedError("wrong passphrase for key file " + f.path));
}

TEST_CASE("a sealed key file read without a passphrase is FailedPrecondition",
          "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, &f.passphrase, *f.rng, kFastScrypt).ok());
  CHECK(ReadMasterKeyFile(f.path, nullptr).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("a missing key file is NotFound", "[crypto][master_key]") {
  Fixture f;
  CHECK(ReadMasterKeyFile(f.path, nullptr).status() ==
        NotFoundError("key file " + f.path + " does not exist"));
  CHECK(MasterKeyFileNeedsPassphrase(f.path).status().code() == StatusCode::kNotFound);
}

TEST_CASE("writing over an existing path is AlreadyExists and leaves it alone",
          "[crypto][master_key]") {
  Fixture f;
  Overwrite(f.path, {'x'});
  CHECK(WriteMasterKeyFile(f.path, f.key, nullptr, *f.rng).code() == StatusCode::kAlreadyExists);
  CHECK(WriteMasterKeyFile(f.path, f.key, &f.passphrase, *f.rng, kFastScrypt).code() ==
        StatusCode::kAlreadyExists);
  CHECK(ReadAll(f.path) == std::vector<uint8_t>{'x'});
}

TEST_CASE("a key file readable by group or other is FailedPrecondition naming chmod 600",
          "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, nullptr, *f.rng).ok());
  const mode_t mode = GENERATE(0644, 0640, 0604, 0660, 0601);
  REQUIRE(::chmod(f.path.c_str(), mode) == 0);
  const Status status = ReadMasterKeyFile(f.path, nullptr).status();
  CHECK(status.code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(status.message(), Catch::Contains(f.path) && Catch::Contains("chmod 600"));
  CHECK(MasterKeyFileNeedsPassphrase(f.path).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("a damaged key file is DataLoss", "[crypto][master_key]") {
  Fixture f;
  const bool sealed = GENERATE(false, true);
  REQUIRE(WriteMasterKeyFile(f.path, f.key, sealed ? &f.passphrase : nullptr, *f.rng, kFastScrypt)
              .ok());
  const std::vector<uint8_t> good = ReadAll(f.path);
  const SecureBuffer* passphrase = sealed ? &f.passphrase : nullptr;
  SECTION("every single flipped byte") {
    for (size_t i = 0; i < good.size(); ++i) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= 0x01;
      Overwrite(f.path, bad);
      INFO("offset " << i);
      CHECK(ReadMasterKeyFile(f.path, passphrase).status().code() == StatusCode::kDataLoss);
    }
  }
  SECTION("every truncation") {
    for (size_t n = 0; n < good.size(); n += 7) {
      Overwrite(f.path, std::vector<uint8_t>(good.begin(), good.begin() + n));
      INFO("length " << n);
      CHECK(ReadMasterKeyFile(f.path, passphrase).status().code() == StatusCode::kDataLoss);
    }
  }
  SECTION("a trailing byte") {
    std::vector<uint8_t> bad = good;
    bad.push_back('\n');
    Overwrite(f.path, bad);
    CHECK(ReadMasterKeyFile(f.path, passphrase).status().code() == StatusCode::kDataLoss);
  }
  SECTION("a file that is not a key file") {
    Overwrite(f.path, std::vector<uint8_t>(5000, 'A'));
    CHECK(ReadMasterKeyFile(f.path, passphrase).status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("DataLoss messages name the file and the reason", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, nullptr, *f.rng).ok());
  std::vector<uint8_t> bytes = ReadAll(f.path);
  SECTION("truncated") {
    bytes.resize(60);
    Overwrite(f.path, bytes);
    CHECK(ReadMasterKeyFile(f.path, nullptr).status() ==
          DataLossError("key file " + f.path + ": truncated"));
  }
  SECTION("checksum") {
    bytes[40] ^= 1;
    Overwrite(f.path, bytes);
    CHECK(ReadMasterKeyFile(f.path, nullptr).status() ==
          DataLossError("key file " + f.path + ": corrupt (checksum mismatch)"));
    CHECK(MasterKeyFileNeedsPassphrase(f.path).status().code() == StatusCode::kDataLoss);
  }
  SECTION("foreign") {
    Overwrite(f.path, {'{', '}'});
    CHECK(ReadMasterKeyFile(f.path, nullptr).status() ==
          DataLossError("key file " + f.path + ": not a Cairn key file"));
  }
}

TEST_CASE("a directory at the key path is FailedPrecondition", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(::mkdir(f.path.c_str(), 0700) == 0);
  CHECK(ReadMasterKeyFile(f.path, nullptr).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("a passphrase given for a plain key file is ignored", "[crypto][master_key]") {
  Fixture f;
  REQUIRE(WriteMasterKeyFile(f.path, f.key, nullptr, *f.rng).ok());
  Result<SecureBuffer> read = ReadMasterKeyFile(f.path, &f.passphrase);
  REQUIRE(read.ok());
  CHECK(read->Equals(f.key.view()));
}

TEST_CASE("writing rejects bad keys, empty passphrases and absurd scrypt parameters",
          "[crypto][master_key]") {
  Fixture f;
  CHECK(WriteMasterKeyFile(f.path, SecureBuffer(16), nullptr, *f.rng).code() ==
        StatusCode::kInvalidArgument);
  const SecureBuffer empty;
  CHECK(WriteMasterKeyFile(f.path, f.key, &empty, *f.rng, kFastScrypt).code() ==
        StatusCode::kInvalidArgument);
  for (ScryptParams p : {ScryptParams{1000, 8, 1}, ScryptParams{1, 8, 1}, ScryptParams{1024, 0, 1},
                         ScryptParams{1024, 8, 0}, ScryptParams{uint64_t{1} << 40, 8, 1}}) {
    CHECK(WriteMasterKeyFile(f.path, f.key, &f.passphrase, *f.rng, p).code() ==
          StatusCode::kInvalidArgument);
  }
  CHECK(WriteMasterKeyFile(f.dir.File("no/such/dir/key"), f.key, nullptr, *f.rng).code() ==
        StatusCode::kNotFound);
}

TEST_CASE("MasterKeyId is the hex of 8 bytes of the domain hash", "[crypto][master_key]") {
  Fixture f;
  const std::string id = MasterKeyId(f.key);
  CHECK(id.size() == 16);
  CHECK(id == ToHex(DomainHash("cairn/master-key-id/v1", f.key.view())).substr(0, 16));
  CHECK(MasterKeyId(NewMasterKey(*f.rng)) != id);
}

}  // namespace
}  // namespace cairn::crypto
