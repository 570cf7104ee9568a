// Engine's replica snapshots (service/snapshot.h): ReadReplicaSnapshot
// answered from a read-only view of the store, once the call's event is
// durable. Starting one takes the view, reads the durable head N it holds,
// hashes its `state` and `keys` entries and signs the snapshot checkpoint;
// each page after reads the same view, so every page is of the state at N
// however much the primary writes meanwhile. A view pins the old versions of
// what changes after it (RocksDB keeps them until it is released): hence the
// idle limit, and the bound on how many are open.
#include <atomic>
#include <chrono>

#include "ledger/tree.h"
#include "service/engine.h"
#include "service/internal/ops.h"
#include "service/snapshot.h"

namespace cairn::service {
namespace {

constexpr int64_t kSnapshotIdleMs = 2 * 60 * 1000;
constexpr size_t kMaxSnapshots = 4;
constexpr size_t kMaxPageBytes = 4 << 20;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Base64(std::string_view bytes) { return crypto::Base64Encode(crypto::AsBytes(bytes)); }

// Orders uses: the least recently used snapshot goes first (ms ties).
std::atomic<uint64_t> snapshot_uses{0};

}  // namespace

struct Engine::ReplicaSnapshot {
  std::unique_ptr<ledger::Store> view;
  int64_t last_used_ms = 0;  // steady clock; guarded by snapshots_mu_
  uint64_t last_use = 0;     // snapshot_uses when last used; guarded by snapshots_mu_
};

void Engine::AnswerSnapshotRead(const SnapshotRead& read, Response& response) {
  const int64_t now = SteadyMs();
  auto fail = [&response](const char* code, std::string message) {
    response.body = Json::object();
    response.error = ApiError{code, std::move(message)};
  };
  if (read.create) {
    Status released = ReleaseIdleSnapshots();
    auto snapshot = std::make_shared<ReplicaSnapshot>();
    snapshot->last_used_ms = now;
    snapshot->last_use = ++snapshot_uses;
    {
      // Registered as the view is taken, before anything is read from it: a
      // shred from now on is compacted again once it goes.
      std::lock_guard<std::mutex> lock(snapshots_mu_);
      snapshot->view = ledger_->store().Snapshot();
      snapshots_[read.id] = snapshot;
    }
    for (;;) {  // the least recently used others go, down to kMaxSnapshots
      const ReplicaSnapshot* oldest = nullptr;
      {
        std::lock_guard<std::mutex> lock(snapshots_mu_);
        if (snapshots_.size() <= kMaxSnapshots) break;
        for (const auto& [id, s] : snapshots_) {
          if (s != snapshot && (oldest == nullptr || s->last_use < oldest->last_use)) oldest = s.get();
        }
      }
      Status evicted = ReleaseSnapshots([oldest](const ReplicaSnapshot& s) { return &s == oldest; });
      if (released.ok()) released = evicted;
    }
    const ledger::Store& view = *snapshot->view;
    auto made = [&]() -> Result<Json> {
      RETURN_IF_ERROR(released);
      ASSIGN_OR_RETURN(ledger::Head head, ledger::ReadHead(view));
      ASSIGN_OR_RETURN(ledger::CompactRange range, ledger::TreeReader(view).Frontier(head.next_seq));
      SnapshotDigest digest;
      for (ledger::Family family : kSnapshotFamilies) {
        std::unique_ptr<ledger::StoreIterator> it = view.NewScanIterator(family);
        for (it->SeekToFirst(); it->Valid(); it->Next()) digest.Add(family, it->key(), it->value());
        RETURN_IF_ERROR(it->status());
      }
      const SnapshotClaim claim{digest.entries(), digest.digest(), head.last_leaf};
      ASSIGN_OR_RETURN(std::string note, checkpointer_->SignWithExtension(head.next_seq, range.Root(),
                                                                          FormatSnapshotExtension(claim)));
      Json frontier = Json::array();
      for (const crypto::Digest& node : range.frontier()) frontier.push_back(crypto::ToHex(node));
      return Json{{"SnapshotId", read.id}, {"TreeSize", head.next_seq}, {"Entries", claim.entries},
                  {"Frontier", std::move(frontier)}, {"Note", std::move(note)}};
    }();
    if (made.ok()) {
      response.body = std::move(made).value();
      return;
    }
    const ReplicaSnapshot* failed = snapshot.get();
    snapshot.reset();
    (void)ReleaseSnapshots([failed](const ReplicaSnapshot& s) { return &s == failed; });
    return fail(kInternalServiceError, "taking the snapshot failed: " + made.status().message());
  }

  std::shared_ptr<ReplicaSnapshot> snapshot;
  {
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    auto it = snapshots_.find(read.id);
    if (it != snapshots_.end() && now - it->second->last_used_ms <= kSnapshotIdleMs) {
      it->second->last_used_ms = now;
      it->second->last_use = ++snapshot_uses;
      snapshot = it->second;
    }
  }
  if (snapshot == nullptr) {
    return fail(kResourceNotFound, "no snapshot " + read.id +
                                       " here: it was read to the end, expired (2 minutes unused), was displaced by "
                                       "newer ones, or the primary restarted; start another");
  }
  std::unique_ptr<ledger::StoreIterator> it = snapshot->view->NewIterator(read.family);
  it->Seek(read.start_after);
  if (!read.start_after.empty() && it->Valid() && it->key() == read.start_after) it->Next();
  Json entries = Json::array();
  size_t bytes = 0;
  std::string last;
  for (; it->Valid() && entries.size() < read.max_entries && bytes < kMaxPageBytes; it->Next()) {
    entries.push_back({{"Key", Base64(it->key())}, {"Value", Base64(it->value())}});
    bytes += it->key().size() + it->value().size();
    last.assign(it->key());
  }
  if (!it->status().ok()) return fail(kInternalServiceError, "reading the snapshot failed: " + it->status().message());
  response.body = {{"SnapshotId", read.id}, {"Entries", std::move(entries)}};
  if (it->Valid()) {
    response.body["NextStartAfter"] = Base64(last);
    return;
  }
  if (read.family != kSnapshotFamilies[std::size(kSnapshotFamilies) - 1]) return;
  // The last page of the last family: the view goes at once (a shred held
  // back by it leaves the files now).
  it.reset();
  snapshot.reset();
  const ReplicaSnapshot* done = nullptr;
  {
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    auto found = snapshots_.find(read.id);
    if (found != snapshots_.end()) done = found->second.get();
  }
  if (Status released = ReleaseSnapshots([done](const ReplicaSnapshot& s) { return &s == done; }); !released.ok()) {
    fail(kInternalServiceError, "compacting destroyed keys failed: " + released.message());
  }
}

Status Engine::ReleaseIdleSnapshots() {
  const int64_t now = SteadyMs();
  return ReleaseSnapshots([now](const ReplicaSnapshot& s) { return now - s.last_used_ms > kSnapshotIdleMs; });
}

Status Engine::ReleaseSnapshots(const std::function<bool(const ReplicaSnapshot&)>& drop) {
  std::vector<std::shared_ptr<ReplicaSnapshot>> dropped;  // released outside the lock
  bool compact = false;
  {
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    for (auto it = snapshots_.begin(); it != snapshots_.end();) {
      if (drop == nullptr || drop(*it->second)) {
        dropped.push_back(std::move(it->second));
        it = snapshots_.erase(it);
      } else {
        ++it;
      }
    }
    compact = snapshots_.empty() && shredded_under_snapshot_;
    if (compact) shredded_under_snapshot_ = false;
  }
  dropped.clear();  // a page being read still holds its view until it ends
  if (!compact) return Status::Ok();
  return ledger_->store().CompactFamily(ledger::Family::kKeys);
}

}  // namespace cairn::service
