// Family names and the `log` key encoding (ledger/FORMAT.md, "Keys").
#include "ledger/store.h"

namespace cairn::ledger {

std::string_view FamilyName(Family f) {
  switch (f) {
    case Family::kLog:
      return "log";
    case Family::kTree:
      return "tree";
    case Family::kCheckpoints:
      return "checkpoints";
    case Family::kState:
      return "state";
    case Family::kKeys:
      return "keys";
    case Family::kMeta:
      return "meta";
  }
  return "unknown";
}

std::string SeqKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(seq & 0xff);
    seq >>= 8;
  }
  return key;
}

Result<uint64_t> ParseSeqKey(std::string_view key) {
  if (key.size() != 8) {
    return DataLossError("log key is " + std::to_string(key.size()) + " bytes, want 8");
  }
  uint64_t seq = 0;
  for (char c : key) seq = (seq << 8) | static_cast<uint8_t>(c);
  return seq;
}

}  // namespace cairn::ledger
