#include "crypto/password.h"

#include <string_view>
#include <utility>
#include <vector>

namespace cairn::crypto {
namespace {

constexpr int64_t kMaxPasswordLength = 4096;
constexpr size_t kMaxExcludeCharacters = 4096;

constexpr std::string_view kLowercase = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
constexpr std::string_view kSpace = " ";

// The characters of each included class that ExcludeCharacters leaves. A class
// left empty by ExcludeCharacters is dropped: there is nothing to require.
std::vector<std::string> IncludedClasses(const PasswordOptions& o) {
  std::vector<std::string_view> classes;
  if (!o.exclude_lowercase) classes.push_back(kLowercase);
  if (!o.exclude_uppercase) classes.push_back(kUppercase);
  if (!o.exclude_numbers) classes.push_back(kDigits);
  if (!o.exclude_punctuation) classes.push_back(kPunctuation);
  if (o.include_space) classes.push_back(kSpace);
  std::vector<std::string> out;
  for (std::string_view cls : classes) {
    std::string kept;
    for (char c : cls) {
      if (o.exclude_characters.find(c) == std::string::npos) kept.push_back(c);
    }
    if (!kept.empty()) out.push_back(std::move(kept));
  }
  return out;
}

char Pick(std::string_view pool, RandomSource& rng) {
  return pool[rng.Uniform(static_cast<uint32_t>(pool.size()))];
}

}  // namespace

Result<SecureBuffer> GenerateRandomPassword(const PasswordOptions& options, RandomSource& rng) {
  if (options.length < 1 || options.length > kMaxPasswordLength) {
    return InvalidArgumentError("PasswordLength must be between 1 and 4096.");
  }
  if (options.exclude_characters.size() > kMaxExcludeCharacters) {
    return InvalidArgumentError("ExcludeCharacters must be at most 4096 characters.");
  }
  const std::vector<std::string> classes = IncludedClasses(options);
  std::string pool;
  for (const std::string& cls : classes) pool += cls;
  if (pool.empty()) {
    return InvalidArgumentError(
        "No characters are left to choose from: every character type is excluded.");
  }
  const size_t length = static_cast<size_t>(options.length);
  const size_t required = options.require_each_included_type ? classes.size() : 0;
  if (length < required) {
    return InvalidArgumentError("Password length is too short based on the required types.");
  }
  SecureBuffer password(length);
  uint8_t* p = password.data();
  // One character from each required class first, the rest from the whole pool,
  // then a Fisher-Yates shuffle puts the required ones at uniformly random places.
  for (size_t i = 0; i < length; ++i) {
    p[i] = static_cast<uint8_t>(i < required ? Pick(classes[i], rng) : Pick(pool, rng));
  }
  for (size_t i = length - 1; i > 0; --i) {
    const size_t j = rng.Uniform(static_cast<uint32_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return password;
}

}  // namespace cairn::crypto
