// The action table: KnownActions() in a fixed order, so that a compiled
// Action list is a bitmask over it (bit i = KnownActions()[i]).
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_ACTIONS_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_ACTIONS_H_

#include <cstdint>
#include <string_view>

namespace cairn::iam::internal {

// The bits of every known action that `pattern` (case-insensitive, `*`, `?`)
// matches; 0 when it can match none.
uint64_t ActionMask(std::string_view pattern);

// The index of `action` in KnownActions() (case-insensitive), or -1.
int ActionIndex(std::string_view action);

}  // namespace cairn::iam::internal

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_ACTIONS_H_
