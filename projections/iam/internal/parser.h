// From a policy document's bytes to its compiled statements: JSON syntax,
// size limit, IAM's grammar and every check Compile promises (policy.h).
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_PARSER_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_PARSER_H_

#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "projections/iam/internal/compiled.h"
#include "projections/iam/policy.h"

namespace cairn::iam::internal {

// The statements of `document`, in document order; InvalidArgument as
// Compile documents it.
Result<std::vector<Statement>> ParseStatements(std::string_view document,
                                               const CompileOptions& options);

}  // namespace cairn::iam::internal

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_PARSER_H_
