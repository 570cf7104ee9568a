// Family names and the `log` key encoding (ledger/FORMAT.md, "Keys").
#include "ledger/store.h"

#include <functional>
#include <memory_resource>
#include <unordered_set>

namespace cairn::ledger {
namespace {

struct OpKey {
  Family family;
  std::string_view key;
  bool operator==(const OpKey& o) const { return family == o.family && key == o.key; }
};
struct OpKeyHash {
  size_t operator()(const OpKey& k) const {
    return std::hash<std::string_view>()(k.key) * 31 + static_cast<size_t>(k.family);
  }
};

}  // namespace

void WriteSet::DropOverwritten() {
  if (ops_.size() < 2) return;
  // Last op first: the first time a key is met it is its final op, kept.
  std::vector<bool> keep(ops_.size());
  // The set's nodes come from one arena, released at once: a replica's page
  // is tens of thousands of ops, and a malloc and free for each showed.
  std::pmr::monotonic_buffer_resource arena(ops_.size() * 48);
  std::pmr::unordered_set<OpKey, OpKeyHash> seen(&arena);
  seen.reserve(ops_.size());
  for (size_t i = ops_.size(); i-- > 0;) {
    keep[i] = seen.insert({ops_[i].family, ops_[i].key}).second;
  }
  seen.clear();  // it borrows the keys about to move
  size_t out = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (!keep[i]) continue;
    if (out != i) ops_[out] = std::move(ops_[i]);
    ++out;
  }
  ops_.resize(out);
}

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
