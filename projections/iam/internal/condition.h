// The Condition element: compiling an operator block into Conditions, and
// deciding one Condition against a request.
//
// Missing keys, as IAM decides them (AWS IAM User Guide, "IAM JSON policy
// elements: Condition operators", the "Important" note at the top, and
// "Single-valued vs. multivalued context keys"):
//  - a key absent from the request context makes a positive operator false
//    and a negated one (StringNotEquals, StringNotLike, NumericNotEquals,
//    DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike, ...) true;
//  - ...IfExists: an absent key makes the condition true, a present key is
//    checked as without the suffix;
//  - Null: "true" holds when the key is absent, "false" when it is present;
//  - ForAllValues: true when the key is absent or has no values (empty set);
//    ForAnyValue: false then (IfExists on either makes an absent key true);
//  - several values for one key OR for positive operators and NOR for negated
//    ones ("the key matches none of them"); keys within an operator and
//    operators within a block AND.
// A request value that does not parse for the operator's type (a tag "abc" for
// a Numeric operator) matches no policy value, and then the condition is false,
// negated or not: nothing is granted or denied on a value of the wrong type.
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_CONDITION_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_CONDITION_H_

#include <nlohmann/json.hpp>
#include <vector>

#include "crypto/status.h"
#include "projections/iam/internal/compiled.h"
#include "projections/iam/policy.h"

namespace cairn::iam::internal {

// Compiles a statement's Condition element (an object of operator -> object of
// key -> value or list of values). InvalidArgument naming
// "Condition.<operator>" and the key for an unknown operator or key, a value
// of the wrong type, or aws:TagKeys without a set operator.
Result<std::vector<Condition>> CompileConditions(const nlohmann::json& block);

// Whether `condition` holds for `context`. Allocates nothing.
bool ConditionHolds(const Condition& condition, const RequestContext& context);

}  // namespace cairn::iam::internal

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_CONDITION_H_
