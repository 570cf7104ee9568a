// GetRandomPassword (API reference §2.16, §3.10). The password goes to the
// caller only; the event records its length.
#include <optional>

#include "crypto/password.h"
#include "service/internal/errors.h"
#include "service/internal/ops.h"

namespace cairn::service::internal {

Result<Outcome> GetRandomPassword(OpContext& ctx) {
  const Params& p = ctx.params;
  crypto::PasswordOptions options;
  if (const Json* j = p.Find("PasswordLength"); j != nullptr && j->is_number_integer()) {
    bool too_long = j->is_number_unsigned() ? j->get<uint64_t>() > 4096 : j->get<int64_t>() > 4096;
    if (too_long) return ValidationError("Invalid PasswordLength: must be at most 4096");  // §2.16
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> length, p.Int("PasswordLength", 1, 4096));
  options.length = length.value_or(32);
  ASSIGN_OR_RETURN(std::optional<std::string> exclude, p.String("ExcludeCharacters", 0, 4096));
  options.exclude_characters = exclude.value_or("");
  struct Flag {
    const char* member;
    bool* target;
  };
  for (Flag f : {Flag{"ExcludeNumbers", &options.exclude_numbers},
                 Flag{"ExcludePunctuation", &options.exclude_punctuation},
                 Flag{"ExcludeUppercase", &options.exclude_uppercase},
                 Flag{"ExcludeLowercase", &options.exclude_lowercase},
                 Flag{"IncludeSpace", &options.include_space},
                 Flag{"RequireEachIncludedType", &options.require_each_included_type}}) {
    ASSIGN_OR_RETURN(std::optional<bool> value, p.Bool(f.member));
    if (value.has_value()) *f.target = *value;
  }
  if (ctx.env.rng == nullptr) return InternalError("the service has no random source");
  Result<crypto::SecureBuffer> password = crypto::GenerateRandomPassword(options, *ctx.env.rng);
  if (!password.ok()) {
    if (password.status().code() == StatusCode::kInvalidArgument) {
      return InvalidArgumentError(password.status().message());
    }
    return InternalError("generating the password failed");
  }
  Outcome out;
  out.SetBody(
      schema::CreateRandomPasswordGenerated(out.fbb, static_cast<uint32_t>(options.length)));
  out.generated_password = std::move(password).value();
  return out;
}

}  // namespace cairn::service::internal
