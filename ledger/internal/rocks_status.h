// Translation of rocksdb::Status into cairn::Status (the store's error codes).
#ifndef CAIRN_LEDGER_INTERNAL_ROCKS_STATUS_H_
#define CAIRN_LEDGER_INTERNAL_ROCKS_STATUS_H_

#include <rocksdb/status.h>

#include <string_view>

#include "crypto/status.h"

namespace cairn::ledger {

// Corruption -> DataLoss; Busy/TryAgain -> Unavailable; NotFound -> NotFound;
// anything else (I/O errors included) -> Internal. The message is
// "<context>: <rocksdb message>".
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// True if `s` is RocksDB refusing its LOCK file (held by another process, or by
// another handle in this one).
bool IsLockError(const rocksdb::Status& s);

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_ROCKS_STATUS_H_
