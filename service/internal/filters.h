// ListSecrets / BatchGetSecretValue filters (API reference §2.24 Filter, §3.9).
//
// Filters are AND-ed; inside one filter a secret matches if one of the plain
// values matches (or there are none) and none of the "!"-negated values does.
// name, tag-key, tag-value, primary-region: case-sensitive prefix. description:
// case-insensitive prefix. owning-service: Cairn secrets have none. all: every
// word of the value is a case-insensitive prefix of some word of the name,
// description, tag keys or tag values (words split at punctuation, lower->upper
// case changes and letter<->digit changes). primary-region is the ledger's region.
#ifndef CAIRN_SERVICE_INTERNAL_FILTERS_H_
#define CAIRN_SERVICE_INTERNAL_FILTERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"
#include "service/internal/params.h"

namespace cairn::service::internal {

struct Filter {
  std::string key;
  std::vector<std::string> values;
};

// The Filters member: at most 10 filters, Key from the enum, 1-10 Values each of
// at most 512 characters matching ^!?[a-zA-Z0-9 :_@/+=.\-!]*$.
// InvalidParameterException otherwise.
Result<std::vector<Filter>> ReadFilters(const Params& params);

bool MatchesFilters(const projections::Secret& secret, const std::vector<Filter>& filters,
                    const projections::LedgerInfo& info);

// Words of `text` for the `all` filter.
std::vector<std::string> SplitWords(std::string_view text);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_FILTERS_H_
