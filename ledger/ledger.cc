// Ledger: sequencing (Stage) in front of the group committer (internal/committer.h).
#include "ledger/ledger.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

#include "ledger/internal/committer.h"
#include "ledger/internal/meta_format.h"
#include "ledger/internal/tree_writer.h"
#include "ledger/merkle.h"

namespace cairn::ledger {
namespace {

// The head from meta, cross-checked against the last log entry: a torn or edited
// tail shows up here as DataLoss. A ledger with a base (ReadBase) may have an
// empty log, when its head is the base itself; its log starts at the base.
Result<Head> ReadCheckedHead(const Store& store, const Base& base) {
  ASSIGN_OR_RETURN(std::optional<Head> meta, ReadMetaHead(store));
  const std::string at_base =
      " (the ledger starts at seq " + std::to_string(base.seq) + ", a snapshot base)";
  if (base.seq > 0 && !meta) return DataLossError("meta has no head" + at_base);
  if (base.seq > 0 && meta->next_seq < base.seq) {
    return DataLossError("meta head says the last record is seq " +
                         std::to_string(meta->next_seq - 1) + at_base);
  }
  std::unique_ptr<StoreIterator> it = store.NewIterator(Family::kLog);
  it->SeekToLast();
  RETURN_IF_ERROR(it->status());
  if (!it->Valid()) {
    if (!meta) return Head{};
    if (base.seq > 0 && meta->next_seq == base.seq) {
      if (meta->last_leaf != base.prev_leaf) {
        return DataLossError("meta head and meta base disagree on the leaf hash of seq " +
                             std::to_string(base.seq - 1));
      }
      return *meta;
    }
    return DataLossError("meta head says the last record is seq " +
                         std::to_string(meta->next_seq - 1) + " but the log is empty");
  }
  ASSIGN_OR_RETURN(uint64_t last, ParseSeqKey(it->key()));
  if (!meta) {
    return DataLossError("the log ends at seq " + std::to_string(last) + " but meta has no head");
  }
  if (last != meta->next_seq - 1) {
    return DataLossError("meta head says the last record is seq " +
                         std::to_string(meta->next_seq - 1) + " but the log ends at seq " +
                         std::to_string(last));
  }
  if (RecordLeafHash(it->value()) != meta->last_leaf) {
    return DataLossError("leaf hash of seq " + std::to_string(last) +
                         " does not match the meta head");
  }
  if (base.seq > 0) {
    it->SeekToFirst();
    RETURN_IF_ERROR(it->status());
    ASSIGN_OR_RETURN(uint64_t first, ParseSeqKey(it->key()));
    if (first < base.seq) {
      return DataLossError("the log holds seq " + std::to_string(first) + ", below its base" +
                           at_base);
    }
  }
  return *meta;
}

}  // namespace

class Ledger::Impl {
 public:
  Impl(Store& store, Head head, CompactRange tree, const LedgerOptions& options)
      : staged_(head), tree_(std::move(tree)), committer_(store, head, options.max_batch_records) {}

  Result<std::shared_ptr<CommitTicket>> Stage(std::vector<RecordInput>& inputs,
                                              const SideWrites& side_writes);
  // `leaf_hashes`: null, or one per record (Ledger::StageVerbatim's second form).
  Result<std::shared_ptr<CommitTicket>> StageVerbatim(std::vector<std::string>& records,
                                                      const std::vector<crypto::Digest>* leaf_hashes,
                                                      const SideWrites& side_writes, Durability durability);
  Head staged_head() const {
    std::lock_guard lock(stage_mu_);
    return staged_;
  }
  Committer& committer() { return committer_; }
  const Committer& committer() const { return committer_; }

 private:
  // Queues `records` (seq and prev already right) with their tree nodes and
  // side writes; advances the staged head. Caller holds stage_mu_.
  Result<std::shared_ptr<CommitTicket>> EnqueueLocked(std::vector<Appended> records,
                                                      const SideWrites& side_writes,
                                                      Durability durability = Durability::kSync);
  mutable std::mutex stage_mu_;
  Head staged_;        // guarded by stage_mu_
  CompactRange tree_;  // the Merkle frontier for staged_, guarded by stage_mu_
  Committer committer_;
};

Result<std::shared_ptr<CommitTicket>> Ledger::Impl::Stage(std::vector<RecordInput>& inputs,
                                                          const SideWrites& side_writes) {
  if (inputs.empty()) return InvalidArgumentError("Stage needs at least one record");
  std::lock_guard lock(stage_mu_);
  RETURN_IF_ERROR(committer_.poison());
  std::vector<Appended> records;
  uint64_t seq = staged_.next_seq;
  crypto::Digest prev = staged_.last_leaf;
  for (const RecordInput& input : inputs) {
    Appended a;
    a.seq = seq++;
    a.bytes = EncodeRecord(a.seq, prev, input);
    a.leaf_hash = RecordLeafHash(a.bytes);
    prev = a.leaf_hash;
    records.push_back(std::move(a));
  }
  return EnqueueLocked(std::move(records), side_writes);
}

Result<std::shared_ptr<CommitTicket>> Ledger::Impl::StageVerbatim(std::vector<std::string>& encoded,
                                                                  const std::vector<crypto::Digest>* leaf_hashes,
                                                                  const SideWrites& side_writes,
                                                                  Durability durability) {
  if (encoded.empty()) return InvalidArgumentError("StageVerbatim needs at least one record");
  if (leaf_hashes != nullptr) {
    if (leaf_hashes->size() != encoded.size()) {
      return InvalidArgumentError("StageVerbatim takes one leaf hash per record");
    }
    // Nothing links to the last record yet: its hash is checked here.
    if (RecordLeafHash(encoded.back()) != leaf_hashes->back()) {
      return InvalidArgumentError("the leaf hash given for the last record is not its own");
    }
  }
  std::lock_guard lock(stage_mu_);
  RETURN_IF_ERROR(committer_.poison());
  std::vector<Appended> records;
  records.reserve(encoded.size());
  uint64_t seq = staged_.next_seq;
  crypto::Digest prev = staged_.last_leaf;
  for (size_t i = 0; i < encoded.size(); ++i) {
    std::string& bytes = encoded[i];
    auto where = [seq] { return "replicated record " + std::to_string(seq); };  // built on failure only
    Result<RecordLink> fields = DecodeRecordLink(bytes);  // DecodeRecord's checks, nothing copied
    if (!fields.ok()) return fields.status().WithContext(where());
    if (fields->seq != seq) {
      return DataLossError(where() + " carries seq " + std::to_string(fields->seq) + ": records must arrive in order");
    }
    if (fields->prev != prev) {
      return DataLossError(where() + " does not link: its prev is not the leaf hash of record " +
                           (seq == 0 ? std::string("-1 (zeros)") : std::to_string(seq - 1)) + " here");
    }
    Appended a;
    a.seq = seq++;
    a.bytes = std::move(bytes);
    // A given hash that is not the record's: the next record does not link.
    a.leaf_hash = leaf_hashes != nullptr ? (*leaf_hashes)[i] : RecordLeafHash(a.bytes);
    prev = a.leaf_hash;
    records.push_back(std::move(a));
  }
  return EnqueueLocked(std::move(records), side_writes, durability);
}

Result<std::shared_ptr<CommitTicket>> Ledger::Impl::EnqueueLocked(std::vector<Appended> records,
                                                                  const SideWrites& side_writes,
                                                                  Durability durability) {
  auto ticket = std::make_shared<CommitTicket>();
  ticket->durability = durability;
  CompactRange tree = tree_;  // O(log n) hashes
  // The nodes go into the batch in key order (by level, then index): RocksDB's
  // memtable inserts keys in order far faster than the levels interleaved,
  // which is what a large append (a replica's page) would otherwise give it.
  struct Node {
    uint8_t level;
    uint64_t index;
    Digest hash;
  };
  std::vector<Node> nodes;
  nodes.reserve(2 * records.size() + 64);
  const CompactRange::NodeVisitor collect = [&nodes](uint8_t level, uint64_t index, const Digest& hash) {
    nodes.push_back({level, index, hash});
  };
  for (const Appended& a : records) {
    ticket->writes.Put(Family::kLog, SeqKey(a.seq), a.bytes);
    tree.Append(a.leaf_hash, collect);  // the leaf and every node it completes
  }
  // Each level's nodes come in index order, so grouping them by level (a
  // counting sort, stable) is the sort.
  std::array<size_t, 65> level_start{};
  for (const Node& n : nodes) ++level_start[n.level + 1];
  for (size_t l = 1; l < level_start.size(); ++l) level_start[l] += level_start[l - 1];
  std::vector<const Node*> sorted(nodes.size());
  for (const Node& n : nodes) sorted[level_start[n.level]++] = &n;
  const CompactRange::NodeVisitor put_nodes = PutNodesInto(ticket->writes);
  for (const Node* n : sorted) put_nodes(n->level, n->index, n->hash);
  ticket->records = std::move(records);
  if (side_writes) {
    WriteSet side;
    RETURN_IF_ERROR(side_writes(ticket->records, side)
                        .WithContext("side writes for seq " + std::to_string(staged_.next_seq)));
    RETURN_IF_ERROR(CheckNotChain(side, "side writes"));
    ticket->writes.Append(std::move(side));
  }
  RETURN_IF_ERROR(committer_.Enqueue(ticket));
  // Only now: a failed Stage leaves no trace.
  staged_ = Head{ticket->records.back().seq + 1, ticket->records.back().leaf_hash};
  tree_ = std::move(tree);
  return ticket;
}

Ledger::Ledger(std::unique_ptr<Store> store, std::unique_ptr<Impl> impl)
    : store_(std::move(store)), impl_(std::move(impl)) {}

Ledger::~Ledger() = default;  // ~Impl drains the queue, then stops the committer

Result<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<Store> store, LedgerOptions options) {
  if (store == nullptr) return InvalidArgumentError("Ledger::Open needs a store");
  if (store->read_only()) return FailedPreconditionError("the ledger needs a writable store");
  if (options.max_batch_records == 0) {
    return InvalidArgumentError("max_batch_records must be at least 1");
  }
  ASSIGN_OR_RETURN(Base base, ReadBase(*store));
  ASSIGN_OR_RETURN(Head head, ReadCheckedHead(*store, base));
  ASSIGN_OR_RETURN(CompactRange tree, CatchUpTree(*store, head, base));
  auto impl = std::make_unique<Impl>(*store, head, std::move(tree), options);
  return std::unique_ptr<Ledger>(new Ledger(std::move(store), std::move(impl)));
}

Result<std::shared_ptr<CommitTicket>> Ledger::Stage(std::vector<RecordInput> inputs,
                                                    SideWrites side_writes) {
  return impl_->Stage(inputs, side_writes);
}

Result<std::shared_ptr<CommitTicket>> Ledger::StageVerbatim(std::vector<std::string> records,
                                                            SideWrites side_writes) {
  return impl_->StageVerbatim(records, nullptr, side_writes, Durability::kSync);
}

Result<std::shared_ptr<CommitTicket>> Ledger::StageVerbatim(std::vector<std::string> records,
                                                            std::vector<crypto::Digest> leaf_hashes,
                                                            SideWrites side_writes, Durability durability) {
  return impl_->StageVerbatim(records, &leaf_hashes, side_writes, durability);
}

Result<std::vector<Appended>> Ledger::Await(const std::shared_ptr<CommitTicket>& ticket) {
  if (ticket == nullptr) return InvalidArgumentError("Await needs a ticket from Stage");
  return ticket->Await();
}

Result<std::vector<Appended>> Ledger::Append(std::vector<RecordInput> inputs,
                                             SideWrites side_writes) {
  ASSIGN_OR_RETURN(std::shared_ptr<CommitTicket> ticket,
                   Stage(std::move(inputs), std::move(side_writes)));
  return Await(ticket);
}

Head Ledger::staged_head() const { return impl_->staged_head(); }
Head Ledger::durable_head() const { return impl_->committer().durable_head(); }
Head Ledger::WaitDurable(uint64_t next_seq, int timeout_ms) const {
  return impl_->committer().WaitDurable(next_seq, timeout_ms);
}

Status Ledger::WriteUnchained(const WriteSet& writes) {
  RETURN_IF_ERROR(CheckNotChain(writes, "unchained writes"));
  return store_->Write(writes, /*sync=*/true);
}

Status Ledger::Persist() { return store_->Persist(); }

}  // namespace cairn::ledger
