// The `meta` family's values (ledger/FORMAT.md, "meta"): the store format
// version written at creation, the head written with every commit and the base
// of a ledger bootstrapped from a snapshot; and the rule that keeps other
// writers off them.
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

// meta "base": 8-byte big-endian first seq || 32-byte leaf hash of seq-1.
inline constexpr size_t kBaseBytes = 8 + 32;
std::string EncodeBase(const Base& base);
// DataLoss unless exactly kBaseBytes.
Result<Base> DecodeBase(std::string_view bytes);

// Side writes, unchained writes and ImportBase's extra entries may not touch
// the chain (`log`), its tree or the meta entries that describe them ("head",
// "base", "format_version"): InvalidArgument naming `what` and the entry.
Status CheckNotChain(const WriteSet& writes, std::string_view what);

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_META_FORMAT_H_
