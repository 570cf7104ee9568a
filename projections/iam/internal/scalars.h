// Parsers for the typed condition values (numbers, dates, IP addresses and
// networks). They run at compile time on policy values and at evaluation time
// on request values, so none allocates; each returns nullopt on bad input.
#ifndef CAIRN_PROJECTIONS_IAM_INTERNAL_SCALARS_H_
#define CAIRN_PROJECTIONS_IAM_INTERNAL_SCALARS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "projections/iam/internal/compiled.h"

namespace cairn::iam::internal {

// A finite decimal number ("10", "-2.5", "1e3").
std::optional<double> ParseNumber(std::string_view s);

// Milliseconds since the epoch (UTC) of an ISO 8601 date or date-time
// ("2026-11-23", "2026-11-23T10:00:00Z", "...T10:00:00.250+01:00"; no zone
// reads as UTC) or of epoch seconds ("1763856000"), as IAM's Date operators take.
std::optional<int64_t> ParseTime(std::string_view s);

// "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128 network).
// Host bits set under the prefix are ignored, as IAM does.
std::optional<IpNet> ParseIpNet(std::string_view s);

// True when `address` (a bare address) lies in `net`.
bool NetContains(const IpNet& net, const IpNet& address);

}  // namespace cairn::iam::internal

#endif  // CAIRN_PROJECTIONS_IAM_INTERNAL_SCALARS_H_
