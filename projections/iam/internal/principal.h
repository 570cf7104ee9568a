// Principal / NotPrincipal of a resource policy: compiling the element and
// matching the caller's ARN against it.
//
// Forms: "*"; {"AWS": "*" | <ARN> | <12-digit account> | [ ... ]}. "*" matches
// every caller; an ARN matches exactly (case-sensitive, no wildcards); an
// account or "arn:aws:iam::<account>:root" matches every ARN of that account
// ("arn:aws:iam::<account>:..."). Other principal types (Service, Federated,
// CanonicalUser) name no Cairn caller and are refused.
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_PRINCIPAL_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_PRINCIPAL_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "crypto/status.h"
#include "projections/iam/internal/compiled.h"

namespace cairn::iam::internal {

// InvalidArgument naming `field` for any other form.
Result<PrincipalSet> CompilePrincipals(const nlohmann::json& element, std::string_view field);

// Whether `principal_arn` is in `set`. Allocates nothing.
bool PrincipalMatches(const PrincipalSet& set, std::string_view principal_arn);

}  // namespace cairn::iam::internal

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_PRINCIPAL_H_
