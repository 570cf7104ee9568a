#include "service/principals.h"

#include <array>

#include "service/access.h"
#include "service/internal/enrol.h"
#include "service/internal/errors.h"
#include "service/internal/outcome.h"
#include "service/internal/redact.h"

namespace cairn::service {
namespace {

constexpr char kZ85Alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr size_t kZ85KeyLength = 40;  // 32 bytes

// Digit values of the Z85 alphabet; -1 for characters outside it.
constexpr std::array<int, 256> Z85Digits() {
  std::array<int, 256> digits{};
  for (int& d : digits) d = -1;
  for (int i = 0; i < 85; ++i) digits[static_cast<unsigned char>(kZ85Alphabet[i])] = i;
  return digits;
}

bool IsPrincipalNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
}

}  // namespace

bool IsCairnOperation(std::string_view operation) { return ActionFor(operation).starts_with("cairn:"); }

Status ValidatePrincipalName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return internal::ValidationError("Invalid principal name. Must be between 1 and 64 characters long");
  }
  for (char c : name) {
    if (!IsPrincipalNameChar(c)) {
      return internal::ValidationError(
          "Invalid principal name. Must contain only alphanumeric characters or any of the "
          "following: +=,.@_-");
    }
  }
  return Status::Ok();
}

Status ValidateAccessKeyId(std::string_view access_key_id) {
  if (access_key_id.size() < 16 || access_key_id.size() > 128) {
    return internal::ValidationError("Invalid AccessKeyId. Must be between 16 and 128 characters long");
  }
  for (char c : access_key_id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return internal::ValidationError("Invalid AccessKeyId. Must contain only upper-case letters and digits");
    }
  }
  return Status::Ok();
}

Status ValidatePublicKey(std::string_view z85) {
  static constexpr std::array<int, 256> kDigits = Z85Digits();
  if (z85.size() != kZ85KeyLength) {
    return InvalidArgumentError("Invalid PublicKey: must be 40 characters long (a Z85 CURVE public key)");
  }
  for (size_t group = 0; group < z85.size(); group += 5) {
    uint64_t value = 0;
    for (size_t i = group; i < group + 5; ++i) {
      const int digit = kDigits[static_cast<unsigned char>(z85[i])];
      if (digit < 0) {
        return InvalidArgumentError("Invalid PublicKey: must be Z85 text (a Z85 CURVE public key)");
      }
      value = value * 85 + static_cast<uint64_t>(digit);
    }
    if (value > UINT32_MAX) {
      return InvalidArgumentError("Invalid PublicKey: must be Z85 text (a Z85 CURVE public key)");
    }
  }
  return Status::Ok();
}

std::string PrincipalArn(std::string_view account_id, std::string_view principal_type,
                         std::string_view name) {
  const char* kind = principal_type == projections::kPrincipalService ? ":role/" : ":user/";
  return "arn:aws:iam::" + std::string(account_id) + kind + std::string(name);
}

Result<Decision> DecideEnrolFirstAdmin(const std::string& name, const std::string& public_key_z85,
                                       const projections::SecretsView& state,
                                       const projections::PrincipalsView& principals,
                                       int64_t now_ms) {
  internal::NewPrincipal principal;
  principal.name = name;
  principal.public_key = public_key_z85;
  principal.admin = true;
  internal::AuditFields audit;
  audit.action = kCreatePrincipal;
  audit.event_category = "AwsServiceEvent";
  audit.request_parameters = internal::RedactedParameters(
      Json{{"Name", name}, {"PublicKey", public_key_z85}, {"Admin", true}},
      {"Name", "PublicKey", "Admin"});
  ASSIGN_OR_RETURN(internal::Outcome out,
                   internal::EnrolPrincipal(principal, state.info(), principals, now_ms, &audit.resource));
  return internal::SuccessDecision(std::move(out), audit);
}

Decision DecideUnauthenticatedAttempts(uint64_t attempts, uint64_t distinct_keys,
                                       int64_t since_ms, int64_t until_ms) {
  internal::Outcome out;
  out.SetBody(schema::CreateUnauthenticatedAttempts(out.fbb, attempts, distinct_keys, since_ms,
                                                    until_ms));
  internal::AuditFields audit;
  audit.action = kUnauthenticatedAttempts;
  audit.event_category = "AwsServiceEvent";
  audit.request_parameters = "null";
  return internal::SuccessDecision(std::move(out), audit);
}

}  // namespace cairn::service
