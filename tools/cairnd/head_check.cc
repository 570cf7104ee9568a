#include "tools/cairnd/head_check.h"

#include "crypto/hash.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/record.h"
#include "ledger/tree.h"
#include "service/checkpointer.h"

namespace cairn::tools {
namespace {

// A ledger with a base (a DR replica from a snapshot) holds no record before
// it: the record at the base links to meta base's leaf instead, and with no
// record past the base the head must be the base itself.
Status CheckLastRecords(const ledger::Store& store, const ledger::Head& head,
                        const ledger::Base& base) {
  if (base.seq > 0 && head.next_seq == base.seq) {
    if (head.last_leaf != base.prev_leaf) {
      return DataLossError("the head named in meta is not the ledger's base (seq " +
                           std::to_string(base.seq) + ")");
    }
    return Status::Ok();
  }
  const uint64_t last = head.next_seq - 1;
  ASSIGN_OR_RETURN(std::string bytes, ledger::ReadRecord(store, last));
  if (crypto::LeafHash(crypto::AsBytes(bytes)) != head.last_leaf) {
    return DataLossError("record " + std::to_string(last) + " does not hash to the head named in meta");
  }
  ASSIGN_OR_RETURN(ledger::RecordFields record, ledger::DecodeRecord(bytes));
  if (record.seq != last) {
    return DataLossError("record at key " + std::to_string(last) + " says it is seq " + std::to_string(record.seq));
  }
  if (last == 0) return Status::Ok();
  if (base.seq > 0 && last == base.seq) {
    if (record.prev != base.prev_leaf) {
      return DataLossError("record " + std::to_string(last) +
                           " does not link to the ledger's base");
    }
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::string before, ledger::ReadRecord(store, last - 1));
  if (crypto::LeafHash(crypto::AsBytes(before)) != record.prev) {
    return DataLossError("record " + std::to_string(last) + " does not link to record " + std::to_string(last - 1));
  }
  return Status::Ok();
}

Status CheckLatestCheckpoint(const ledger::Store& store, const ledger::Head& head) {
  ASSIGN_OR_RETURN(auto checkpoints, service::ReadCheckpoints(store));
  if (checkpoints.empty()) return Status::Ok();  // a ledger from before checkpoints; one is signed soon
  ASSIGN_OR_RETURN(ledger::NoteVerifier verifier, service::ReadLedgerVerifier(store));
  const auto& [size, note] = checkpoints.back();
  auto opened = ledger::OpenSignedCheckpoint(note, verifier);
  if (!opened.ok()) {
    return DataLossError("the latest checkpoint (size " + std::to_string(size) +
                         ") does not verify under the ledger's key: " + opened.status().message());
  }
  if (opened->size != size || size > head.next_seq) {
    return DataLossError("the latest checkpoint claims size " + std::to_string(opened->size) + " but the log has " +
                         std::to_string(head.next_seq) + " records");
  }
  ASSIGN_OR_RETURN(crypto::Digest root, ledger::TreeReader(store).Root(size));
  if (root != opened->root) {
    return DataLossError("the latest checkpoint (size " + std::to_string(size) + ") has root " +
                         crypto::ToHex(opened->root) + " but the log's tree has " + crypto::ToHex(root));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyHeadAtStart(const ledger::Store& store) {
  ASSIGN_OR_RETURN(ledger::Head head, ledger::ReadHead(store));
  if (head.next_seq == 0) return DataLossError("the ledger has no records, not even its genesis");
  ASSIGN_OR_RETURN(ledger::Base base, ledger::ReadBase(store));
  if (head.next_seq < base.seq) {
    return DataLossError("the head named in meta is below the ledger's base");
  }
  RETURN_IF_ERROR(CheckLastRecords(store, head, base));
  return CheckLatestCheckpoint(store, head);
}

}  // namespace cairn::tools
