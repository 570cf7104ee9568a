// Enrolling a principal: shared by CreatePrincipal (op_principals.cc) and the
// daemon's EnrolFirstAdmin (principals.cc), so both check and record the same way.
#ifndef CAIRN_SERVICE_INTERNAL_ENROL_H_
#define CAIRN_SERVICE_INTERNAL_ENROL_H_

#include <cstdint>
#include <string>

#include "crypto/status.h"
#include "projections/principals.h"
#include "projections/secrets.h"
#include "service/internal/outcome.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {

struct NewPrincipal {
  std::string name;
  std::string public_key;
  std::string principal_type = projections::kPrincipalUser;
  bool admin = false;
  TagList tags;
};

// Checks the name (ValidationException) and the key (InvalidParameterException),
// sets `*resource` to the principal's ARN, refuses a name or key enrolled
// already (ResourceExistsException; the key's message names no principal), and
// returns the PrincipalCreated outcome with CreatePrincipal's response.
Result<Outcome> EnrolPrincipal(const NewPrincipal& principal, const projections::LedgerInfo& info,
                               const projections::PrincipalsView& principals, int64_t now_ms,
                               std::string* resource);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_ENROL_H_
