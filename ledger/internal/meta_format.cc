#include "ledger/internal/meta_format.h"

#include <algorithm>

namespace cairn::ledger {

std::string EncodeHead(const Head& head) {
  std::string out = SeqKey(head.next_seq - 1);
  out.append(reinterpret_cast<const char*>(head.last_leaf.data()), head.last_leaf.size());
  return out;
}

Result<Head> DecodeHead(std::string_view bytes) {
  if (bytes.size() != kHeadBytes) {
    return DataLossError("meta head is " + std::to_string(bytes.size()) + " bytes, want " +
                         std::to_string(kHeadBytes));
  }
  ASSIGN_OR_RETURN(uint64_t last_seq, ParseSeqKey(bytes.substr(0, 8)));
  if (last_seq == UINT64_MAX) return DataLossError("meta head seq overflows");
  Head head;
  head.next_seq = last_seq + 1;
  std::copy_n(bytes.begin() + 8, 32, head.last_leaf.begin());
  return head;
}

Result<std::optional<Head>> ReadMetaHead(const Store& store) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, store.Get(Family::kMeta, kMetaHead));
  if (!raw) return std::optional<Head>();
  ASSIGN_OR_RETURN(Head head, DecodeHead(*raw));
  return std::optional<Head>(head);
}

std::string EncodeBase(const Base& base) {
  std::string out = SeqKey(base.seq);
  out.append(reinterpret_cast<const char*>(base.prev_leaf.data()), base.prev_leaf.size());
  return out;
}

Result<Base> DecodeBase(std::string_view bytes) {
  if (bytes.size() != kBaseBytes) {
    return DataLossError("meta base is " + std::to_string(bytes.size()) + " bytes, want " +
                         std::to_string(kBaseBytes));
  }
  Base base;
  ASSIGN_OR_RETURN(base.seq, ParseSeqKey(bytes.substr(0, 8)));
  std::copy_n(bytes.begin() + 8, 32, base.prev_leaf.begin());
  return base;
}

Status CheckNotChain(const WriteSet& writes, std::string_view what) {
  for (const WriteOp& op : writes.ops()) {
    if (op.family == Family::kLog || op.family == Family::kTree) {
      return InvalidArgumentError(std::string(what) + " may not touch the " +
                                  std::string(FamilyName(op.family)) + " family");
    }
    if (op.family == Family::kMeta &&
        (op.key == kMetaHead || op.key == kMetaFormat || op.key == kMetaBase)) {
      return InvalidArgumentError(std::string(what) + " may not touch meta \"" + op.key + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace cairn::ledger
