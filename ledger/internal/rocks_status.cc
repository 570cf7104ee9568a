#include "ledger/internal/rocks_status.h"

#include <string>

namespace cairn::ledger {

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + s.ToString();
  if (s.IsCorruption()) return DataLossError(std::move(message));
  if (s.IsBusy() || s.IsTryAgain()) return UnavailableError(std::move(message));
  if (s.IsNotFound()) return NotFoundError(std::move(message));
  return InternalError(std::move(message));
}

bool IsLockError(const rocksdb::Status& s) {
  // PosixFileSystem::LockFile reports "While lock file: <dir>/LOCK: Resource
  // temporarily unavailable" (another process) or "lock hold by current
  // process" (this one), both as IOError.
  if (!s.IsIOError()) return false;
  std::string text = s.ToString();
  return text.find("lock file") != std::string::npos ||
         text.find("lock hold") != std::string::npos || text.find("/LOCK") != std::string::npos;
}

}  // namespace cairn::ledger
