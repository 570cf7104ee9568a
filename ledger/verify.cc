// ChainVerifier and VerifyStore: the blame rule of verify.h, applied in one pass.
#include "ledger/verify.h"

#include <algorithm>
#include <array>

#include "ledger/internal/log_scanner.h"
#include "ledger/internal/meta_format.h"
#include "ledger/internal/tree_check.h"
#include "ledger/internal/tree_digest.h"
#include "ledger/record.h"
#include "ledger/tree.h"

namespace cairn::ledger {
namespace {

std::string Seq(uint64_t seq) { return "seq " + std::to_string(seq); }

}  // namespace

struct ChainVerifier::Impl {
  explicit Impl(const Base& b) : base(b), next(b.seq) {
    if (base.seq > 0) leaves[(base.seq - 1) % 4] = base.prev_leaf;
  }
  Base base;             // the first seq expected and the leaf hash before it
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
    if (base.seq > 0 && n + 1 == base.seq) {  // the link from meta base to the first record
      if (prev_altered) {
        return Blame(base.seq, Seq(base.seq) + ": prev hash does not match the leaf hash of " +
                                   Seq(n) + " in meta base");
      }
      return Blame(base.seq, "meta base: the leaf hash of " + Seq(n) +
                                 " does not match the prev hash of " + Seq(base.seq) +
                                 " (meta base altered)");
    }
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
      Blame(std::max(n, base.seq),
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
    if (good == base.seq) return base.prev_leaf;
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
  if (*seq < base.seq) {
    return Fail(next, Seq(next) + ": key " + Seq(*seq) + " lies below the ledger's base (" +
                          Seq(base.seq) + ")");
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
    const uint64_t first = std::max(want, base.seq);
    return Blame(first, Seq(first) + ": record past the meta head (" + head + ")");
  }
  if (!tail_matches && next == base.seq) {  // a ledger with a base and no record past it
    return Blame(base.seq, "meta head: the leaf hash of " + Seq(next - 1) + " is not meta base's");
  }
  if (!tail_matches) {
    Blame(next - 1, Seq(next - 1) + ": leaf hash does not match the meta head");
  }
}

void ChainVerifier::Add(std::string_view key, std::string_view bytes) {
  Add(key, bytes, RecordLeafHash(bytes));
}

ChainVerifier::ChainVerifier(const Base& base) : impl_(std::make_shared<Impl>(base)) {}

void ChainVerifier::Add(std::string_view key, std::string_view bytes,
                        const crypto::Digest& leaf) {
  if (!impl_) impl_ = std::make_shared<Impl>(Base{});
  impl_->Add(key, bytes, leaf);
}

VerifyReport ChainVerifier::Finish(const std::optional<Head>& meta_head) {
  if (!impl_) impl_ = std::make_shared<Impl>(Base{});
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
  explicit Pass(const Base& b) : base(b), chain(b), last_leaf(b.prev_leaf) {}
  Base base;
  ChainVerifier chain;
  CompactRange range;                          // the tree recomputed from the records' leaf hashes
  LevelDigests recomputed;                     // its perfect nodes, level by level
  std::unique_ptr<StoredTreeDigester> stored;  // the stored perfect nodes of the same tree
  // A ledger with a base: `range` starts from the base's stored compact range
  // and `checker` holds each node completed since against the stored one.
  std::unique_ptr<TreeChecker> checker;
  Status base_tree;  // the base's compact range unusable
  uint64_t count = 0;
  Digest last_leaf{};
  uint64_t size() const { return base.seq + count; }  // the tree's size
};

// The stored compact range of the base, checked as far as it can be: present,
// 32 bytes each, and for an odd base its last node is meta base's leaf.
Status LoadBaseRange(const Store& store, Pass& pass) {
  ASSIGN_OR_RETURN(CompactRange range, TreeReader(store).Frontier(pass.base.seq));
  if ((pass.base.seq & 1) == 1 && range.frontier().back() != pass.base.prev_leaf) {
    return DataLossError(DescribeNode(0, pass.base.seq - 1) +
                         ", the last of the base's compact range, is not meta base's leaf hash");
  }
  pass.range = range;
  pass.checker = std::make_unique<TreeChecker>(store, std::move(range), pass.base.seq);
  return Status::Ok();
}

// Three threads: one reads the log (LogScanner), one reads the stored tree
// behind it (StoredTreeDigester), and this one hashes and checks the records.
// A ledger with a base uses no digester: `checker` reads the stored nodes.
Status ScanLog(const Store& store, const std::function<void(uint64_t)>& progress, Pass& pass) {
  if (pass.base.seq > 0) {
    pass.base_tree = LoadBaseRange(store, pass);
  } else {
    pass.stored = std::make_unique<StoredTreeDigester>(store);
  }
  StoredTreeDigester* stored = pass.stored.get();
  LogScanner scanner(store, [stored](uint64_t count, bool last) {
    if (stored != nullptr) stored->Publish(count, last);
  });
  const CompactRange::NodeVisitor digest = [&](uint8_t level, uint64_t, const Digest& hash) {
    pass.recomputed.Add(level, hash.data());
  };
  while (const LogChunk* chunk = scanner.Next()) {
    for (size_t i = 0; i < chunk->size(); ++i) {
      pass.last_leaf = RecordLeafHash(chunk->value(i));
      pass.chain.Add(chunk->key(i), chunk->value(i), pass.last_leaf);
      if (pass.checker) {
        pass.checker->Add(pass.last_leaf);
        pass.range.Append(pass.last_leaf);
      } else if (pass.base.seq == 0) {
        pass.range.Append(pass.last_leaf, digest);
      }
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
// A ledger with a base was checked node by node during the scan.
Status CheckTree(const Store& store, Pass& pass, const std::function<uint64_t()>& log_size) {
  if (pass.base.seq > 0) {
    RETURN_IF_ERROR(pass.base_tree);
    return pass.checker->Finish(log_size);
  }
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
  Result<Base> base = ReadBase(store);
  if (!base.ok()) {
    if (base.status().code() != StatusCode::kDataLoss) return base.status();
    VerifyReport report;
    report.ok = false;
    report.problem = base.status().message();
    return report;
  }
  Result<std::optional<Head>> before = ReadMetaHead(store);
  if (!before.ok() && before.status().code() != StatusCode::kDataLoss) return before.status();
  Pass pass(*base);
  RETURN_IF_ERROR(ScanLog(store, progress, pass));
  const uint64_t size = pass.size();
  if (!before.ok()) {  // a malformed head: judge the chain alone, then report the head
    VerifyReport chain = pass.chain.Finish(Head{size, pass.last_leaf});
    Status tree_status = CheckTree(store, pass, [&] { return size; });
    VerifyReport report = AddTree(std::move(chain), pass.range.Root(), tree_status);
    if (!report.ok) return report;
    report.ok = false;
    report.problem = before.status().message();
    return report;
  }
  Status tree_status = CheckTree(store, pass, [&] { return LogSize(store, size); });
  ASSIGN_OR_RETURN(std::optional<Head> after, ReadMetaHead(store));
  VerifyReport report = pass.chain.Finish(PickHead(*before, after, size, pass.last_leaf));
  return AddTree(std::move(report), pass.range.Root(), tree_status);
}

}  // namespace cairn::ledger
