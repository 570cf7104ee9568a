#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"

namespace cairn::crypto {
namespace {

constexpr char kContext[] = "arn:cairn:secretsmanager:local:000000000000:secret:db-AbCdEf\nv-1";

struct Fixture {
  std::unique_ptr<RandomSource> rng = NewDeterministicRandom(11);
  SecureBuffer master = NewMasterKey(*rng);

  Keyring NewRing() {
    Result<Keyring> ring = Keyring::Create(master.Clone(), *rng);
    REQUIRE(ring.ok());
    return std::move(ring).value();
  }
};

TEST_CASE("a new keyring starts at KEK version 1", "[crypto][keyring]") {
  Fixture f;
  CHECK(f.NewRing().current_version() == 1);
}

TEST_CASE("a sealed value opens under the same context", "[crypto][keyring]") {
  Fixture f;
  const Keyring ring = f.NewRing();
  Result<SealedValue> sealed = ring.SealValue(AsBytes("s3cr3t"), kContext, *f.rng);
  REQUIRE(sealed.ok());
  CHECK(sealed->kek_version == 1);
  Result<SecureBuffer> value =
      ring.OpenValue(sealed->ciphertext, sealed->wrapped_dek, sealed->kek_version, kContext);
  REQUIRE(value.ok());
  CHECK(value->as_string_view() == "s3cr3t");
}

TEST_CASE("a sealed value does not open under another context", "[crypto][keyring]") {
  Fixture f;
  const Keyring ring = f.NewRing();
  Result<SealedValue> sealed = ring.SealValue(AsBytes("s3cr3t"), kContext, *f.rng);
  REQUIRE(sealed.ok());
  Result<SecureBuffer> moved =
      ring.OpenValue(sealed->ciphertext, sealed->wrapped_dek, 1, std::string(kContext) + "x");
  CHECK(moved.status().code() == StatusCode::kDataLoss);
}

TEST_CASE("tampered envelope parts fail with DataLoss", "[crypto][keyring]") {
  Fixture f;
  const Keyring ring = f.NewRing();
  Result<SealedValue> sealed = ring.SealValue(AsBytes("v"), "ctx", *f.rng);
  REQUIRE(sealed.ok());
  SECTION("a DEK sealed with another value's ciphertext fails") {
    Result<SealedValue> other = ring.SealValue(AsBytes("v"), "ctx", *f.rng);
    REQUIRE(other.ok());
    CHECK(ring.OpenValue(sealed->ciphertext, other->wrapped_dek, 1, "ctx").status().code() ==
          StatusCode::kDataLoss);
  }
  SECTION("a flipped ciphertext byte fails") {
    sealed->ciphertext[kAeadNonceSize] ^= 1;
    CHECK(ring.OpenValue(sealed->ciphertext, sealed->wrapped_dek, 1, "ctx").status().code() ==
          StatusCode::kDataLoss);
  }
  SECTION("a flipped wrapped-DEK byte fails") {
    sealed->wrapped_dek.back() ^= 1;
    CHECK(ring.OpenValue(sealed->ciphertext, sealed->wrapped_dek, 1, "ctx").status().code() ==
          StatusCode::kDataLoss);
  }
}

void Append(std::vector<uint8_t>& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void AppendU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

TEST_CASE("a keyring and envelope built by hand from FORMAT.md and keyring.h open",
          "[crypto][keyring][format]") {
  Fixture f;
  const SecureBuffer kek = NewMasterKey(*f.rng);
  const SecureBuffer dek = NewMasterKey(*f.rng);
  Result<std::vector<uint8_t>> wrapped_kek =
      AeadSeal(f.master, kek.view(), AsBytes("cairn/kek/v1\n1"), *f.rng);
  REQUIRE(wrapped_kek.ok());
  std::vector<uint8_t> bytes;
  Append(bytes, AsBytes("CAIRN-KEYRING\n"));
  bytes.push_back(1);  // format version
  Append(bytes, *FromHex(MasterKeyId(f.master)));
  AppendU32(bytes, 1);  // current
  AppendU32(bytes, 1);  // count
  AppendU32(bytes, 1);  // KEK version
  Append(bytes, *wrapped_kek);
  const Digest checksum = DomainHash("cairn/keyring/v1", bytes);
  Append(bytes, checksum);

  Result<std::vector<uint8_t>> ciphertext =
      AeadSeal(dek, AsBytes("by hand"), AsBytes("cairn/value/v1\nctx"), *f.rng);
  Result<std::vector<uint8_t>> wrapped_dek =
      AeadSeal(kek, dek.view(), AsBytes("cairn/dek/v1\n1\nctx"), *f.rng);
  REQUIRE(ciphertext.ok());
  REQUIRE(wrapped_dek.ok());

  Result<Keyring> ring = Keyring::Load(f.master.Clone(), bytes);
  REQUIRE(ring.ok());
  CHECK(ring->Serialize() == bytes);
  Result<SecureBuffer> value = ring->OpenValue(*ciphertext, *wrapped_dek, 1, "ctx");
  REQUIRE(value.ok());
  CHECK(value->as_string_view() == "by hand");
}

TEST_CASE("an unknown KEK version is NotFound", "[crypto][keyring]") {
  Fixture f;
  const Keyring ring = f.NewRing();
  Result<SealedValue> sealed = ring.SealValue(AsBytes("v"), "ctx", *f.rng);
  REQUIRE(sealed.ok());
  CHECK(ring.OpenValue(sealed->ciphertext, sealed->wrapped_dek, 2, "ctx").status().code() ==
        StatusCode::kNotFound);
  CHECK(ring.Rewrap(sealed->wrapped_dek, 0, "ctx", *f.rng).status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("after Rotate old values still open and new seals use the new KEK", "[crypto][keyring]") {
  Fixture f;
  Keyring ring = f.NewRing();
  Result<SealedValue> old_value = ring.SealValue(AsBytes("old"), "ctx", *f.rng);
  REQUIRE(old_value.ok());
  Result<uint32_t> v2 = ring.Rotate(*f.rng);
  REQUIRE(v2.ok());
  CHECK(*v2 == 2);
  CHECK(ring.current_version() == 2);
  Result<SealedValue> new_value = ring.SealValue(AsBytes("new"), "ctx", *f.rng);
  REQUIRE(new_value.ok());
  CHECK(new_value->kek_version == 2);
  CHECK(ring.OpenValue(old_value->ciphertext, old_value->wrapped_dek, 1, "ctx")->as_string_view() ==
        "old");
  CHECK(ring.OpenValue(new_value->ciphertext, new_value->wrapped_dek, 2, "ctx")->as_string_view() ==
        "new");
  // A DEK wrapped under v1 does not open under v2.
  CHECK(ring.OpenValue(old_value->ciphertext, old_value->wrapped_dek, 2, "ctx").status().code() ==
        StatusCode::kDataLoss);
}

TEST_CASE("Rewrap moves a DEK to the current KEK without touching the ciphertext",
          "[crypto][keyring]") {
  Fixture f;
  Keyring ring = f.NewRing();
  Result<SealedValue> sealed = ring.SealValue(AsBytes("payload"), "ctx", *f.rng);
  REQUIRE(sealed.ok());
  REQUIRE(ring.Rotate(*f.rng).ok());
  Result<std::vector<uint8_t>> rewrapped = ring.Rewrap(sealed->wrapped_dek, 1, "ctx", *f.rng);
  REQUIRE(rewrapped.ok());
  Result<SecureBuffer> value = ring.OpenValue(sealed->ciphertext, *rewrapped, 2, "ctx");
  REQUIRE(value.ok());
  CHECK(value->as_string_view() == "payload");
  CHECK(ring.Rewrap(sealed->wrapped_dek, 1, "other", *f.rng).status().code() ==
        StatusCode::kDataLoss);
}

TEST_CASE("a serialized keyring loads under its master key", "[crypto][keyring]") {
  Fixture f;
  Keyring ring = f.NewRing();
  REQUIRE(ring.Rotate(*f.rng).ok());
  REQUIRE(ring.Rotate(*f.rng).ok());
  Result<SealedValue> sealed = ring.SealValue(AsBytes("kept"), "ctx", *f.rng);
  REQUIRE(sealed.ok());
  const std::vector<uint8_t> bytes = ring.Serialize();
  Result<Keyring> loaded = Keyring::Load(f.master.Clone(), bytes);
  REQUIRE(loaded.ok());
  CHECK(loaded->current_version() == 3);
  CHECK(loaded->Serialize() == bytes);
  CHECK(loaded->OpenValue(sealed->ciphertext, sealed->wrapped_dek, 3, "ctx")->as_string_view() ==
        "kept");
  REQUIRE(loaded->Rotate(*f.rng).ok());
  CHECK(loaded->current_version() == 4);
}

TEST_CASE("a keyring does not load under another master key", "[crypto][keyring]") {
  Fixture f;
  const std::vector<uint8_t> bytes = f.NewRing().Serialize();
  Result<Keyring> loaded = Keyring::Load(NewMasterKey(*f.rng), bytes);
  CHECK(loaded.status() == DataLossError("keyring does not open under this master key"));
}

TEST_CASE("a corrupted serialized keyring is DataLoss", "[crypto][keyring]") {
  Fixture f;
  Keyring ring = f.NewRing();
  REQUIRE(ring.Rotate(*f.rng).ok());
  std::vector<uint8_t> bytes = ring.Serialize();
  SECTION("every single flipped byte") {
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::vector<uint8_t> bad = bytes;
      bad[i] ^= 0x20;
      INFO("offset " << i);
      CHECK(Keyring::Load(f.master.Clone(), bad).status().code() == StatusCode::kDataLoss);
    }
  }
  SECTION("every truncation") {
    for (size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<uint8_t> bad(bytes.begin(), bytes.begin() + n);
      INFO("length " << n);
      CHECK(Keyring::Load(f.master.Clone(), bad).status().code() == StatusCode::kDataLoss);
    }
  }
  SECTION("an appended byte") {
    bytes.push_back(0);
    CHECK(Keyring::Load(f.master.Clone(), bytes).status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a keyring needs a 32-byte master key", "[crypto][keyring]") {
  Fixture f;
  CHECK(Keyring::Create(SecureBuffer(16), *f.rng).status().code() == StatusCode::kInvalidArgument);
  CHECK(Keyring::Load(SecureBuffer(31), f.NewRing().Serialize()).status().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::crypto
