#include "tools/cairn_replica/replicator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "bus/context.h"
#include "bus/follower.h"
#include "crypto/hash.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/tree.h"
#include "service/cloudtrail.h"
#include "service/engine.h"
#include "service/replica.h"
#include "service/snapshot.h"
#include "tools/common/remote.h"

namespace cairn::tools {
namespace {

using service::Json;
using Clock = std::chrono::steady_clock;

constexpr char kUserAgent[] = "cairn-replica/0.1.0";
constexpr uint32_t kPageRecords = 10000;  // ReadReplicaPage's largest page

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr uint32_t kCallDeadlineMs = 5000;  // a call lost with a dropped connection is retried after this

// How the follow loop calls the primary: a call lost with a dropped
// connection (no reply in time) or refused for a passing cause (the
// primary's internal error, throttling) is tried again, after 100 ms doubling
// to 2 s, until it goes through or the replica stops. One-shot commands
// (init, rejoin) call once and report.
struct Retry {
  const std::atomic<bool>* stop = nullptr;
  Logger* log = nullptr;
};

constexpr char kPrimaryReply[] = "the primary's";
constexpr RefusalWording kReplicaWording{"the primary",
                                         "the replica's principal needs cairn:GetReplicaSeed, cairn:ReadReplicaPage, "
                                         "cairn:ReadAuditLog and cairn:SubscribeEvents"};

// One call (CallRefusingErrors); with `retry`, a call that did not go through
// or a passing refusal is tried again until it does or *stop.
Result<service::Response> Call(Remote& remote, const std::string& operation, const Json& params,
                               const Retry* retry = nullptr) {
  for (int attempt = 0;; ++attempt) {
    Result<service::Response> r = CallRefusingErrors(remote, operation, params, kReplicaWording);
    if (r.ok() || retry == nullptr || r.status().code() != StatusCode::kUnavailable || retry->stop->load()) return r;
    if (attempt == 0 && retry->log) {
      retry->log->Warn("a call to the primary failed; retrying until it goes through",
                       {{"operation", operation}, {"error", r.status().message()}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2000, 100 << std::min(attempt, 5))));
  }
}

// The hex hashes listed as body[member] (`what` names the reply in errors).
Result<std::vector<crypto::Digest>> DigestList(const Json& body, const char* member, const std::string& what) {
  auto list = body.find(member);
  if (list == body.end() || !list->is_array()) return DataLossError(what + " reply has no " + member);
  std::vector<crypto::Digest> hashes;
  for (const Json& h : *list) {
    if (!h.is_string()) return DataLossError(what + " " + member + " holds a non-string hash");
    ASSIGN_OR_RETURN(crypto::Digest d, crypto::DigestFromHex(h.get<std::string>()));
    hashes.push_back(d);
  }
  return hashes;
}

// GetConsistencyProof from `first` to `second`, its hashes parsed.
Result<std::vector<crypto::Digest>> FetchConsistencyProof(Remote& remote, uint64_t first, uint64_t second,
                                                          const Retry* retry = nullptr) {
  ASSIGN_OR_RETURN(service::Response reply,
                   Call(remote, "GetConsistencyProof", {{"FirstTreeSize", first}, {"SecondTreeSize", second}}, retry));
  return DigestList(reply.body, "Proof", "the primary's proof");
}

// The primary's GetCheckpoint reply, refused before anything else unless
// the primary signs with the pinned key: PermissionDenied "... refusing to
// <refusing> it".
Result<service::Response> FetchPinnedCheckpoint(Remote& remote, const ledger::NoteVerifier& pinned,
                                                const std::string& pinned_key, const char* refusing) {
  ASSIGN_OR_RETURN(service::Response cp, Call(remote, "GetCheckpoint", Json::object()));
  ASSIGN_OR_RETURN(std::string theirs, StringMember(cp.body, kPrimaryReply, "VerifierKey"));
  if (theirs != ledger::FormatVerifierKey(pinned)) {
    return PermissionDeniedError("the primary signs its checkpoints with " + theirs + ", not the pinned key " +
                                 pinned_key + ": refusing to " + refusing + " it");
  }
  return cp;
}

// GetReplicaSeed, decoded.
Result<service::ReplicaSeed> FetchSeed(Remote& remote, const Retry* retry = nullptr) {
  ASSIGN_OR_RETURN(service::Response reply, Call(remote, "GetReplicaSeed", Json::object(), retry));
  service::ReplicaSeed seed;
  ASSIGN_OR_RETURN(seed.ledger_id, StringMember(reply.body, kPrimaryReply, "LedgerId"));
  ASSIGN_OR_RETURN(seed.master_key_id, StringMember(reply.body, kPrimaryReply, "MasterKeyId"));
  ASSIGN_OR_RETURN(std::string keyring_b64, StringMember(reply.body, kPrimaryReply, "Keyring"));
  ASSIGN_OR_RETURN(crypto::SecureBuffer keyring, crypto::Base64Decode(keyring_b64));
  seed.keyring = std::string(keyring.as_string_view());
  return seed;
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) return InternalError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return InternalError("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

struct Pending {
  // Decoded once as it arrives (its time, actor, event and the data keys it
  // puts), with the follower's leaf hash: applying decodes and hashes nothing
  // again. A record with no Cairn event is refused when it is applied.
  service::ReplicatedRecord record;
  bool own = false;  // a call of the replica's own principal
};

class Replicator {
 public:
  explicit Replicator(const ReplicatorOptions& options) : o_(options), retry_{options.stop, options.log} {}

  Status Run() {
    ASSIGN_OR_RETURN(verifier_, ledger::ParseVerifierKey(o_.pinned_key));
    service::OpenOptions open;
    open.data_dir = o_.data_dir;
    open.passphrase = o_.passphrase;
    open.replica = true;
    ASSIGN_OR_RETURN(engine_, service::Engine::Open(open));
    const ledger::Head head = engine_->ledger().durable_head();
    ASSIGN_OR_RETURN(tree_, ledger::TreeReader(engine_->ledger().store()).Frontier(head.next_seq));
    ASSIGN_OR_RETURN(ledger::Base base, ledger::ReadBase(engine_->ledger().store()));
    status_.first_seq = base.seq;
    ASSIGN_OR_RETURN(remote_, Remote::Connect(o_.primary, kUserAgent, kCallDeadlineMs));
    // The primary must serve the ledger this directory replicates: a profile
    // pointed at another primary is refused before anything is fetched.
    ASSIGN_OR_RETURN(service::ReplicaSeed ours, engine_->Seed());
    ASSIGN_OR_RETURN(service::ReplicaSeed theirs, FetchSeed(*remote_, &retry_));
    if (theirs.ledger_id != ours.ledger_id) {
      return FailedPreconditionError("this replica's data directory holds ledger " + ours.ledger_id +
                                     ", but the primary at " + o_.primary.api_endpoint + " serves ledger " +
                                     theirs.ledger_id + ": refusing to follow it (nothing was applied)");
    }
    ASSIGN_OR_RETURN(context_, bus::BusContext::Create(nullptr));
    bus::FollowerOptions follow;
    follow.events_endpoint = o_.primary.events_endpoint;
    follow.server_public_z85 = o_.primary.server_public_key;
    follow.client_key = bus::CurveKeyPair{o_.primary.key.public_z85, o_.primary.key.secret_z85.Clone()};
    follow.from_seq = head.next_seq;
    follow.prev_leaf = head.last_leaf;
    follow.fetch_page = kPageRecords;
    // Gaps and catch-up come through ReadReplicaPage: large pages, with the
    // data keys their records put (kept for Apply, which then asks for none).
    ASSIGN_OR_RETURN(follower_, bus::Follower::Start(*context_, std::move(follow), [this](uint64_t seq, uint32_t max) {
                       return FetchPage(seq, max);
                     }));
    Info("following the primary", {{"from_seq", head.next_seq}, {"api", o_.primary.api_endpoint}});
    last_status_ = Clock::now();
    while (!o_.stop->load()) {
      RETURN_IF_ERROR(Receive());
      RETURN_IF_ERROR(VerifyAndApplyDue());
      if (idle_) RETURN_IF_ERROR(Settle(/*quiet_for=*/std::chrono::milliseconds(250)));
      if (Clock::now() - last_status_ >= std::chrono::milliseconds(o_.status_every_ms)) RETURN_IF_ERROR(WriteStatus());
      if (o_.report_every_ms > 0 && Clock::now() - last_report_ >= std::chrono::milliseconds(o_.report_every_ms)) {
        RETURN_IF_ERROR(Report());
      }
    }
    RETURN_IF_ERROR(Settle(std::chrono::milliseconds(0)));
    Info("stopped", {{"head", engine_->ledger().durable_head().next_seq}, {"pending", pending_.size()}});
    return WriteStatus();
  }

  Status WriteStatus() {
    const auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - last_status_).count();
    const ledger::Head head = engine_ ? engine_->ledger().durable_head() : ledger::Head{};
    status_.head = head.next_seq;
    status_.head_leaf_hex = crypto::ToHex(head.last_leaf);
    status_.primary_head = follower_ ? std::max(follower_->known_head(), head.next_seq + pending_.size()) : 0;
    status_.pending = pending_.size();
    status_.lag_ms = pending_.empty() ? 0 : std::max<int64_t>(0, NowMs() - pending_.front().record.time_unix_ms());
    status_.bytes_per_s = seconds > 0 ? static_cast<double>(bytes_since_status_) / seconds : 0;
    bytes_since_status_ = 0;
    last_status_ = now;
    return WriteFileAtomically(ReplicaStatusPath(o_.data_dir), status_.ToJson().dump(2) + "\n");
  }

 private:
  // ReportReplicaStatus: what `cairn replica status` on the primary shows.
  Status Report() {
    last_report_ = Clock::now();
    if (report_refused_) return Status::Ok();
    const ledger::Head head = engine_->ledger().durable_head();
    Json params = {{"ReplicaId", o_.replica_id},
                   {"HeadSeq", head.next_seq},
                   {"LagMs", pending_.empty() ? 0 : std::max<int64_t>(0, NowMs() - pending_.front().record.time_unix_ms())},
                   {"PendingRecords", pending_.size()},
                   {"BytesPerSecond", static_cast<uint64_t>(status_.bytes_per_s)},
                   {"VerifiedTreeSize", status_.verified_size}};
    if (head.next_seq > 0) params["HeadLeafHash"] = crypto::ToHex(head.last_leaf);
    if (!status_.verified_root_hex.empty()) params["VerifiedRoot"] = status_.verified_root_hex;
    Result<service::Response> reply = Call(*remote_, "ReportReplicaStatus", params, &retry_);
    if (!reply.ok()) {
      if (o_.stop->load()) return Status::Ok();
      report_refused_ = true;  // a report is for the operator: replication goes on without
      if (o_.log) {
        o_.log->Warn("the primary refuses this replica's status reports; replication goes on, but 'cairn replica "
                     "status' there will not show it (grant cairn:ReportReplicaStatus)",
                     {{"error", reply.status().message()}});
      }
      return Status::Ok();
    }
    const auto matches = reply->body.find("LeafHashMatches");
    if (matches != reply->body.end() && matches->is_boolean() && !matches->get<bool>()) {
      return DataLossError("the primary's record " + std::to_string(head.next_seq - 1) +
                           " is not this replica's (leaf " + crypto::ToHex(head.last_leaf) + "): the ledgers forked; "
                           "this replica's head " + std::to_string(head.next_seq) + ", the primary's " +
                           std::to_string(reply->body.value("PrimaryHeadSeq", uint64_t{0})));
    }
    return Status::Ok();
  }

  void Info(std::string_view msg, nlohmann::ordered_json fields) {
    if (o_.log) o_.log->Info(msg, std::move(fields));
  }

  // A page read ahead: the reply, and the leaf hash of each of its records,
  // computed on the reading thread (the follower takes them as they are).
  struct AheadPage {
    Result<service::Response> reply;
    std::vector<crypto::Digest> leaves;
  };

  // ReadReplicaPage from `from`. While pages come back full (catching up), the
  // next one is read ahead on a second connection, so that fetching and
  // hashing its records overlap verifying and applying; a page read ahead is
  // used only if it starts where the follower asks next (else, or if it
  // failed, the page is read again).
  Result<std::vector<bus::StoredRecord>> FetchPage(uint64_t from, uint32_t max) {
    const uint32_t want = std::min(max, kPageRecords);
    std::optional<AheadPage> ahead = TakeReadAhead(from);
    if (ahead && !ahead->reply.ok()) ahead.reset();
    Result<service::Response> reply = ahead ? std::move(ahead->reply)
                                            : Call(*remote_, "ReadReplicaPage", {{"FromSeq", from}, {"MaxRecords", want}});  // the follower retries
    if (!reply.ok()) return reply.status();
    service::Response& page = *reply;
    RETURN_IF_ERROR(KeepDataKeys(page.body));
    if (page.records.size() > want) page.records.resize(want);  // read ahead as a whole page
    if (want == kPageRecords && page.records.size() == want) ReadAhead(from + want);
    std::vector<bus::StoredRecord> records;
    records.reserve(page.records.size());
    for (size_t i = 0; i < page.records.size(); ++i) {
      auto& [seq, bytes] = page.records[i];
      records.push_back({seq, std::move(bytes)});
      if (ahead) records.back().leaf_hash = ahead->leaves[i];
    }
    return records;
  }

  // The page read ahead, if one was and it starts at `from` (waiting for it).
  std::optional<AheadPage> TakeReadAhead(uint64_t from) {
    if (!read_ahead_) return std::nullopt;
    const uint64_t at = read_ahead_->first;
    AheadPage page = read_ahead_->second.get();
    read_ahead_.reset();
    if (at != from) return std::nullopt;
    return page;
  }

  // Starts reading the page at `from` on the read-ahead connection (made on
  // first use; without it, pages are read one by one as before).
  void ReadAhead(uint64_t from) {
    if (ahead_remote_ == nullptr) {
      Result<std::unique_ptr<Remote>> remote = Remote::Connect(o_.primary, kUserAgent, kCallDeadlineMs);
      if (!remote.ok()) return;
      ahead_remote_ = std::move(remote).value();
    }
    read_ahead_.emplace(from, std::async(std::launch::async, [remote = ahead_remote_.get(), from] {
                          AheadPage page{Call(*remote, "ReadReplicaPage", {{"FromSeq", from}, {"MaxRecords", kPageRecords}}), {}};
                          if (!page.reply.ok()) return page;
                          page.leaves.reserve(page.reply->records.size());
                          for (const auto& [seq, bytes] : page.reply->records) page.leaves.push_back(ledger::RecordLeafHash(bytes));
                          return page;
                        }));
  }

  // The consistency proof from `first` to `second` asked for ahead, if it was
  // (waiting for it); nullopt if none was or it was for other sizes.
  std::optional<Result<std::vector<crypto::Digest>>> TakeProofAhead(uint64_t first, uint64_t second) {
    if (!proof_ahead_) return std::nullopt;
    const auto sizes = proof_ahead_->first;
    Result<std::vector<crypto::Digest>> proof = proof_ahead_->second.get();
    proof_ahead_.reset();
    if (sizes != std::make_pair(first, second)) return std::nullopt;
    return proof;
  }

  // Starts asking for the proof from `first` to `second` on a connection of
  // its own (made on first use; without it, each proof is asked for in turn).
  void ProofAhead(uint64_t first, uint64_t second) {
    if (proof_remote_ == nullptr) {
      Result<std::unique_ptr<Remote>> remote = Remote::Connect(o_.primary, kUserAgent, kCallDeadlineMs);
      if (!remote.ok()) return;
      proof_remote_ = std::move(remote).value();
    }
    proof_ahead_.emplace(std::make_pair(first, second), std::async(std::launch::async, [remote = proof_remote_.get(), first, second] {
                           return FetchConsistencyProof(*remote, first, second);
                         }));
  }

  Status KeepDataKeys(const Json& body) {
    for (const Json& k : body.value("DataKeys", Json::array())) {
      const std::string key = k.value("Key", "");
      if (k.value("Destroyed", false)) {
        known_keys_[key] = std::nullopt;
      } else {
        ASSIGN_OR_RETURN(crypto::SecureBuffer entry, crypto::Base64Decode(k.value("Entry", "")));
        known_keys_[key] = std::string(entry.as_string_view());
      }
    }
    return Status::Ok();
  }

  // Takes what the follower has, waiting up to 5 ms for the first record: a
  // checkpoint arriving alone (its records are held already) does not end
  // Next's wait, so a long wait would be the replica's lag.
  Status Receive() {
    int wait_ms = 5;
    idle_ = true;
    while (pending_.size() < o_.max_pending) {
      Result<bus::FollowedRecord> r = follower_->Next(wait_ms);
      if (!r.ok()) {
        if (r.status().code() == StatusCode::kUnavailable) break;
        return r.status().WithContext("following the primary");
      }
      // Decoded once, in place (the follower checked seq and prev, and hashed it).
      Result<service::ReplicatedRecord> record = service::ReplicatedRecord::Decode(std::move(r->bytes), r->leaf_hash);
      if (!record.ok()) return DataLossError("record " + std::to_string(r->seq) + ": " + record.status().message());
      if (record->seq() != r->seq) return DataLossError("record " + std::to_string(r->seq) + " carries another seq");
      if (pending_.empty()) oldest_since_ = Clock::now();
      // Our calls: our principal and our user agent (an operator may share the principal).
      const bool own = record->principal() == o_.primary.principal && record->user_agent() == kUserAgent;
      if (!own) ++foreign_pending_;
      pending_.push_back(Pending{std::move(record).value(), own});
      wait_ms = 0;
      idle_ = false;
    }
    if (auto cp = follower_->TakeCheckpoint(); cp && (!stream_checkpoint_ || cp->first > stream_checkpoint_->first)) {
      stream_checkpoint_ = std::move(cp);
    }
    return Status::Ok();
  }

  Status VerifyAndApplyDue() {
    if (pending_.empty()) return Status::Ok();
    const uint64_t applied = tree_.size();
    const uint64_t held = applied + pending_.size();
    // A published checkpoint within the records held: its root, reproduced.
    if (stream_checkpoint_ && stream_checkpoint_->first > applied && stream_checkpoint_->first <= held) {
      auto [size, note] = *std::exchange(stream_checkpoint_, std::nullopt);
      return VerifyAndApply(note, size, std::nullopt);
    }
    // Asking is a call, and a call is a record: records of our own calls
    // alone wait for a published checkpoint, or the asking would never end.
    const bool full = pending_.size() >= o_.max_pending;
    const bool stale = foreign_pending_ > 0 &&
                       Clock::now() - oldest_since_ >= std::chrono::milliseconds(o_.verify_after_ms);
    if (!full && !stale) return Status::Ok();
    // A checkpoint of at least the records held, and a proof to it. Catching
    // up, the one asked for first covers many pages (the primary's head): it
    // is asked for again only once the records held pass it, each page still
    // verified by its own proof to it (and the note by the pinned key).
    if (!signed_ahead_ || signed_ahead_->first < held) {
      signed_ahead_.reset();
      ASSIGN_OR_RETURN(service::Response cp, Call(*remote_, "GetCheckpoint", {{"MinTreeSize", held}}, &retry_));
      ASSIGN_OR_RETURN(std::string note, StringMember(cp.body, kPrimaryReply, "Note"));
      ASSIGN_OR_RETURN(uint64_t size, CountMember(cp.body, kPrimaryReply, "TreeSize"));
      signed_ahead_.emplace(size, std::move(note));
    }
    const auto [size, note] = *signed_ahead_;
    if (size == held) return VerifyAndApply(note, held, std::nullopt);
    // The proof asked for ahead (while these records came), or asked for now.
    std::optional<Result<std::vector<crypto::Digest>>> ahead = TakeProofAhead(held, size);
    if (!ahead || !ahead->ok()) ahead.emplace(FetchConsistencyProof(*remote_, held, size, &retry_));
    RETURN_IF_ERROR(ahead->status());
    // Catching up, the next batch ends max_pending records on: its proof is
    // asked for now, to come while its records are fetched.
    if (held + o_.max_pending < size) ProofAhead(held + o_.max_pending, size);
    return VerifyAndApply(note, held, std::move(*ahead).value());
  }

  // Verifies the first `upto` - applied pending records against the signed
  // `note` (exactly, or through `proof` from `upto` to the note's size),
  // then applies them.
  Status VerifyAndApply(const std::string& note, uint64_t upto, std::optional<std::vector<crypto::Digest>> proof) {
    Result<ledger::Checkpoint> checkpoint = ledger::OpenSignedCheckpoint(note, verifier_);
    if (!checkpoint.ok()) {
      return DataLossError("a checkpoint from the primary does not verify against the pinned key: " +
                           checkpoint.status().message());
    }
    const uint64_t applied = tree_.size();
    ledger::CompactRange tree = tree_;
    for (uint64_t i = 0; i < upto - applied; ++i) tree.Append(pending_[i].record.leaf_hash());
    const crypto::Digest root = tree.Root();
    if (!proof) {
      if (checkpoint->size != upto || checkpoint->root != root) {
        return DataLossError("the primary's records 0.." + std::to_string(upto - 1) + " do not reproduce the root of " +
                             "its checkpoint of size " + std::to_string(checkpoint->size) +
                             " (ours " + crypto::ToHex(root) + ", signed " + crypto::ToHex(checkpoint->root) +
                             "): a fork or tampering; nothing of them was applied");
      }
    } else {
      Status consistent = ledger::VerifyConsistency(upto, checkpoint->size, root, checkpoint->root, *proof);
      if (!consistent.ok()) {
        return DataLossError("the primary's records up to " + std::to_string(upto) +
                             " are not a prefix of its checkpoint of size " + std::to_string(checkpoint->size) +
                             ": " + consistent.message() + "; nothing of them was applied");
      }
    }
    // A checkpoint the page ends at is kept with it, for auditors of the replica's files.
    const service::Engine::PrimaryCheckpoint kept{note, ledger::FormatVerifierKey(verifier_)};
    // Catching up (the signed tree holds at least another full batch after
    // this one), the page is written without the WAL: a crash loses whole
    // pages from the end, fetched again. Close to the head, every page is
    // synced, and the first such page persists the deferred ones before it.
    const bool catching_up = proof && checkpoint->size >= upto + o_.max_pending;
    RETURN_IF_ERROR(Apply(upto - applied, proof ? nullptr : &kept,
                          catching_up ? ledger::Durability::kDeferred : ledger::Durability::kSync));
    tree_ = std::move(tree);
    status_.verified_size = checkpoint->size;
    status_.verified_root_hex = crypto::ToHex(checkpoint->root);
    status_.verified_at_ms = NowMs();
    return Status::Ok();
  }

  // Applies the first `count` pending records with the data keys they put,
  // and `checkpoint` (if any) that they end at.
  Status Apply(uint64_t count, const service::Engine::PrimaryCheckpoint* checkpoint, ledger::Durability durability) {
    std::vector<std::string> needed;
    uint64_t first_needing = UINT64_MAX, last_needing = 0;
    size_t bytes = 0;
    for (uint64_t i = 0; i < count; ++i) {
      const service::ReplicatedRecord& record = pending_[i].record;
      if (!record.event_status().ok()) {
        return DataLossError("replicated record " + std::to_string(record.seq()) +
                             " holds no Cairn event: " + record.event_status().message());
      }
      for (const std::string& key : record.effects().puts) {
        if (!known_keys_.contains(key)) {  // not brought by a fetched page
          first_needing = std::min(first_needing, record.seq());
          last_needing = record.seq();
        }
        needed.push_back(key);
      }
      bytes += record.bytes().size();
    }
    for (uint64_t from = first_needing; first_needing != UINT64_MAX && from <= last_needing;) {
      const uint64_t max = std::min<uint64_t>(kPageRecords, last_needing + 1 - from);
      ASSIGN_OR_RETURN(service::Response page,
                       Call(*remote_, "ReadReplicaPage", {{"FromSeq", from}, {"MaxRecords", max}}, &retry_));
      if (page.records.empty()) return DataLossError("ReadReplicaPage from " + std::to_string(from) + " returned nothing");
      for (const auto& [seq, bytes_there] : page.records) {
        const uint64_t index = seq - pending_.front().record.seq();
        if (seq < pending_.front().record.seq() || index >= count || pending_[index].record.bytes() != bytes_there) {
          return DataLossError("ReadReplicaPage sent other bytes for record " + std::to_string(seq) +
                               " than the events stream: nothing was applied");
        }
      }
      RETURN_IF_ERROR(KeepDataKeys(page.body));
      from = page.records.back().first + 1;
    }
    std::vector<service::ReplicatedKey> keys;
    for (const std::string& key : needed) {
      auto it = known_keys_.find(key);
      if (it == known_keys_.end()) return DataLossError("the primary sent no data key " + key);
      keys.push_back({key, it->second});
    }
    std::vector<service::ReplicatedRecord> records;
    records.reserve(count);
    for (uint64_t i = 0; i < count; ++i) records.push_back(std::move(pending_[i].record));
    // Staged now, awaited once the next page is staged (or the follower is
    // idle): the committer writes this page while the next is fetched and verified.
    ASSIGN_OR_RETURN(service::Engine::StagedPage staged,
                     engine_->StageReplicated(std::move(records), keys, checkpoint, durability));
    if (durability == ledger::Durability::kDeferred) last_deferred_ = Clock::now();
    if (durability != durability_) {
      durability_ = durability;
      Info(durability == ledger::Durability::kDeferred
               ? "catching up: pages are written without the WAL until near the primary's head"
               : "near the primary's head: every page is synced",
           {{"from_seq", tree_.size()}});
    }
    RETURN_IF_ERROR(AwaitApplied());
    in_flight_ = std::move(staged);
    for (const std::string& key : needed) known_keys_.erase(key);
    for (uint64_t i = 0; i < count; ++i) foreign_pending_ -= pending_[i].own ? 0 : 1;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(count));
    if (!pending_.empty()) oldest_since_ = Clock::now();
    bytes_since_status_ += bytes;
    status_.applied_since_start += count;
    return Status::Ok();
  }

  // Waits until the page staged last is written; its write error otherwise.
  Status AwaitApplied() {
    if (!in_flight_) return Status::Ok();
    return engine_->AwaitReplicated(*std::exchange(in_flight_, std::nullopt));
  }

  // AwaitApplied, then the pages written without the WAL on disk too once
  // none was for `quiet_for` (a pause between two pages of a catch-up is no
  // reason to flush: the first synced page near the head persists them).
  // The store knows whether any is unpersisted: if none, this is a no-op.
  Status Settle(std::chrono::milliseconds quiet_for) {
    RETURN_IF_ERROR(AwaitApplied());
    if (Clock::now() - last_deferred_ < quiet_for) return Status::Ok();
    return engine_->PersistReplicated();
  }

  const ReplicatorOptions& o_;
  const Retry retry_;
  ledger::NoteVerifier verifier_;
  std::unique_ptr<service::Engine> engine_;
  std::optional<service::Engine::StagedPage> in_flight_;  // the page staged last, not yet awaited
  bool idle_ = false;  // the last Receive took no record
  Clock::time_point last_deferred_{};  // when a page was last written kDeferred
  ledger::Durability durability_ = ledger::Durability::kSync;  // of the page applied last
  ledger::CompactRange tree_;  // the applied records' tree
  std::unique_ptr<Remote> remote_;
  // The read-ahead connection and the page it reads (its seq, the reply to
  // come); the reply outlives nothing it uses: declared after the connection.
  std::unique_ptr<Remote> ahead_remote_;
  std::optional<std::pair<uint64_t, std::future<AheadPage>>> read_ahead_;
  // The same for the next consistency proof: its sizes, the proof to come.
  std::unique_ptr<Remote> proof_remote_;
  std::optional<std::pair<std::pair<uint64_t, uint64_t>, std::future<Result<std::vector<crypto::Digest>>>>> proof_ahead_;
  std::unique_ptr<bus::BusContext> context_;
  std::unique_ptr<bus::Follower> follower_;
  std::deque<Pending> pending_;
  uint64_t foreign_pending_ = 0;  // pending records not of our own calls
  // Data keys fetched pages brought, until their records are applied. Wrapped
  // under the KEK (never a key in clear); a map of the few not yet applied.
  std::map<std::string, std::optional<std::string>> known_keys_;
  Clock::time_point oldest_since_{};
  std::optional<std::pair<uint64_t, std::string>> stream_checkpoint_;
  // The last checkpoint GetCheckpoint brought (size, note), for the pages it covers.
  std::optional<std::pair<uint64_t, std::string>> signed_ahead_;
  ReplicaStatus status_;
  Clock::time_point last_status_{};
  Clock::time_point last_report_{};
  bool report_refused_ = false;
  uint64_t bytes_since_status_ = 0;
};

}  // namespace

service::Json ReplicaStatus::ToJson() const {
  return {{"HeadSeq", head},
          {"HeadLeafHash", head_leaf_hex},
          {"PrimaryHeadSeq", primary_head},
          {"LagRecords", primary_head > head ? primary_head - head : 0},
          {"LagMs", lag_ms},
          {"PendingRecords", pending},
          {"BytesPerSecond", bytes_per_s},
          {"LastVerifiedCheckpoint", {{"TreeSize", verified_size}, {"Root", verified_root_hex}, {"VerifiedAtMs", verified_at_ms}}},
          {"AppliedSinceStart", applied_since_start},
          {"FirstSeq", first_seq}};
}

std::string DefaultReplicaId(const std::string& data_dir) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::error_code ec;
  std::string id = std::string(host) + ":" + std::filesystem::absolute(data_dir, ec).lexically_normal().string();
  for (char& c : id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == ':' ||
                    c == '/' || c == '@';
    if (!ok) c = '_';
  }
  if (id.size() > 128) id = id.substr(id.size() - 128);
  return id;
}

namespace {

constexpr char kSnapshotReply[] = "the primary's snapshot";

// A snapshot of the primary's state (service/snapshot.h), fetched page by
// page and verified (service::SnapshotVerifier) before anything is written.
Result<service::VerifiedSnapshot> FetchSnapshot(Remote& remote, const ledger::NoteVerifier& pinned) {
  ASSIGN_OR_RETURN(service::Response start, Call(remote, "ReadReplicaSnapshot", Json::object()));
  ASSIGN_OR_RETURN(std::string id, StringMember(start.body, kSnapshotReply, "SnapshotId"));
  ASSIGN_OR_RETURN(std::string note, StringMember(start.body, kSnapshotReply, "Note"));
  ASSIGN_OR_RETURN(std::vector<crypto::Digest> nodes, DigestList(start.body, "Frontier", kSnapshotReply));
  ASSIGN_OR_RETURN(service::SnapshotVerifier verifier, service::SnapshotVerifier::Start(note, pinned, std::move(nodes)));
  for (ledger::Family family : service::kSnapshotFamilies) {
    Json params = {{"SnapshotId", id}, {"Family", std::string(ledger::FamilyName(family))}, {"MaxEntries", 5000}};
    for (;;) {
      ASSIGN_OR_RETURN(service::Response page, Call(remote, "ReadReplicaSnapshot", params));
      auto entries = page.body.find("Entries");
      if (entries == page.body.end() || !entries->is_array()) return DataLossError("a snapshot page has no Entries");
      for (const Json& e : *entries) {
        ASSIGN_OR_RETURN(std::string key, StringMember(e, kSnapshotReply, "Key"));
        ASSIGN_OR_RETURN(std::string value, StringMember(e, kSnapshotReply, "Value"));
        ASSIGN_OR_RETURN(crypto::SecureBuffer key_bytes, crypto::Base64Decode(key));
        ASSIGN_OR_RETURN(crypto::SecureBuffer value_bytes, crypto::Base64Decode(value));
        RETURN_IF_ERROR(verifier.Add(family, std::string(key_bytes.as_string_view()),
                                     std::string(value_bytes.as_string_view())));
      }
      auto next = page.body.find("NextStartAfter");
      if (next == page.body.end()) break;
      if (entries->empty() || !next->is_string()) return DataLossError("a snapshot page has a bad NextStartAfter");
      params["StartAfter"] = next->get<std::string>();
    }
  }
  return std::move(verifier).Finish();
}

}  // namespace

Result<uint64_t> InitReplicaDir(const InitOptions& options) {
  ASSIGN_OR_RETURN(ledger::NoteVerifier pinned, ledger::ParseVerifierKey(options.pinned_key));
  ASSIGN_OR_RETURN(Profile profile, ReadProfile(options.primary_profile_path));
  ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(profile, kUserAgent));
  RETURN_IF_ERROR(FetchPinnedCheckpoint(*remote, pinned, options.pinned_key, "replicate").status());
  ASSIGN_OR_RETURN(service::ReplicaSeed seed, FetchSeed(*remote));
  uint64_t first_seq = 0;
  if (options.from_snapshot) {
    Result<service::VerifiedSnapshot> snapshot = FetchSnapshot(*remote, pinned);
    if (!snapshot.ok()) return snapshot.status().WithContext("the primary's snapshot (nothing was written)");
    first_seq = snapshot->base.seq;
    const service::Engine::PrimaryCheckpoint signed_snapshot{snapshot->note, snapshot->verifier_key};
    RETURN_IF_ERROR(service::Engine::InitReplicaFromSnapshot(options.data_dir, seed, options.passphrase, snapshot->base,
                                                             snapshot->frontier, std::move(snapshot->entries),
                                                             &signed_snapshot));
  } else {
    RETURN_IF_ERROR(service::Engine::InitReplica(options.data_dir, seed, options.passphrase));
  }
  std::error_code ec;
  const std::string profile_abs = std::filesystem::absolute(options.primary_profile_path, ec).string();
  Json config = {{"PrimaryProfile", profile_abs}, {"PinnedKey", options.pinned_key}, {"LedgerId", seed.ledger_id}};
  RETURN_IF_ERROR(WriteFileAtomically(ReplicaConfigPath(options.data_dir), config.dump(2) + "\n"));
  ::chmod(ReplicaConfigPath(options.data_dir).c_str(), 0600);
  return first_seq;
}

Result<service::Json> PromoteReplica(const std::string& data_dir, const crypto::SecureBuffer* passphrase) {
  service::Json status = service::Json::parse(ReadStatusText(data_dir), nullptr, false);
  if (!status.is_object()) status = service::Json::object();
  service::OpenOptions open;
  open.data_dir = data_dir;
  open.passphrase = passphrase;
  open.replica = true;
  ASSIGN_OR_RETURN(std::unique_ptr<service::Engine> engine, service::Engine::Open(open));
  const uint64_t head = engine->ledger().durable_head().next_seq;
  service::Promotion promotion;
  const service::Json verified = status.value("LastVerifiedCheckpoint", service::Json::object());
  promotion.verified_checkpoint_size = verified.value("TreeSize", uint64_t{0});
  promotion.verified_checkpoint_root_hex = verified.value("Root", "");
  promotion.primary_head_seen = std::max(status.value("PrimaryHeadSeq", uint64_t{0}), head);
  RETURN_IF_ERROR(engine->Promote(promotion));
  engine.reset();
  std::error_code ec;
  std::filesystem::rename(ReplicaConfigPath(data_dir), ReplicaConfigPath(data_dir) + ".promoted", ec);
  return service::Json{{"PromotedAtSeq", head},
                       {"ReplicaHeadSeq", head},
                       {"PrimaryHeadSeqSeen", promotion.primary_head_seen},
                       {"RecordsLostAtLeast", promotion.primary_head_seen - head},
                       {"LastVerifiedCheckpoint", verified}};
}

namespace {

// Whether this ledger's first `size` records are the first `size` of the
// primary's signed tree `checkpoint`: a consistency proof from our root at
// `size` to the signed root (the roots themselves when the sizes are equal).
Result<bool> IsPrefixOfPrimary(Remote& remote, const ledger::TreeReader& tree, uint64_t size,
                               const ledger::Checkpoint& checkpoint) {
  if (size == 0) return true;
  if (size > checkpoint.size) return false;
  ASSIGN_OR_RETURN(crypto::Digest ours, tree.Root(size));
  if (size == checkpoint.size) return ours == checkpoint.root;
  ASSIGN_OR_RETURN(std::vector<crypto::Digest> proof, FetchConsistencyProof(remote, size, checkpoint.size));
  return ledger::VerifyConsistency(size, checkpoint.size, ours, checkpoint.root, proof).ok();
}

// Writes records [from, to) of `store` to `path` as cairn-audit export's JSON
// lines (events: what was done, by whom; never a secret value).
Status WriteRecordsAsTrail(const ledger::Store& store, uint64_t from, uint64_t to, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return InternalError("cannot write " + path);
  ASSIGN_OR_RETURN(service::TrailContext context, service::TrailContextOf(store));
  ASSIGN_OR_RETURN(ledger::Base base, ledger::ReadBase(store));
  uint64_t seq = std::max(from, base.seq);
  if (seq == 0) {
    ASSIGN_OR_RETURN(std::string genesis, ledger::ReadRecord(store, 0));
    ASSIGN_OR_RETURN(Json first, service::CloudTrailRecord(0, genesis, context));  // fills the account
    if (to > 0) out << first.dump() << "\n";
    seq = 1;
  }
  for (; seq < to; ++seq) {
    ASSIGN_OR_RETURN(std::string bytes, ledger::ReadRecord(store, seq));
    ASSIGN_OR_RETURN(Json line, service::CloudTrailRecord(seq, bytes, context));
    out << line.dump() << "\n";
  }
  out.flush();
  if (!out) return InternalError("cannot write " + path);
  return Status::Ok();
}

}  // namespace

Result<service::Json> RejoinReplicaDir(const RejoinOptions& options) {
  ASSIGN_OR_RETURN(ledger::NoteVerifier pinned, ledger::ParseVerifierKey(options.pinned_key));
  ASSIGN_OR_RETURN(Profile profile, ReadProfile(options.primary_profile_path));
  service::OpenOptions open;
  open.data_dir = options.data_dir;
  open.passphrase = options.passphrase;
  open.any_role = true;
  ASSIGN_OR_RETURN(std::unique_ptr<service::Engine> engine, service::Engine::Open(open));
  ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(profile, kUserAgent));
  ASSIGN_OR_RETURN(service::ReplicaSeed seed, FetchSeed(*remote));
  ASSIGN_OR_RETURN(service::ReplicaSeed ours, engine->Seed());
  if (ours.ledger_id != seed.ledger_id) {
    return FailedPreconditionError(options.data_dir + " holds ledger " + ours.ledger_id + ", but the primary serves " +
                                   seed.ledger_id + ": there is nothing to rejoin");
  }

  // The primary's signed tree, by the pinned key.
  ASSIGN_OR_RETURN(service::Response cp, FetchPinnedCheckpoint(*remote, pinned, options.pinned_key, "rejoin"));
  const std::string theirs = ledger::FormatVerifierKey(pinned);  // the key the primary named, checked equal
  ASSIGN_OR_RETURN(std::string note, StringMember(cp.body, kPrimaryReply, "Note"));
  Result<ledger::Checkpoint> checkpoint = ledger::OpenSignedCheckpoint(note, pinned);
  if (!checkpoint.ok()) {
    return DataLossError("the primary's checkpoint does not verify against the pinned key: " +
                         checkpoint.status().message());
  }

  // The fork point: the longest prefix of ours in the primary's signed tree.
  // Each record links to the one before, so being a prefix is monotone: a
  // binary search over sizes, one consistency proof each.
  const ledger::Head head = engine->ledger().durable_head();
  const ledger::TreeReader tree(engine->ledger().store());
  const uint64_t most = std::min(head.next_seq, checkpoint->size);
  uint64_t common = most;
  ASSIGN_OR_RETURN(bool whole, IsPrefixOfPrimary(*remote, tree, most, *checkpoint));
  if (!whole) {
    uint64_t lo = 0, hi = most;  // prefix at lo, not at hi
    while (hi - lo > 1) {
      const uint64_t mid = lo + (hi - lo) / 2;
      ASSIGN_OR_RETURN(bool prefix, IsPrefixOfPrimary(*remote, tree, mid, *checkpoint));
      (prefix ? lo : hi) = mid;
    }
    common = lo;
  }
  ASSIGN_OR_RETURN(crypto::Digest our_root, tree.Root(head.next_seq));
  Json report = {{"DataDir", options.data_dir},
                 {"ThisLedger", {{"HeadSeq", head.next_seq},
                                 {"HeadLeafHash", crypto::ToHex(head.last_leaf)},
                                 {"Root", crypto::ToHex(our_root)}}},
                 {"Primary", {{"TreeSize", checkpoint->size},
                              {"Root", crypto::ToHex(checkpoint->root)},
                              {"VerifierKey", theirs}}},
                 {"CommonRecords", common}};
  if (common < head.next_seq) {
    // Records here the primary never had: the old primary's writes after the
    // replica last saw it (or, with a primary behind us, not yet there).
    report["Fork"] = {{"AtSeq", common}, {"RecordsRefused", head.next_seq - common}};
    if (!options.fork_out.empty()) {
      RETURN_IF_ERROR(WriteRecordsAsTrail(engine->ledger().store(), common, head.next_seq, options.fork_out));
      report["Fork"]["RecordsWrittenTo"] = options.fork_out;
    }
    report["Rejoined"] = false;
    return report;
  }
  RETURN_IF_ERROR(engine->Rejoin(seed));
  engine.reset();
  std::error_code ec;
  const std::string profile_abs = std::filesystem::absolute(options.primary_profile_path, ec).string();
  Json config = {{"PrimaryProfile", profile_abs}, {"PinnedKey", options.pinned_key}, {"LedgerId", seed.ledger_id}};
  RETURN_IF_ERROR(WriteFileAtomically(ReplicaConfigPath(options.data_dir), config.dump(2) + "\n"));
  ::chmod(ReplicaConfigPath(options.data_dir).c_str(), 0600);
  std::filesystem::remove(ReplicaStatusPath(options.data_dir), ec);  // a stale one would mislead promote
  report["Rejoined"] = true;
  return report;
}

Status RunReplica(const ReplicatorOptions& options) {
  if (options.stop == nullptr) return InvalidArgumentError("RunReplica needs a stop flag");
  Replicator replicator(options);
  Status s = replicator.Run();
  if (!s.ok()) (void)replicator.WriteStatus();
  return s;
}

}  // namespace cairn::tools
