// Reading the log: ReadRecord, ReadHead, ForEachRecord. Any Store, read-only too.
// A ledger with a base holds no key below it, so ForEachRecord from an earlier
// seq starts at the base.
#include "ledger/internal/meta_format.h"
#include "ledger/ledger.h"

namespace cairn::ledger {

Result<std::string> ReadRecord(const Store& store, uint64_t seq) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kLog, SeqKey(seq)));
  if (!bytes) {
    std::string why = "no record at seq " + std::to_string(seq);
    // Only on a miss: a ledger with a base holds nothing before it.
    Result<Base> base = ReadBase(store);
    if (base.ok() && seq < base->seq) {
      why += ": the ledger starts at seq " + std::to_string(base->seq) + " (a snapshot base)";
    }
    return NotFoundError(why);
  }
  return std::move(*bytes);
}

Result<Head> ReadHead(const Store& store) {
  ASSIGN_OR_RETURN(std::optional<Head> head, ReadMetaHead(store));
  return head.value_or(Head{});
}

Status ForEachRecord(const Store& store, uint64_t from_seq, const RecordVisitor& visit) {
  std::unique_ptr<StoreIterator> it = store.NewIterator(Family::kLog);
  for (it->Seek(SeqKey(from_seq)); it->Valid(); it->Next()) {
    if (!visit(it->key(), it->value())) break;
  }
  return it->status();
}

}  // namespace cairn::ledger
