// Engine's replica half (service/replica.h): the seed, a replica's data
// directory, and pages of the primary's records applied byte for byte.
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "crypto/hash.h"
#include "crypto/master_key.h"
#include "ledger/checkpoint.h"
#include "ledger/record.h"
#include "service/engine.h"
#include "service/internal/event_reader.h"
#include "service/internal/meta_keys.h"
#include "service/internal/outcome.h"

namespace cairn::service {
namespace {

Result<std::string> MetaEntry(const ledger::Store& store, const char* key) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, store.Get(ledger::Family::kMeta, key));
  if (!value) return DataLossError(std::string("ledger meta has no ") + key);
  return std::move(*value);
}

// The primary's genesis must be the ledger this replica was seeded for.
Status CheckGenesis(const schema::Event& event, const ledger::Store& store) {
  const schema::LedgerInitialized* genesis = event.body_as_LedgerInitialized();
  if (genesis == nullptr) return DataLossError("replicated record 0 is not a LedgerInitialized event");
  ASSIGN_OR_RETURN(std::string ledger_id, MetaEntry(store, internal::kMetaLedgerId));
  ASSIGN_OR_RETURN(std::string key_id, MetaEntry(store, internal::kMetaMasterKeyId));
  const std::string theirs = genesis->ledger_id() ? genesis->ledger_id()->str() : "";
  if (theirs != ledger_id) {
    return FailedPreconditionError("the primary's genesis is of ledger " + theirs + ", but this replica was seeded for ledger " +
                                   ledger_id);
  }
  if (!genesis->master_key_id() || genesis->master_key_id()->str() != key_id) {
    return FailedPreconditionError("the primary's genesis names another master key than this replica's");
  }
  return Status::Ok();
}

// Whether the ledger at `ledger_dir` is a replica of `seed`'s ledger (same
// id, master key and keyring) that holds no record yet.
bool IsEmptyReplicaOf(const std::string& ledger_dir, const ReplicaSeed& seed) {
  auto store = ledger::OpenRocksStore(ledger_dir, ledger::OpenMode::kReadOnly);
  if (!store.ok()) return false;
  auto head = ledger::ReadHead(**store);
  if (!head.ok() || head->next_seq != 0) return false;
  const std::pair<const char*, const std::string*> expected[] = {{internal::kMetaReplicaOf, &seed.ledger_id},
                                                                 {internal::kMetaLedgerId, &seed.ledger_id},
                                                                 {internal::kMetaMasterKeyId, &seed.master_key_id},
                                                                 {internal::kMetaKeyring, &seed.keyring}};
  for (const auto& [key, value] : expected) {
    auto entry = (*store)->Get(ledger::Family::kMeta, key);
    if (!entry.ok() || !entry->has_value() || **entry != *value) return false;
  }
  return true;
}

// Whether the ledger at `ledger_dir` holds nothing but its format version:
// an init killed between creating the store and writing its one batch.
bool IsBlankLedger(const std::string& ledger_dir) {
  auto store = ledger::OpenRocksStore(ledger_dir, ledger::OpenMode::kReadOnly);
  if (!store.ok()) return false;
  for (int f = 0; f < ledger::kFamilyCount; ++f) {
    const auto family = static_cast<ledger::Family>(f);
    std::unique_ptr<ledger::StoreIterator> it = (*store)->NewIterator(family);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (family != ledger::Family::kMeta || it->key() != ledger::kMetaFormat) return false;
    }
    if (!it->status().ok()) return false;
  }
  return true;
}

}  // namespace

Result<ReplicaSeed> Engine::Seed() const {
  const ledger::Store& store = ledger_->store();
  ReplicaSeed seed;
  ASSIGN_OR_RETURN(seed.ledger_id, MetaEntry(store, internal::kMetaLedgerId));
  ASSIGN_OR_RETURN(seed.master_key_id, MetaEntry(store, internal::kMetaMasterKeyId));
  ASSIGN_OR_RETURN(seed.keyring, MetaEntry(store, internal::kMetaKeyring));
  return seed;
}

namespace {

// InitReplica's and InitReplicaFromSnapshot's checks: the seed, the key file
// beside the ledger. The store to write the replica's first batch into, or
// null if `data_dir` holds an empty replica of the seed's ledger already (an
// init cut short after its one batch: nothing is left to do). A ledger that
// holds nothing at all (an init cut short before that batch) is taken too.
Result<std::unique_ptr<ledger::Store>> NewReplicaStore(const std::string& data_dir, const ReplicaSeed& seed,
                                                       const crypto::SecureBuffer* passphrase,
                                                       const std::string& ledger_dir, const std::string& key_path) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(ledger_dir, ec);
  if (exists) {
    // An init cut short after its ledger was made is taken up again: an
    // empty replica of this very ledger.
    if (IsEmptyReplicaOf(ledger_dir, seed)) return std::unique_ptr<ledger::Store>();
    if (!IsBlankLedger(ledger_dir)) {
      return AlreadyExistsError(data_dir + " holds a ledger already; a replica starts from an empty data directory");
    }
  }
  if (seed.ledger_id.empty()) return InvalidArgumentError("the replica seed names no ledger");
  if (!std::filesystem::exists(key_path, ec)) {
    return NotFoundError("no master key file at " + key_path +
                         ": copy the primary's master.key there first (a replica opens the same secrets)");
  }
  ASSIGN_OR_RETURN(crypto::SecureBuffer master, crypto::ReadMasterKeyFile(key_path, passphrase));
  if (crypto::MasterKeyId(master) != seed.master_key_id) {
    return PermissionDeniedError("the key file " + key_path + " holds master key " + crypto::MasterKeyId(master) +
                                 ", but ledger " + seed.ledger_id + " uses " + seed.master_key_id);
  }
  Result<crypto::Keyring> keyring = crypto::Keyring::Load(std::move(master), crypto::AsBytes(seed.keyring));
  if (!keyring.ok()) {
    return InvalidArgumentError("the primary's keyring does not open under the master key: " +
                                keyring.status().message());
  }
  return ledger::OpenRocksStore(ledger_dir, exists ? ledger::OpenMode::kReadWrite : ledger::OpenMode::kCreate);
}

// `checkpoint` into `out` if it verifies by its key and has size `end`.
Status PutPrimaryCheckpoint(const Engine::PrimaryCheckpoint& checkpoint, uint64_t end, ledger::WriteSet& out) {
  ASSIGN_OR_RETURN(ledger::NoteVerifier verifier, ledger::ParseVerifierKey(checkpoint.verifier_key));
  Result<ledger::Checkpoint> cp = ledger::OpenSignedCheckpoint(checkpoint.note, verifier);
  if (!cp.ok()) return InvalidArgumentError("the primary's checkpoint does not verify: " + cp.status().message());
  if (cp->size != end) {
    return InvalidArgumentError("the records end at " + std::to_string(end) + " but the primary's checkpoint has size " +
                                std::to_string(cp->size));
  }
  out.Put(ledger::Family::kMeta, internal::kMetaPrimaryCheckpoint, checkpoint.note);
  out.Put(ledger::Family::kMeta, internal::kMetaPrimaryCheckpointKey, checkpoint.verifier_key);
  return Status::Ok();
}

void PutReplicaMeta(const ReplicaSeed& seed, ledger::WriteSet& meta) {
  meta.Put(ledger::Family::kMeta, internal::kMetaKeyring, seed.keyring);
  meta.Put(ledger::Family::kMeta, internal::kMetaMasterKeyId, seed.master_key_id);
  meta.Put(ledger::Family::kMeta, internal::kMetaLedgerId, seed.ledger_id);
  meta.Put(ledger::Family::kMeta, internal::kMetaReplicaOf, seed.ledger_id);
}

}  // namespace

Status Engine::InitReplica(const std::string& data_dir, const ReplicaSeed& seed,
                           const crypto::SecureBuffer* passphrase) {
  ASSIGN_OR_RETURN(auto store, NewReplicaStore(data_dir, seed, passphrase, LedgerDir(data_dir), KeyFilePath(data_dir)));
  if (store == nullptr) return Status::Ok();
  ledger::WriteSet meta;
  PutReplicaMeta(seed, meta);
  return store->Write(meta, /*sync=*/true);
}

Status Engine::InitReplicaFromSnapshot(const std::string& data_dir, const ReplicaSeed& seed,
                                       const crypto::SecureBuffer* passphrase, const ledger::Base& base,
                                       const ledger::CompactRange& frontier, ledger::WriteSet entries,
                                       const PrimaryCheckpoint* checkpoint) {
  for (const ledger::WriteOp& op : entries.ops()) {
    if (op.is_delete || (op.family != ledger::Family::kState && op.family != ledger::Family::kKeys)) {
      return InvalidArgumentError("a snapshot holds state and keys entries only");
    }
  }
  if (checkpoint != nullptr) RETURN_IF_ERROR(PutPrimaryCheckpoint(*checkpoint, base.seq, entries));
  ASSIGN_OR_RETURN(auto store, NewReplicaStore(data_dir, seed, passphrase, LedgerDir(data_dir), KeyFilePath(data_dir)));
  if (store == nullptr) {
    // An empty replica of this ledger, left by an init from genesis cut short.
    ASSIGN_OR_RETURN(store, ledger::OpenRocksStore(LedgerDir(data_dir), ledger::OpenMode::kReadWrite));
  }
  PutReplicaMeta(seed, entries);
  return ledger::ImportBase(*store, base, frontier, std::move(entries));
}

Status Engine::AddDataKeys(Response& response) const {
  Json keys = Json::array();
  std::string copy;
  for (const auto& [seq, bytes] : response.records) {
    // The log's bytes, copied once into `bytes` (a std::string: 8-aligned).
    ASSIGN_OR_RETURN(ledger::RecordView record, ledger::DecodeRecordView(bytes));
    if (!MayPutKeys(record.event_type)) continue;
    ASSIGN_OR_RETURN(const schema::Event* event, internal::ReadEventAnyAlignment(record.payload, copy));
    for (const std::string& key : KeyEffectsOf(*event).puts) {
      ASSIGN_OR_RETURN(std::optional<std::string> entry, ledger_->store().Get(ledger::Family::kKeys, key));
      if (entry) {
        keys.push_back({{"Key", key}, {"Entry", crypto::Base64Encode(crypto::AsBytes(*entry))}});
      } else {
        keys.push_back({{"Key", key}, {"Destroyed", true}});
      }
    }
  }
  response.body["DataKeys"] = std::move(keys);
  return Status::Ok();
}

Status Engine::ApplyReplicated(std::vector<std::string> records, const std::vector<ReplicatedKey>& keys) {
  ASSIGN_OR_RETURN(StagedPage page, StageReplicated(std::move(records), keys));
  return AwaitReplicated(page);
}

Result<Engine::StagedPage> Engine::StageReplicated(std::vector<std::string> records,
                                                   const std::vector<ReplicatedKey>& keys,
                                                   const PrimaryCheckpoint* checkpoint) {
  std::vector<ReplicatedRecord> decoded;
  decoded.reserve(records.size());
  const uint64_t first_seq = ledger_->staged_head().next_seq;  // for messages only
  for (size_t i = 0; i < records.size(); ++i) {
    const crypto::Digest leaf = ledger::RecordLeafHash(records[i]);
    Result<ReplicatedRecord> r = ReplicatedRecord::Decode(std::move(records[i]), leaf);
    if (!r.ok()) return r.status().WithContext("replicated record " + std::to_string(first_seq + i));
    decoded.push_back(std::move(r).value());
  }
  return StageReplicated(std::move(decoded), keys, checkpoint);
}

Result<Engine::StagedPage> Engine::StageReplicated(std::vector<ReplicatedRecord> records,
                                                   const std::vector<ReplicatedKey>& keys,
                                                   const PrimaryCheckpoint* checkpoint,
                                                   ledger::Durability durability) {
  if (records.empty()) return InvalidArgumentError("a replicated page holds at least one record");
  if (!is_replica_) return FailedPreconditionError("this data directory is not a DR replica (or was promoted)");
  std::lock_guard<std::mutex> lock(mu_);
  if (!poisoned_.ok()) return poisoned_;
  ledger::WriteSet key_writes;
  // The caller verified the page against it; this keeps a note that does not
  // end where the page does (or does not verify) off the disk.
  if (checkpoint != nullptr) RETURN_IF_ERROR(PutPrimaryCheckpoint(*checkpoint, records.back().seq() + 1, key_writes));

  std::map<std::string, const std::optional<std::string>*> supplied;
  for (const ReplicatedKey& k : keys) {
    if (!supplied.emplace(k.key, &k.entry).second) {
      return InvalidArgumentError("the page carries the data key " + k.key + " twice");
    }
  }
  // Each record was decoded once, by ReplicatedRecord::Decode: its event and
  // what it does to the `keys` family are read from there.
  std::set<std::string> used;
  bool shreds = false;  // the page destroys wrapped DEKs
  const uint64_t first_seq = ledger_->staged_head().next_seq;
  for (size_t i = 0; i < records.size(); ++i) {
    auto where = [&] { return "replicated record " + std::to_string(first_seq + i); };
    const ReplicatedRecord& r = records[i];
    if (!r.event_status().ok()) {
      return DataLossError(where() + " holds no Cairn event: " + r.event_status().message());
    }
    const schema::Event* event = r.event();
    if (event == nullptr) return InternalError(where() + " lost its event");
    if (r.seq() == 0) RETURN_IF_ERROR(CheckGenesis(*event, ledger_->store()));
    for (const std::string& key : r.effects().puts) {
      auto it = supplied.find(key);
      if (it == supplied.end()) {
        return InvalidArgumentError(where() + " writes the data key " + key + ", which the page does not carry");
      }
      used.insert(key);
      if (*it->second) key_writes.Put(ledger::Family::kKeys, key, **it->second);
    }
    for (const std::string& key : r.effects().deletes) key_writes.Delete(ledger::Family::kKeys, key);
    shreds = shreds || !r.effects().deletes.empty();
  }
  if (used.size() != supplied.size()) {
    return InvalidArgumentError("the page carries data keys that none of its records writes");
  }

  std::vector<std::string> bytes;
  std::vector<crypto::Digest> leaves;
  bytes.reserve(records.size());
  leaves.reserve(records.size());
  for (ReplicatedRecord& r : records) {
    leaves.push_back(r.leaf_hash());
    bytes.push_back(r.TakeBytes());
  }
  bool views_changed = false;
  auto side = [&](const std::vector<ledger::Appended>& staged, ledger::WriteSet& out) -> Status {
    projections::Views::Touched touched;
    for (size_t i = 0; i < staged.size(); ++i) {
      // The bytes the ledger holds now are the ones decoded (moved, not changed).
      const schema::Event* event = records[i].EventIn(staged[i].bytes);
      if (event == nullptr) return InternalError("replicated seq " + std::to_string(staged[i].seq) + " lost its event");
      views_changed = true;
      Status s = views_.Apply(staged[i].seq, records[i].time_unix_ms(), *event, &touched);
      if (!s.ok()) return s.WithContext("applying replicated seq " + std::to_string(staged[i].seq));
    }
    views_.WriteTouched(touched, out);
    out.Append(std::move(key_writes));
    return Status::Ok();
  };
  auto ticket = ledger_->StageVerbatim(std::move(bytes), std::move(leaves), side, durability);
  if (!ticket.ok()) {
    // The views may hold part of the page: they no longer match the disk.
    if (views_changed) poisoned_ = ticket.status();
    return ticket.status();
  }
  if (ledger_info_.ledger_id.empty()) ledger_info_ = views_.secrets.info();  // the genesis arrived
  return StagedPage{std::move(ticket).value(), shreds};
}

Status Engine::AwaitReplicated(const StagedPage& page) {
  auto done = ledger_->Await(page.ticket);
  if (!done.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    poisoned_ = done.status();
    return done.status();
  }
  // Crypto-shredding on the replica too: the deleted wrapped DEKs leave its files.
  return CompactShreddedKeys(page.shreds);
}

Status Engine::PersistReplicated() {
  Status s = ledger_->Persist();
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    poisoned_ = s;  // what the views hold may no longer reach the disk
  }
  return s;
}

Status Engine::Promote(const Promotion& promotion) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!poisoned_.ok()) return poisoned_;
  if (!is_replica_) return FailedPreconditionError("this data directory is not a DR replica (or was promoted already)");
  const uint64_t head = ledger_->durable_head().next_seq;
  if (head == 0) return FailedPreconditionError("the replica holds no records yet: nothing to take over");
  internal::Outcome out;
  auto root = out.fbb.CreateString(promotion.verified_checkpoint_root_hex);
  auto key = out.fbb.CreateString(ledger::FormatVerifierKey(checkpointer_->verifier()));
  out.SetBody(schema::CreateReplicaPromoted(out.fbb, head, promotion.verified_checkpoint_size, root,
                                            promotion.primary_head_seen, key));
  Decision decision = internal::ServiceEventDecision(std::move(out), "");
  decision.key_writes.Delete(ledger::Family::kMeta, internal::kMetaReplicaOf);  // in the record's batch
  decision.key_writes.Delete(ledger::Family::kMeta, internal::kMetaPrimaryCheckpoint);
  decision.key_writes.Delete(ledger::Family::kMeta, internal::kMetaPrimaryCheckpointKey);
  ServiceBatch batch;
  RETURN_IF_ERROR(StageServiceDecisionLocked(decision, clock_->NowMs(), batch));
  lock.unlock();
  RETURN_IF_ERROR(FinishServiceBatch(batch));
  is_replica_ = false;
  return Status::Ok();
}

Status Engine::Rejoin(const ReplicaSeed& seed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!poisoned_.ok()) return poisoned_;
  const ledger::Store& store = ledger_->store();
  ASSIGN_OR_RETURN(std::string ledger_id, MetaEntry(store, internal::kMetaLedgerId));
  ASSIGN_OR_RETURN(std::string key_id, MetaEntry(store, internal::kMetaMasterKeyId));
  ASSIGN_OR_RETURN(std::string keyring, MetaEntry(store, internal::kMetaKeyring));
  if (seed.ledger_id != ledger_id) {
    return FailedPreconditionError("this directory holds ledger " + ledger_id + ", but the primary serves ledger " +
                                   seed.ledger_id + ": there is nothing to rejoin");
  }
  if (seed.master_key_id != key_id || seed.keyring != keyring) {
    return FailedPreconditionError("the primary's master key or keyring is not this ledger's: it cannot be its primary");
  }
  ledger::WriteSet mark;
  mark.Put(ledger::Family::kMeta, internal::kMetaReplicaOf, ledger_id);
  mark.Delete(ledger::Family::kMeta, internal::kMetaPrimaryCheckpoint);  // another primary's, from an earlier life
  mark.Delete(ledger::Family::kMeta, internal::kMetaPrimaryCheckpointKey);
  RETURN_IF_ERROR(ledger_->WriteUnchained(mark).WithContext("marking the directory a replica"));
  is_replica_ = true;
  return Status::Ok();
}

}  // namespace cairn::service
