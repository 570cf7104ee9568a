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

}  // namespace cairn::ledger
