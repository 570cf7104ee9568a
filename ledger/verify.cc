// ChainVerifier and VerifyStore: the blame rule of verify.h, applied in one pass.
#include "ledger/verify.h"

#include <algorithm>
#include <array>

#include "ledger/internal/log_scanner.h"
#include "ledger/internal/meta_format.h"
#include "ledger/internal/tree_check.h"
#include "ledger/internal/tree_digest.h"
#include "ledger/record.h"

namespace cairn::ledger {
namespace {

std::string Seq(uint64_t seq) { return "seq " + std::to_string(seq); }

}  // namespace

struct ChainVerifier::Impl {
  uint64_t next = 0;     // records accepted in place; the seq the next one must carry
  uint64_t records = 0;  // records examined
  std::array<crypto::Digest, 4> leaves{};  // leaf hash of seq s at leaves[s % 4]
  // The link (next-2) -> (next-1) is broken; the next link decides the blame.
  bool pending = false;
  std::optional<uint64_t> bad;
  std::string problem;

  crypto::Digest LeafOf(uint64_t seq) const { return leaves[seq % 4]; }
  crypto::Digest LastLeaf() const { return next == 0 ? crypto::Digest{} : LeafOf(next - 1); }

  void Blame(uint64_t seq, std::string why) {
    bad = seq;
    problem = std::move(why);
  }
  // The pending link's records altered: `prev_altered` means record next-1
  // changed its prev field, otherwise record next-2 changed.
  void ResolvePending(bool prev_altered) {
    uint64_t n = next - 2;
    if (prev_altered) {
      Blame(n + 1, Seq(n + 1) + ": prev hash does not match leaf hash of " + Seq(n));
    } else {
      Blame(n, Seq(n) + ": leaf hash does not match the prev hash of " + Seq(n + 1) + " (record " +
                   std::to_string(n) + " altered)");
    }
  }
  // A problem found before the pending link could be judged: blame the earlier
  // record, so that everything before first_bad_seq is known to be linked.
  void Fail(uint64_t seq, std::string why) {
    if (pending) {
      uint64_t n = next - 2;
      Blame(n,
            Seq(n + 1) + ": prev hash does not match leaf hash of " + Seq(n) + ", and then " + why);
    } else {
      Blame(seq, std::move(why));
    }
  }

  // Leaf hash of the record before the first bad one (the whole chain if none).
  // The ring holds the last four leaves; only "records past the meta head" can
  // blame a seq further back, and there the head's leaf is reported as claimed.
  crypto::Digest GoodHead(const std::optional<Head>& meta_head) const {
    uint64_t good = bad ? *bad : next;
    if (good == 0) return {};
    if (good + 4 > next) return LeafOf(good - 1);
    return meta_head ? meta_head->last_leaf : crypto::Digest{};
  }

  void Add(std::string_view key, std::string_view bytes, const crypto::Digest& leaf);
  void Finish(const std::optional<Head>& meta_head);
};

void ChainVerifier::Impl::Add(std::string_view key, std::string_view bytes,
                              const crypto::Digest& leaf) {
  if (bad) return;
  ++records;
  Result<uint64_t> seq = ParseSeqKey(key);
  if (!seq.ok()) return Fail(next, Seq(next) + ": " + seq.status().message());
  if (*seq > next) {
    return Fail(next, Seq(next) + ": record missing (the next key is " + Seq(*seq) + ")");
  }
  if (*seq < next) return Fail(next, Seq(next) + ": key " + Seq(*seq) + " out of order");
  Result<RecordLink> fields = DecodeRecordLink(bytes);
  if (!fields.ok()) return Fail(next, Seq(next) + ": " + fields.status().message());
  if (fields->seq != next) {
    return Fail(next, Seq(next) + ": record carries seq " + std::to_string(fields->seq));
  }
  bool linked = fields->prev == LastLeaf();
  if (pending) return ResolvePending(/*prev_altered=*/!linked);
  if (!linked && next == 0) return Blame(0, "seq 0: prev hash is not 32 zero bytes");
  pending = !linked;
  leaves[next % 4] = leaf;
  ++next;
}

void ChainVerifier::Impl::Finish(const std::optional<Head>& meta_head) {
  if (bad) return;
  uint64_t want = meta_head ? meta_head->next_seq : 0;
  bool tail_matches = want == next && (next == 0 || meta_head->last_leaf == LastLeaf());
  if (pending) {
    // The meta head plays the next link. A head naming another seq cannot judge.
    return ResolvePending(/*prev_altered=*/!tail_matches && want == next);
  }
  if (want > next) {
    return Blame(next, Seq(next) + ": record missing (meta head says the last record is " +
                           Seq(want - 1) + ")");
  }
  if (want < next) {
    std::string head = !meta_head  ? "meta has no head"
                       : want == 0 ? "meta head says the ledger is empty"
                                   : "meta head says the last record is " + Seq(want - 1);
    return Blame(want, Seq(want) + ": record past the meta head (" + head + ")");
  }
  if (!tail_matches) {
    Blame(next - 1, Seq(next - 1) + ": leaf hash does not match the meta head");
  }
}

void ChainVerifier::Add(std::string_view key, std::string_view bytes) {
  Add(key, bytes, RecordLeafHash(bytes));
}

void ChainVerifier::Add(std::string_view key, std::string_view bytes,
                        const crypto::Digest& leaf) {
  if (!impl_) impl_ = std::make_shared<Impl>();
  impl_->Add(key, bytes, leaf);
}

VerifyReport ChainVerifier::Finish(const std::optional<Head>& meta_head) {
  if (!impl_) impl_ = std::make_shared<Impl>();
  impl_->Finish(meta_head);
  VerifyReport report;
  report.ok = !impl_->bad.has_value();
  report.records = impl_->records;
  report.first_bad_seq = impl_->bad;
  report.problem = impl_->problem;
  report.head = impl_->GoodHead(meta_head);
  return report;
}

namespace {

// The head to judge the tail by. The log is read after `before` and before
// `after`; a ledger appended to meanwhile legitimately shows a count between
// the two, and then the chain's own tail stands in for the head.
std::optional<Head> PickHead(const std::optional<Head>& before, const std::optional<Head>& after,
                             uint64_t count, const Digest& last_leaf) {
  uint64_t lo = before ? before->next_seq : 0;
  uint64_t hi = after ? after->next_seq : 0;
  if (count == lo) return before;
  if (count == hi) return after;
  if (lo < count && count < hi) return Head{count, last_leaf};
  return before;
}

// The ledger's size now, from its head (at least the records read).
uint64_t LogSize(const Store& store, uint64_t count) {
  Result<std::optional<Head>> head = ReadMetaHead(store);
  if (!head.ok() || !head->has_value()) return count;
  return std::max(count, (*head)->next_seq);
}

VerifyReport AddTree(VerifyReport report, const Digest& root, const Status& tree_status) {
  report.root = root;
  report.tree_ok = tree_status.ok();
  if (report.ok && !report.tree_ok) {
    report.ok = false;
    report.problem = tree_status.message();
  }
  return report;
}

// What one pass over the log found.
struct Pass {
  ChainVerifier chain;
  CompactRange range;                          // the tree recomputed from the records' leaf hashes
  LevelDigests recomputed;                     // its perfect nodes, level by level
  std::unique_ptr<StoredTreeDigester> stored;  // the stored perfect nodes of the same tree
  uint64_t count = 0;
  Digest last_leaf{};
};

// Three threads: one reads the log (LogScanner), one reads the stored tree
// behind it (StoredTreeDigester), and this one hashes and checks the records.
Status ScanLog(const Store& store, const std::function<void(uint64_t)>& progress, Pass& pass) {
  pass.stored = std::make_unique<StoredTreeDigester>(store);
  StoredTreeDigester& stored = *pass.stored;
  LogScanner scanner(store, [&](uint64_t count, bool last) { stored.Publish(count, last); });
  const CompactRange::NodeVisitor digest = [&](uint8_t level, uint64_t, const Digest& hash) {
    pass.recomputed.Add(level, hash.data());
  };
  while (const LogChunk* chunk = scanner.Next()) {
    for (size_t i = 0; i < chunk->size(); ++i) {
      pass.last_leaf = RecordLeafHash(chunk->value(i));
      pass.chain.Add(chunk->key(i), chunk->value(i), pass.last_leaf);
      pass.range.Append(pass.last_leaf, digest);
      if (++pass.count % 100000 == 0 && progress) progress(pass.count);
    }
  }
  return scanner.Finish();
}

// The tree's verdict. Fast path: every level's digest over the stored nodes
// equals the digest over the recomputed ones. Otherwise (or if a stored node
// was missing, out of place or not 32 bytes) the slow path compares node by
// node with TreeChecker, over a second read of the same records, to name the
// first node at fault; it alone decides, so both paths accept the same trees.
Status CheckTree(const Store& store, Pass& pass, const std::function<uint64_t()>& log_size) {
  Result<bool> complete = pass.stored->Finish();
  RETURN_IF_ERROR(complete.status());
  if (*complete && pass.stored->digests().Finish() == pass.recomputed.Finish()) {
    return CheckRootAndEnd(store, pass.count, pass.range.Root(), log_size);
  }
  TreeChecker tree(store);
  uint64_t seen = 0;
  RETURN_IF_ERROR(ForEachRecord(store, 0, [&](std::string_view, std::string_view bytes) {
    if (seen == pass.count) return false;
    tree.Add(RecordLeafHash(bytes));
    return ++seen < pass.count;
  }));
  return tree.Finish(log_size);
}

}  // namespace

Result<VerifyReport> VerifyStore(const Store& store,
                                 const std::function<void(uint64_t)>& progress) {
  Result<std::optional<Head>> before = ReadMetaHead(store);
  if (!before.ok() && before.status().code() != StatusCode::kDataLoss) return before.status();
  Pass pass;
  RETURN_IF_ERROR(ScanLog(store, progress, pass));
  const uint64_t count = pass.count;
  if (!before.ok()) {  // a malformed head: judge the chain alone, then report the head
    VerifyReport chain = pass.chain.Finish(Head{count, pass.last_leaf});
    Status tree_status = CheckTree(store, pass, [&] { return count; });
    VerifyReport report = AddTree(std::move(chain), pass.range.Root(), tree_status);
    if (!report.ok) return report;
    report.ok = false;
    report.problem = before.status().message();
    return report;
  }
  Status tree_status = CheckTree(store, pass, [&] { return LogSize(store, count); });
  ASSIGN_OR_RETURN(std::optional<Head> after, ReadMetaHead(store));
  VerifyReport report = pass.chain.Finish(PickHead(*before, after, count, pass.last_leaf));
  return AddTree(std::move(report), pass.range.Root(), tree_status);
}

}  // namespace cairn::ledger
