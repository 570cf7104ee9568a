// The set of secrets a ListSecrets or filtered BatchGetSecretValue call
// addresses: filtered, optionally including those scheduled for deletion, and
// sorted (default created-date ascending; ties by name, then ARN).
#ifndef CAIRN_SERVICE_INTERNAL_SECRET_QUERY_H_
#define CAIRN_SERVICE_INTERNAL_SECRET_QUERY_H_

#include <string>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"
#include "service/internal/filters.h"
#include "service/internal/params.h"

namespace cairn::service::internal {

struct SecretQuery {
  std::vector<Filter> filters;
  bool include_planned_deletion = false;
  std::string sort_by =
      "created-date";              // created-date, last-accessed-date, last-changed-date, name
  std::string sort_order = "asc";  // asc, desc

  // Canonical text binding a NextToken to this query (`scope` names the operation).
  std::string Text(const std::string& scope) const;
};

// Reads SortBy / SortOrder (InvalidParameterException outside their enums).
Status ReadSort(const Params& params, SecretQuery& query);

// The matching secrets, in order. Pointers borrow from `state`.
std::vector<const projections::Secret*> SelectSecrets(const projections::SecretsView& state,
                                                      const SecretQuery& query);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_SECRET_QUERY_H_
