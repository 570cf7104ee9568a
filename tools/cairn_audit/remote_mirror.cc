#include "tools/cairn_audit/remote_mirror.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/tree.h"
#include "service/api.h"
#include "service/checkpointer.h"
#include "tools/common/remote.h"

namespace cairn::tools {
namespace {

using service::Json;

constexpr char kUserAgent[] = "cairn-audit/0.2.0";
constexpr uint64_t kPageRecords = 1000;      // ReadRecords' largest page
constexpr uint64_t kPageCheckpoints = 1000;  // ListCheckpoints' largest page
constexpr uint64_t kProgressEvery = 100000;

std::string N(uint64_t v) { return std::to_string(v); }

std::string Bytes(const crypto::Digest& d) { return std::string(d.begin(), d.end()); }

constexpr RefusalWording kAuditWording{"cairnd", "cairn-audit --profile needs cairn:ReadAuditLog"};

Result<service::Response> Call(Remote& remote, const std::string& operation, Json params) {
  return CallRefusingErrors(remote, operation, std::move(params), kAuditWording);
}

struct Page {
  uint64_t head = 0;  // HeadSeq: the durable head when the page was decided
  std::vector<std::pair<uint64_t, std::string>> records;
};

Result<Page> ReadPage(Remote& remote, uint64_t from, uint64_t max) {
  ASSIGN_OR_RETURN(service::Response r,
                   Call(remote, "ReadRecords", {{"FromSeq", from}, {"MaxRecords", max}}));
  ASSIGN_OR_RETURN(uint64_t head, CountMember(r.body, "cairnd's ReadRecords", "HeadSeq"));
  return Page{head, std::move(r.records)};
}

// meta origin and checkpoint_pubkey, as service::ReadLedgerVerifier reads them.
Status WriteKeyMeta(const std::string& verifier_key, ledger::Store& store) {
  auto verifier = ledger::ParseVerifierKey(verifier_key);
  if (!verifier.ok()) {
    return DataLossError("cairnd sent a malformed VerifierKey: " + verifier.status().message());
  }
  const auto& key = verifier->key.bytes;
  ledger::WriteSet meta;
  meta.Put(ledger::Family::kMeta, service::kMetaOrigin, verifier->name);
  meta.Put(ledger::Family::kMeta, service::kMetaCheckpointPublicKey,
           std::string(key.begin(), key.end()));
  return store.Write(meta, /*sync=*/false);
}

// Copies records [0, end) into `log`, their tree into `tree` and the head into
// `meta`, starting from the page already read from seq 0.
Status CopyRecords(Remote& remote, Page page, uint64_t end, ledger::Store& store,
                   const MirrorOptions& options) {
  ledger::CompactRange tree;
  crypto::Digest last{};
  uint64_t next = 0;
  while (next < end) {
    if (page.records.empty()) {
      return DataLossError("ReadRecords from seq " + N(next) +
                           " returned no records, but the mirror needs " + N(end));
    }
    ledger::WriteSet writes;
    auto put_node = [&writes](uint8_t level, uint64_t index, const crypto::Digest& hash) {
      writes.Put(ledger::Family::kTree, ledger::TreeNodeKey(level, index), Bytes(hash));
    };
    for (auto& [seq, bytes] : page.records) {
      if (next == end) break;
      if (seq != next)
        return DataLossError("cairnd sent seq " + N(seq) + " where seq " + N(next) + " was due");
      last = ledger::RecordLeafHash(bytes);
      tree.Append(last, put_node);
      writes.Put(ledger::Family::kLog, ledger::SeqKey(seq), std::move(bytes));
      if (++next % kProgressEvery == 0 && options.progress) {
        options.progress("mirrored " + N(next) + " of " + N(end) + " records");
      }
    }
    RETURN_IF_ERROR(store.Write(writes, /*sync=*/false));
    if (next < end) {
      ASSIGN_OR_RETURN(page, ReadPage(remote, next, std::min(kPageRecords, end - next)));
    }
  }
  if (end == 0) return Status::Ok();
  ledger::WriteSet head;  // ledger/FORMAT.md: seq of the last record (8 bytes BE) || its leaf hash
  head.Put(ledger::Family::kMeta, ledger::kMetaHead, ledger::SeqKey(end - 1) + Bytes(last));
  return store.Write(head, /*sync=*/false);
}

// Copies the stored checkpoints of size <= end; returns how many.
Result<uint64_t> CopyCheckpoints(Remote& remote, uint64_t end, ledger::Store& store) {
  uint64_t copied = 0;
  uint64_t from = 0;
  while (true) {
    ASSIGN_OR_RETURN(service::Response r,
                     Call(remote, "ListCheckpoints",
                          {{"FromTreeSize", from}, {"MaxResults", kPageCheckpoints}}));
    auto list = r.body.find("Checkpoints");
    if (list == r.body.end() || !list->is_array()) {
      return DataLossError("cairnd's ListCheckpoints reply has no Checkpoints list");
    }
    ledger::WriteSet writes;
    for (const Json& entry : *list) {
      ASSIGN_OR_RETURN(uint64_t size, CountMember(entry, "cairnd's ListCheckpoints", "TreeSize"));
      ASSIGN_OR_RETURN(std::string note, StringMember(entry, "cairnd's ListCheckpoints", "Note"));
      if (size < from)
        return DataLossError("ListCheckpoints from size " + N(from) + " sent size " + N(size));
      if (size > end) break;
      writes.Put(ledger::Family::kCheckpoints, ledger::SeqKey(size), std::move(note));
      ++copied;
    }
    RETURN_IF_ERROR(store.Write(writes, /*sync=*/false));
    if (!r.body.contains("NextTreeSize")) return copied;
    ASSIGN_OR_RETURN(uint64_t next, CountMember(r.body, "cairnd's ListCheckpoints", "NextTreeSize"));
    if (next > end) return copied;
    if (next <= from) return DataLossError("ListCheckpoints does not advance past size " + N(from));
    from = next;
  }
}

}  // namespace

Result<RemoteLedger> MirrorRemoteLedger(const Profile& profile, const MirrorOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote,
                   Remote::Connect(profile, kUserAgent, options.deadline_ms));
  RemoteLedger out;
  out.store = ledger::NewMemStore();
  ASSIGN_OR_RETURN(Page first, ReadPage(*remote, 0, kPageRecords));
  ASSIGN_OR_RETURN(service::Response checkpoint,
                   Call(*remote, "GetCheckpoint", {{"MinTreeSize", first.head}}));
  ASSIGN_OR_RETURN(out.signed_size, CountMember(checkpoint.body, "cairnd's GetCheckpoint", "TreeSize"));
  ASSIGN_OR_RETURN(out.verifier_key, StringMember(checkpoint.body, "cairnd's GetCheckpoint", "VerifierKey"));
  out.records = std::min(out.signed_size, options.max_records.value_or(out.signed_size));
  RETURN_IF_ERROR(WriteKeyMeta(out.verifier_key, *out.store));
  RETURN_IF_ERROR(CopyRecords(*remote, std::move(first), out.records, *out.store, options));
  ASSIGN_OR_RETURN(uint64_t checkpoints, CopyCheckpoints(*remote, out.records, *out.store));
  if (options.progress) {
    options.progress("mirrored " + N(out.records) + " records and " + N(checkpoints) +
                     " signed checkpoints from " + profile.api_endpoint + " (signed tree of size " +
                     N(out.signed_size) + ")");
  }
  return out;
}

}  // namespace cairn::tools
