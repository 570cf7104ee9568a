#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include "crypto/password.h"

namespace cairn::crypto {
namespace {

constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

bool IsPunct(char c) { return kPunctuation.find(c) != std::string_view::npos; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Generate(const PasswordOptions& o, RandomSource& rng) {
  Result<SecureBuffer> p = GenerateRandomPassword(o, rng);
  REQUIRE(p.ok());
  REQUIRE(p->size() == static_cast<size_t>(o.length));
  return std::string(p->as_string_view());
}

template <typename Pred>
bool Any(const std::string& s, Pred pred) {
  return std::any_of(s.begin(), s.end(), pred);
}

TEST_CASE("the punctuation set is the 32 printable ASCII symbols", "[crypto][password]") {
  CHECK(kPunctuation.size() == 32);
  for (int c = 0x21; c < 0x7f; ++c) {
    CHECK(IsPunct(char(c)) == (std::ispunct(c) != 0));
  }
}

TEST_CASE("the default password has 32 characters from all four classes", "[crypto][password]") {
  auto rng = NewDeterministicRandom(1);
  for (int i = 0; i < 200; ++i) {
    const std::string p = Generate(PasswordOptions{}, *rng);
    CHECK(Any(p, IsLower));
    CHECK(Any(p, IsUpper));
    CHECK(Any(p, IsDigit));
    CHECK(Any(p, IsPunct));
    CHECK_FALSE(Any(p, [](char c) { return c == ' '; }));
  }
}

TEST_CASE("each Exclude flag removes its class and the rest stay required", "[crypto][password]") {
  auto rng = NewDeterministicRandom(2);
  PasswordOptions o;
  o.length = 4;  // as short as four required classes allow
  bool (*excluded)(char) = nullptr;
  SECTION("ExcludeNumbers") {
    o.exclude_numbers = true;
    excluded = IsDigit;
  }
  SECTION("ExcludePunctuation") {
    o.exclude_punctuation = true;
    excluded = IsPunct;
  }
  SECTION("ExcludeUppercase") {
    o.exclude_uppercase = true;
    excluded = IsUpper;
  }
  SECTION("ExcludeLowercase") {
    o.exclude_lowercase = true;
    excluded = IsLower;
  }
  for (int i = 0; i < 500; ++i) {
    const std::string p = Generate(o, *rng);
    CHECK_FALSE(Any(p, excluded));
    for (auto cls : {IsLower, IsUpper, IsDigit, IsPunct}) {
      if (cls != excluded) CHECK(Any(p, cls));
    }
  }
}

TEST_CASE("IncludeSpace adds the space as a required type", "[crypto][password]") {
  auto rng = NewDeterministicRandom(3);
  PasswordOptions o;
  o.include_space = true;
  o.length = 5;
  for (int i = 0; i < 300; ++i) CHECK(Any(Generate(o, *rng), [](char c) { return c == ' '; }));
  o.length = 4;
  CHECK(GenerateRandomPassword(o, *rng).status() ==
        InvalidArgumentError("Password length is too short based on the required types."));
}

TEST_CASE("ExcludeCharacters never appear, over many draws", "[crypto][password]") {
  auto rng = NewDeterministicRandom(4);
  PasswordOptions o;
  o.length = 4096;
  o.include_space = true;
  o.exclude_characters = "aeiouAEIOU01l|`'\"\\ ";
  std::set<char> seen;
  for (int i = 0; i < 10; ++i) {
    const std::string p = Generate(o, *rng);
    seen.insert(p.begin(), p.end());
  }
  for (char c : o.exclude_characters) CHECK(seen.count(c) == 0);
  // Everything else in the pool does show up (95 printable minus 21 excluded).
  CHECK(seen.size() == 95 - o.exclude_characters.size());
}

TEST_CASE("a class emptied by ExcludeCharacters is no longer required", "[crypto][password]") {
  auto rng = NewDeterministicRandom(5);
  PasswordOptions o;
  o.length = 3;
  o.exclude_characters = "0123456789";
  for (int i = 0; i < 100; ++i) CHECK_FALSE(Any(Generate(o, *rng), IsDigit));
}

TEST_CASE("without RequireEachIncludedType a single class may fill the password",
          "[crypto][password]") {
  auto rng = NewDeterministicRandom(6);
  PasswordOptions o;
  o.require_each_included_type = false;
  o.length = 1;
  std::set<char> seen;
  for (int i = 0; i < 3000; ++i) seen.insert(Generate(o, *rng)[0]);
  CHECK(seen.size() == 94);  // every non-space printable character, one at a time
}

TEST_CASE("characters are drawn close to uniformly", "[crypto][password]") {
  auto rng = NewDeterministicRandom(7);
  PasswordOptions o;
  o.require_each_included_type = false;
  o.exclude_punctuation = o.exclude_uppercase = o.exclude_lowercase = true;
  o.length = 4096;
  int counts[10] = {};
  for (int i = 0; i < 10; ++i) {
    for (char c : Generate(o, *rng)) ++counts[c - '0'];
  }
  const double expected = 4096.0;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 27.9);  // p < 0.001 for 9 degrees of freedom
}

TEST_CASE("the same seed gives the same password", "[crypto][password]") {
  CHECK(Generate({}, *NewDeterministicRandom(8)) == Generate({}, *NewDeterministicRandom(8)));
  CHECK(Generate({}, *NewDeterministicRandom(8)) != Generate({}, *NewDeterministicRandom(9)));
  CHECK(Generate({}, SystemRandom()) != Generate({}, SystemRandom()));
}

TEST_CASE("PasswordLength must be between 1 and 4096", "[crypto][password]") {
  auto rng = NewDeterministicRandom(10);
  PasswordOptions o;
  o.require_each_included_type = false;
  for (int64_t ok : {1, 4096}) {
    o.length = ok;
    CHECK(GenerateRandomPassword(o, *rng).ok());
  }
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{4097}, int64_t{1} << 40}) {
    o.length = bad;
    CHECK(GenerateRandomPassword(o, *rng).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a length below the number of required types is rejected", "[crypto][password]") {
  auto rng = NewDeterministicRandom(11);
  PasswordOptions o;
  o.length = 3;
  CHECK(GenerateRandomPassword(o, *rng).status() ==
        InvalidArgumentError("Password length is too short based on the required types."));
  o.require_each_included_type = false;
  CHECK(GenerateRandomPassword(o, *rng).ok());
}

TEST_CASE("an empty character pool is rejected", "[crypto][password]") {
  auto rng = NewDeterministicRandom(12);
  PasswordOptions o;
  SECTION("every class excluded") {
    o.exclude_numbers = o.exclude_punctuation = o.exclude_uppercase = o.exclude_lowercase = true;
  }
  SECTION("every character excluded") {
    o.exclude_numbers = o.exclude_punctuation = o.exclude_uppercase = true;
    o.exclude_characters = "abcdefghijklmnopqrstuvwxyz";
  }
  CHECK(GenerateRandomPassword(o, *rng).status().code() == StatusCode::kInvalidArgument);
  o.include_space = true;  // the space alone is a pool
  CHECK(Generate(o, *rng) == std::string(32, ' '));
}

TEST_CASE("ExcludeCharacters longer than 4096 is rejected", "[crypto][password]") {
  auto rng = NewDeterministicRandom(13);
  PasswordOptions o;
  o.exclude_characters = std::string(4097, '!');
  CHECK(GenerateRandomPassword(o, *rng).status().code() == StatusCode::kInvalidArgument);
  o.exclude_characters.pop_back();
  CHECK(GenerateRandomPassword(o, *rng).ok());
}

}  // namespace
}  // namespace cairn::crypto
