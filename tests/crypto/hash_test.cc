#include <catch2/catch.hpp>

#include <string>

#include "crypto/hash.h"
#include "tests/crypto/crypto_test_util.h"

namespace cairn::crypto {
namespace {

using testing::Hex;

Digest D(std::string_view hex) {
  Result<Digest> d = DigestFromHex(hex);
  REQUIRE(d.ok());
  return *d;
}

TEST_CASE("SHA-256 matches the FIPS 180-2 known answers", "[crypto][hash][kat]") {
  CHECK(ToHex(Sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(Sha256(AsBytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million_a(1000000, 'a');
  CHECK(ToHex(Sha256(AsBytes(million_a))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("LeafHash and NodeHash match the RFC 9162 vectors", "[crypto][hash][kat]") {
  const Digest leaf0 = LeafHash({});
  const Digest leaf1 = LeafHash(Hex("00"));
  CHECK(ToHex(leaf0) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  CHECK(ToHex(leaf1) == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  CHECK(ToHex(LeafHash(AsBytes("L123456"))) ==
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
  CHECK(ToHex(NodeHash(leaf0, leaf1)) ==
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
  // Root of the 4-leaf tree: node (2,0) = H(1 || (1,0) || (1,1)).
  const Digest n10 = D("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
  const Digest n11 = D("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  CHECK(ToHex(NodeHash(n10, n11)) ==
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
}

TEST_CASE("a leaf hash never equals the node hash of the same bytes", "[crypto][hash]") {
  const Digest l = Sha256(AsBytes("l"));
  const Digest r = Sha256(AsBytes("r"));
  std::vector<uint8_t> concat(l.begin(), l.end());
  concat.insert(concat.end(), r.begin(), r.end());
  CHECK(LeafHash(concat) != NodeHash(l, r));
}

TEST_CASE("DomainHash is SHA-256 over the length-prefixed domain and the data", "[crypto][hash]") {
  std::vector<uint8_t> input = {3, 'a', 'b', 'c'};
  input.push_back('x');
  CHECK(DomainHash("abc", AsBytes("x")) == Sha256(input));
}

TEST_CASE("DomainHash keeps domains apart even when the concatenations agree", "[crypto][hash]") {
  CHECK(DomainHash("ab", AsBytes("c")) != DomainHash("a", AsBytes("bc")));
  CHECK(DomainHash("cairn/a/v1", AsBytes("x")) != DomainHash("cairn/b/v1", AsBytes("x")));
  CHECK(DomainHash("", AsBytes("x")) != Sha256(AsBytes("x")));
}

TEST_CASE("HMAC-SHA-256 matches the RFC 4231 known answers", "[crypto][hash][kat]") {
  SECTION("test case 1") {
    const std::vector<uint8_t> key(20, 0x0b);
    CHECK(ToHex(HmacSha256(key, AsBytes("Hi There"))) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("test case 2") {
    CHECK(ToHex(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("test case 6, a key longer than the block") {
    const std::vector<uint8_t> key(131, 0xaa);
    CHECK(
        ToHex(HmacSha256(key, AsBytes("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
}

}  // namespace
}  // namespace cairn::crypto
