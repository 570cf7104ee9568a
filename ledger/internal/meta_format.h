// The `meta` family's values (ledger/FORMAT.md, "meta"): the store format
// version written at creation and the head written with every commit.
#ifndef CAIRN_LEDGER_INTERNAL_META_FORMAT_H_
#define CAIRN_LEDGER_INTERNAL_META_FORMAT_H_

#include <optional>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/ledger.h"
#include "ledger/store.h"

namespace cairn::ledger {

// meta "format_version": ASCII decimal version of the storage layout.
inline constexpr std::string_view kStoreFormat = "1";
inline constexpr size_t kHeadBytes = 8 + 32;

// 8-byte big-endian seq of the last record || its 32-byte leaf hash.
// Requires head.next_seq > 0 (an empty ledger has no head entry).
std::string EncodeHead(const Head& head);
// DataLoss unless exactly kHeadBytes.
Result<Head> DecodeHead(std::string_view bytes);

// meta "head" read from `store`: nullopt if absent, DataLoss if malformed.
Result<std::optional<Head>> ReadMetaHead(const Store& store);

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_META_FORMAT_H_
