#include "service/engine.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <system_error>
#include <utility>

#include "crypto/hash.h"
#include "crypto/master_key.h"
#include "ledger/record.h"
#include "schema/events_generated.h"
#include "service/internal/event_reader.h"
#include "service/internal/meta_keys.h"
#include "service/internal/sealed_meta.h"
#include "service/access.h"
#include "service/principals.h"

namespace cairn::service {
namespace {

namespace fs = std::filesystem;

using internal::kMetaKeyring;
using internal::kMetaLedgerId;
using internal::kMetaMasterKeyId;

// Pagination tokens are authenticated with a key derived from the master key,
// so they survive restarts and cannot be forged without it.
crypto::SecureBuffer DeriveTokenKey(const crypto::SecureBuffer& master) {
  crypto::Digest d = crypto::DomainHash("cairn/next-token-key/v1", master.view());
  crypto::SecureBuffer key(d.data(), d.size());
  crypto::SecureWipe(d.data(), d.size());
  return key;
}

Status ValidateInit(const InitOptions& o) {
  if (o.data_dir.empty()) return InvalidArgumentError("--data-dir must not be empty");
  const std::string& r = o.region;
  bool region_ok = !r.empty() && r.size() <= 128 && std::isdigit(static_cast<unsigned char>(r.back()));
  for (char c : r) region_ok &= (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-');
  if (!region_ok) return InvalidArgumentError("region '" + r + "' is not a region name such as us-east-1");
  if (!o.account_id.empty()) {
    bool ok = o.account_id.size() == 12;
    for (char c : o.account_id) ok &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (!ok) return InvalidArgumentError("account id must be exactly 12 digits");
  }
  std::error_code ec;
  if (fs::exists(o.data_dir, ec)) {
    if (!fs::is_directory(o.data_dir, ec)) {
      return InvalidArgumentError(o.data_dir + " exists and is not a directory");
    }
    if (fs::exists(LedgerDir(o.data_dir), ec) || fs::exists(KeyFilePath(o.data_dir), ec)) {
      return AlreadyExistsError(o.data_dir + " already holds a Cairn ledger");
    }
    if (!fs::is_empty(o.data_dir, ec)) {
      return FailedPreconditionError(o.data_dir + " is not empty; init needs an empty or new directory");
    }
  }
  return Status::Ok();
}

std::string GenesisEvent(const std::string& ledger_id, const InitOptions& o, const std::string& account,
                         const std::string& key_id) {
  flatbuffers::FlatBufferBuilder fbb;
  auto body = schema::CreateLedgerInitializedDirect(fbb, ledger_id.c_str(), o.region.c_str(),
                                                    account.c_str(), key_id.c_str());
  auto audit = schema::CreateAuditDirect(fbb, "InitializeLedger", ledger_id.c_str(), false,
                                         "AwsServiceEvent", "", "", "{}");
  auto event = schema::CreateEvent(fbb, audit, schema::Body::LedgerInitialized, body.Union());
  schema::FinishEventBuffer(fbb, event);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

std::string RandomAccountId(crypto::RandomSource& rng) {
  std::string id;
  for (int i = 0; i < 12; ++i) id.push_back(static_cast<char>('0' + rng.Uniform(10)));
  return id;
}

}  // namespace

std::string LedgerDir(const std::string& data_dir) { return (fs::path(data_dir) / "ledger").string(); }
std::string KeyFilePath(const std::string& data_dir) {
  return (fs::path(data_dir) / "master.key").string();
}

Status Engine::Init(const InitOptions& options) {
  RETURN_IF_ERROR(ValidateInit(options));
  Status s = InitLedger(options);
  if (!s.ok()) {  // leave nothing half-made behind: a later init must be able to start over
    std::error_code ec;
    fs::remove_all(LedgerDir(options.data_dir), ec);
    fs::remove(KeyFilePath(options.data_dir), ec);
  }
  return s;
}

Status Engine::InitLedger(const InitOptions& options) {
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return InternalError("cannot create " + options.data_dir + ": " + ec.message());
  ::chmod(options.data_dir.c_str(), 0700);

  crypto::RandomSource& rng = crypto::SystemRandom();
  crypto::SecureBuffer master = crypto::NewMasterKey(rng);
  const std::string key_id = crypto::MasterKeyId(master);
  ASSIGN_OR_RETURN(crypto::Keyring keyring, crypto::Keyring::Create(master.Clone(), rng));
  ASSIGN_OR_RETURN(auto store, ledger::OpenRocksStore(LedgerDir(options.data_dir), ledger::OpenMode::kCreate));
  RETURN_IF_ERROR(crypto::WriteMasterKeyFile(KeyFilePath(options.data_dir), master, options.passphrase, rng));

  const std::string ledger_id = crypto::NewUuidV4(rng);
  const std::string account = options.account_id.empty() ? RandomAccountId(rng) : options.account_id;
  ledger::WriteSet meta;
  std::vector<uint8_t> serialized = keyring.Serialize();
  meta.Put(ledger::Family::kMeta, kMetaKeyring, std::string(serialized.begin(), serialized.end()));
  meta.Put(ledger::Family::kMeta, kMetaMasterKeyId, key_id);
  meta.Put(ledger::Family::kMeta, kMetaLedgerId, ledger_id);
  RETURN_IF_ERROR(store->Write(meta, /*sync=*/true));

  ASSIGN_OR_RETURN(auto ledger, ledger::Ledger::Open(std::move(store)));
  ledger::RecordInput genesis;
  genesis.time_unix_ms = SystemClock().NowMs();
  genesis.actor = options.actor;
  genesis.event_type = "LedgerInitialized";
  genesis.payload = GenesisEvent(ledger_id, options, account, key_id);
  const std::string payload = genesis.payload;
  auto side = [&](const std::vector<ledger::Appended>& staged, ledger::WriteSet& out) -> Status {
    projections::Views views;
    projections::Views::Touched touched;
    ASSIGN_OR_RETURN(const schema::Event* event, internal::ReadEvent(payload));
    RETURN_IF_ERROR(views.Apply(staged[0].seq, genesis.time_unix_ms, *event, &touched));
    views.WriteTouched(touched, out);
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(auto appended, ledger->Append({std::move(genesis)}, side));
  (void)appended;
  ASSIGN_OR_RETURN(Checkpointer checkpointer, Checkpointer::LoadOrCreate(*ledger, keyring, ledger_id, rng));
  ASSIGN_OR_RETURN(std::string note, checkpointer.SignHead(*ledger));
  (void)note;
  return Status::Ok();
}

Result<std::unique_ptr<Engine>> Engine::Open(const OpenOptions& options) {
  std::error_code ec;
  if (!fs::exists(LedgerDir(options.data_dir), ec)) {
    return NotFoundError(options.data_dir + " is not a Cairn data directory (no ledger/ inside); run 'cairn init --data-dir " +
                         options.data_dir + "' first");
  }
  // A replica's ledger is written far more than it is read (ledger::StoreOptions).
  ASSIGN_OR_RETURN(auto store, ledger::OpenRocksStore(LedgerDir(options.data_dir), ledger::OpenMode::kReadWrite,
                                                      {.direct_table_writes = options.replica}));
  ASSIGN_OR_RETURN(crypto::SecureBuffer master,
                   crypto::ReadMasterKeyFile(KeyFilePath(options.data_dir), options.passphrase));
  ASSIGN_OR_RETURN(auto key_id, store->Get(ledger::Family::kMeta, kMetaMasterKeyId));
  if (!key_id) return DataLossError("ledger meta has no master key id: the ledger is incomplete or corrupt");
  if (*key_id != crypto::MasterKeyId(master)) {
    return PermissionDeniedError("the key file " + KeyFilePath(options.data_dir) +
                                 " holds a different master key than this ledger was created with");
  }
  ASSIGN_OR_RETURN(auto keyring_bytes, store->Get(ledger::Family::kMeta, kMetaKeyring));
  if (!keyring_bytes) return DataLossError("ledger meta has no keyring");
  auto engine = std::unique_ptr<Engine>(new Engine());
  engine->token_key_ = DeriveTokenKey(master);
  ASSIGN_OR_RETURN(crypto::Keyring keyring,
                   crypto::Keyring::Load(std::move(master), crypto::AsBytes(*keyring_bytes)));
  engine->keyring_ = std::make_unique<crypto::Keyring>(std::move(keyring));
  ASSIGN_OR_RETURN(engine->views_, projections::Views::Load(*store));
  engine->ledger_info_ = engine->views_.secrets.info();
  ASSIGN_OR_RETURN(engine->base_, ledger::ReadBase(*store));
  auto index = std::make_shared<KeyIndex>();
  for (const auto& [name, principal] : engine->views_.principals.principals()) {
    if (principal.enabled) index->emplace(principal.public_key_z85, name);
  }
  engine->key_index_ = std::move(index);
  ASSIGN_OR_RETURN(auto ledger_id, store->Get(ledger::Family::kMeta, kMetaLedgerId));
  if (!ledger_id) return DataLossError("ledger meta has no ledger id");
  ASSIGN_OR_RETURN(auto replica_of, store->Get(ledger::Family::kMeta, internal::kMetaReplicaOf));
  engine->is_replica_ = replica_of.has_value();
  if (engine->is_replica_ && !options.replica && !options.any_role) {
    return FailedPreconditionError(options.data_dir + " is a DR replica of ledger " + *replica_of +
                                   ": it serves nothing until 'cairn-replica promote --data-dir " + options.data_dir +
                                   "' (calls here would fork it from its primary)");
  }
  if (!engine->is_replica_ && options.replica && !options.any_role) {
    return FailedPreconditionError(options.data_dir + " is not a DR replica (or was promoted): it follows no primary");
  }
  ASSIGN_OR_RETURN(engine->ledger_, ledger::Ledger::Open(std::move(store)));
  const ledger::Head head = engine->ledger_->durable_head();
  if (engine->views_.secrets.applied_seq() != head.next_seq) {
    return DataLossError("projection state is at seq " + std::to_string(engine->views_.secrets.applied_seq()) +
                         " but the log has " + std::to_string(head.next_seq) +
                         " records; run 'cairn-audit verify' and report the ledger");
  }
  engine->clock_ = options.clock ? options.clock : &SystemClock();
  engine->rng_ = options.rng ? options.rng : &crypto::SystemRandom();
  ASSIGN_OR_RETURN(Checkpointer checkpointer,
                   Checkpointer::LoadOrCreate(*engine->ledger_, *engine->keyring_, *ledger_id, *engine->rng_));
  engine->checkpointer_.emplace(std::move(checkpointer));
  RETURN_IF_ERROR(engine->InstallAccessKeyIndex(engine->GrantableAccessKeysLocked(), 0, /*strict=*/true)
                      .WithContext("opening the access keys"));
  return engine;
}

Engine::~Engine() {
  // The views go before the store (snapshots_ is declared after ledger_);
  // released here, a shred they held back leaves the files now.
  if (ledger_ != nullptr) (void)ReleaseSnapshots(nullptr);
}

Result<std::shared_ptr<ledger::CommitTicket>> Engine::StageDecision(Decision& decision,
                                                                    const ledger::Actor& actor,
                                                                    int64_t now) {
  ledger::RecordInput input;
  input.time_unix_ms = now;
  input.actor = actor;
  input.event_type = decision.event_type;
  input.payload = decision.payload;
  ASSIGN_OR_RETURN(const schema::Event* event, internal::ReadEvent(decision.payload));
  auto side = [&](const std::vector<ledger::Appended>& staged, ledger::WriteSet& out) -> Status {
    projections::Views::Touched touched;
    Status s = views_.Apply(staged[0].seq, now, *event, &touched);
    if (!s.ok()) return s.WithContext("applying seq " + std::to_string(staged[0].seq));
    views_.WriteTouched(touched, out);
    out.Append(std::move(decision.key_writes));
    return Status::Ok();
  };
  auto ticket = ledger_->Stage({std::move(input)}, side);
  if (!ticket.ok()) poisoned_ = ticket.status();
  return ticket;
}

Status Engine::StageServiceDecisionLocked(Decision& decision, int64_t now, ServiceBatch& batch) {
  for (const ledger::WriteOp& op : decision.key_writes.ops()) batch.shreds |= op.is_delete;
  ledger::Actor actor{"system:cairn", "Service", "cairn", crypto::NewUuidV4(*rng_), "cairn"};
  ASSIGN_OR_RETURN(auto ticket, StageDecision(decision, actor, now));
  batch.tickets.push_back(std::move(ticket));
  return Status::Ok();
}

Status Engine::FinishServiceBatch(ServiceBatch& batch) {
  // Outside the lock, as an API call's Finish: calls and reads go on meanwhile.
  for (const auto& ticket : batch.tickets) RETURN_IF_ERROR(AwaitStaged(ticket).status());
  return CompactShreddedKeys(batch.shreds);
}

Status Engine::CompactShreddedKeys(bool shreds) {
  // Crypto-shredding: the deleted wrapped DEKs leave memory (the value cache)
  // and the files (WAL and SSTs) for good.
  if (!shreds) return Status::Ok();
  value_cache_.Clear();
  {
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    if (!snapshots_.empty()) shredded_under_snapshot_ = true;  // compacted again once they go
  }
  return ledger_->store().CompactFamily(ledger::Family::kKeys);
}

Status Engine::RunMaintenance() {
  ServiceBatch batch;
  Status staged = [&]() -> Status {
    std::lock_guard<std::mutex> lock(mu_);
    if (!poisoned_.ok()) return poisoned_;
    const int64_t now = clock_->NowMs();
    DecideEnv env{now, rng_, keyring_.get(), token_key_.view(), &views_.principals,
                  ledger_->durable_head().next_seq};
    for (Decision& d : DecideMaintenance(views_.secrets, env)) {
      RETURN_IF_ERROR(StageServiceDecisionLocked(d, now, batch));
    }
    return Status::Ok();
  }();
  Status finished = FinishServiceBatch(batch);  // what was staged, even after a failure
  Status released = ReleaseIdleSnapshots();
  if (!staged.ok()) return staged;
  return finished.ok() ? released : finished;
}

Result<size_t> Engine::RunRotations(const RotationPolicy& policy) {
  // A bound on one pass, so a decision that changes nothing cannot spin.
  constexpr size_t kMaxRotationEventsPerCall = 1000;
  size_t appended = 0;
  ServiceBatch batch;  // a placeholder may prune old versions: their keys are deleted
  auto run_locked = [&]() -> Status {
    RotationPolicy p = policy;
    while (appended < kMaxRotationEventsPerCall) {
      const int64_t now = clock_->NowMs();
      DecideEnv env{now, rng_, keyring_.get(), token_key_.view(), &views_.principals,
                    ledger_->durable_head().next_seq};
      std::vector<Decision> decisions = DecideRotations(views_.secrets, env, p);
      if (decisions.empty()) break;
      for (Decision& d : decisions) {
        if (appended == kMaxRotationEventsPerCall) break;
        RETURN_IF_ERROR(StageServiceDecisionLocked(d, now, batch));
        ++appended;
      }
      // The runs just started get their first step at once; further scheduled
      // starts wait for the next pass (max_starts_per_call per pass).
      p.max_starts_per_call = 0;
    }
    return Status::Ok();
  };
  Status staged = [&]() -> Status {
    std::lock_guard<std::mutex> lock(mu_);
    if (!poisoned_.ok()) return poisoned_;
    return run_locked();
  }();
  Status finished = FinishServiceBatch(batch);
  RETURN_IF_ERROR(staged);
  RETURN_IF_ERROR(finished);
  return appended;
}

Result<std::string> Engine::SignCheckpoint() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!poisoned_.ok()) return poisoned_;
  }
  // Outside the sequencer lock: signing reads only the durable head, which
  // never changes once written, and stores the note with a sync write of its
  // own that calls need not wait for. Two signings of one head at once write
  // the same note (Ed25519 is deterministic) under the same key.
  Result<std::string> note = checkpointer_->SignHead(*ledger_);
  if (note.ok() && checkpoint_listener_) checkpoint_listener_(*note);
  return note;
}

Response Engine::Execute(const Request& request, const ledger::Actor& actor) {
  return Finish(Submit(request, actor));
}

Engine::Pending Engine::Submit(const Request& request, const ledger::Actor& actor) {
  Pending pending;
  Decision& decision = pending.decision;
  std::lock_guard<std::mutex> lock(mu_);
  if (!poisoned_.ok()) {
    pending.answered.emplace();
    pending.answered->error =
        ApiError{kInternalServiceError, "the ledger is unavailable after a failed write; restart Cairn"};
    return pending;
  }
  const int64_t now = clock_->NowMs();
  DecideEnv env{now, rng_, keyring_.get(), token_key_.view(), &views_.principals, ledger_->durable_head().next_seq,
                &actor, &views_.policies, base_.seq, base_.prev_leaf};
  decision = Decide(request, views_.secrets, env);  // authorizes first (service/access.h)
  for (const ledger::WriteOp& op : decision.key_writes.ops()) pending.shreds |= op.is_delete;
  auto staged = StageDecision(decision, actor, now);
  if (!staged.ok()) {
    pending.answered.emplace();
    pending.answered->error =
        ApiError{kInternalServiceError, "could not record the call: " + staged.status().message()};
    return pending;
  }
  pending.ticket = std::move(staged).value();
  return pending;
}

Response Engine::Finish(Pending pending) {
  if (pending.answered) return std::move(*pending.answered);
  Response response;
  Decision& decision = pending.decision;
  const bool shreds = pending.shreds;
  const std::shared_ptr<ledger::CommitTicket>& ticket = pending.ticket;
  auto done = AwaitStaged(ticket);
  if (!done.ok()) {
    response.error = ApiError{kInternalServiceError, "could not record the call durably; nothing was returned"};
    return response;
  }
  PublishPrincipal(decision);
  PublishAccessKeys(decision);
  if (Status compacted = CompactShreddedKeys(shreds); !compacted.ok()) {
    response.error = ApiError{kInternalServiceError, "compacting destroyed keys failed: " + compacted.message()};
    return response;
  }
  response.seq = done->front().seq;
  response.leaf_hash = done->front().leaf_hash;
  response.error = decision.error;
  response.body = std::move(decision.body);
  if (decision.generated_password) {
    response.values.push_back({0, SecretValue{projections::ValueKind::kString,
                                              std::move(*decision.generated_password)}});
  }
  Status opened = OpenValues(decision, response);
  if (!opened.ok()) {
    response.values.clear();
    response.body = Json::object();
    response.error = ApiError{kDecryptionFailure, opened.message()};
  }
  if (decision.records_to_read) {
    // Outside the lock: the range was durable when decided, and durable records never change.
    Status read = ReadRecords(*decision.records_to_read, response);
    if (!read.ok()) {
      response.records.clear();
      response.body = Json::object();
      response.error = ApiError{kInternalServiceError, "reading the log failed: " + read.message()};
    }
  }
  if (decision.with_data_keys && response.ok()) {
    Status keyed = AddDataKeys(response);
    if (!keyed.ok()) {
      response.records.clear();
      response.body = Json::object();
      response.error = ApiError{kInternalServiceError, "reading the data keys failed: " + keyed.message()};
    }
  }
  if (decision.replica_seed) {
    Result<ReplicaSeed> seed = Seed();
    if (seed.ok()) {
      response.body = {{"LedgerId", seed->ledger_id},
                       {"MasterKeyId", seed->master_key_id},
                       {"Keyring", crypto::Base64Encode(crypto::AsBytes(seed->keyring))}};
    } else {
      response.error = ApiError{kInternalServiceError, "reading the replica seed failed: " + seed.status().message()};
    }
  }
  if (decision.replica_report && response.ok()) AnswerReplicaReport(std::move(*decision.replica_report), response);
  if (decision.replica_status_read && response.ok()) AnswerReplicaStatus(response);
  if (decision.snapshot_read && response.ok()) AnswerSnapshotRead(*decision.snapshot_read, response);
  if (decision.audit_read) {
    // Outside the lock too: durable tree nodes and stored checkpoints never
    // change; SignCheckpoint takes the lock itself.
    Status answered = AnswerAuditRead(*decision.audit_read, ledger_->store(), checkpointer_->verifier(),
                                      [this] { return SignCheckpoint(); }, response.body);
    if (!answered.ok()) {
      response.body = Json::object();
      response.error = ApiError{kInternalServiceError, "reading the tree failed: " + answered.message()};
    }
  }
  return response;
}

Result<std::vector<ledger::Appended>> Engine::AwaitStaged(
    const std::shared_ptr<ledger::CommitTicket>& ticket) {
  auto done = ledger_->Await(ticket);
  if (!done.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    poisoned_ = done.status();
  }
  return done;
}

Status Engine::ReadRecords(const RecordRange& range, Response& response) const {
  if (range.end <= range.from) return Status::Ok();
  Status failure;
  uint64_t want = range.from;
  Status s = ledger::ForEachRecord(ledger_->store(), range.from,
                                   [&](std::string_view key, std::string_view bytes) {
    auto seq = ledger::ParseSeqKey(key);
    if (!seq.ok() || *seq != want) {
      failure = DataLossError("the log has no record at seq " + std::to_string(want));
      return false;
    }
    response.records.emplace_back(want, std::string(bytes));
    return ++want < range.end;
  });
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(failure);
  if (want != range.end) return DataLossError("the log ends before seq " + std::to_string(range.end));
  return Status::Ok();
}

void Engine::PublishPrincipal(const Decision& decision) {
  static constexpr std::string_view kChanges[] = {"PrincipalCreated", "PrincipalUpdated",
                                                  "PrincipalKeyRotated", "PrincipalDeleted"};
  if (decision.error.has_value() ||
      std::find(std::begin(kChanges), std::end(kChanges), decision.event_type) == std::end(kChanges)) {
    return;
  }
  // Rebuilt from the sequencer's view, which may hold later staged changes
  // too: a key is accepted (or refused) at most a group commit early.
  auto next = std::make_shared<KeyIndex>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, principal] : views_.principals.principals()) {
      if (principal.enabled) next->emplace(principal.public_key_z85, name);
    }
  }
  std::lock_guard<std::mutex> lock(key_index_mu_);
  key_index_ = std::move(next);
}

void Engine::PublishAccessKeys(const Decision& decision) {
  static constexpr std::string_view kChanges[] = {"AccessKeyCreated", "AccessKeyUpdated", "AccessKeyDeleted",
                                                  "PrincipalUpdated", "PrincipalDeleted"};
  if (decision.error.has_value() ||
      std::find(std::begin(kChanges), std::end(kChanges), decision.event_type) == std::end(kChanges)) {
    return;
  }
  std::vector<projections::AccessKey> keys;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = GrantableAccessKeysLocked();
    generation = ++access_key_snapshots_;
  }
  // Not strict: a key that does not open is left out (it authenticates
  // nobody); the event is durable and the call answered either way.
  (void)InstallAccessKeyIndex(keys, generation, /*strict=*/false);
}

std::vector<projections::AccessKey> Engine::GrantableAccessKeysLocked() const {
  std::vector<projections::AccessKey> keys;
  for (const auto& [id, key] : views_.principals.access_keys()) {
    const projections::Principal* owner = views_.principals.FindByName(key.principal);
    if (key.status == projections::kAccessKeyActive && owner != nullptr && owner->enabled) keys.push_back(key);
  }
  return keys;
}

Status Engine::InstallAccessKeyIndex(const std::vector<projections::AccessKey>& keys, uint64_t generation,
                                     bool strict) {
  std::shared_ptr<const AccessKeyIndex> previous;
  {
    std::lock_guard<std::mutex> lock(access_key_index_mu_);
    previous = access_key_index_;
  }
  auto next = std::make_shared<AccessKeyIndex>();
  for (const projections::AccessKey& key : keys) {
    auto known = previous->find(key.id);
    if (known != previous->end() && known->second.ciphertext == key.ciphertext) {
      next->emplace(key.id, AccessKeyEntry{key.principal, key.ciphertext, known->second.secret});
      continue;
    }
    Result<crypto::SecureBuffer> secret = OpenAccessKeySecret(key);
    if (!secret.ok()) {
      if (strict) return secret.status();
      continue;
    }
    auto shared = std::make_shared<const crypto::SecureBuffer>(std::move(secret).value());
    next->emplace(key.id, AccessKeyEntry{key.principal, key.ciphertext, std::move(shared)});
  }
  std::lock_guard<std::mutex> lock(access_key_index_mu_);
  if (generation < access_key_index_generation_) return Status::Ok();  // a newer one is in
  access_key_index_generation_ = generation;
  access_key_index_ = std::move(next);
  return Status::Ok();
}

Result<crypto::SecureBuffer> Engine::OpenAccessKeySecret(const projections::AccessKey& key) const {
  const std::string name = AccessKeyEntryKey(key.id);
  ASSIGN_OR_RETURN(auto entry, ledger_->store().Get(ledger::Family::kKeys, name));
  const std::optional<WrappedKey> wrapped = entry ? ParseWrappedKeyEntry(*entry) : std::nullopt;
  if (!wrapped) {
    return DataLossError("the data key of access key " + key.id + " is missing (destroyed or not yet written)");
  }
  // The entry names the KEK that wraps the DEK now (a rewrap may have moved it).
  auto plain = keyring_->OpenValue(crypto::AsBytes(key.ciphertext), wrapped->wrapped_dek, wrapped->kek_version, name);
  if (!plain.ok()) return DataLossError("access key " + key.id + " does not open: " + plain.status().message());
  return std::move(plain).value();
}

std::optional<Engine::AccessKeyGrant> Engine::AccessKeyFor(std::string_view access_key_id) const {
  std::shared_ptr<const AccessKeyIndex> index;
  {
    std::lock_guard<std::mutex> lock(access_key_index_mu_);
    index = access_key_index_;
  }
  auto it = index->find(access_key_id);
  if (it == index->end()) return std::nullopt;
  return AccessKeyGrant{it->second.principal, it->second.secret};
}

bool Engine::PrincipalMay(std::string_view principal, std::string_view action) {
  ledger::Actor actor{std::string(principal), kActorPrincipal, "", "", ""};
  iam::RequestContext context;
  context.action = action;
  context.resource = "*";
  context.current_time_ms = clock_->NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  return DecideAccess(actor, context, "", views_.principals, views_.policies).allowed();
}

std::optional<std::string> Engine::PrincipalForKey(std::string_view public_key_z85) const {
  std::shared_ptr<const KeyIndex> index;
  {
    std::lock_guard<std::mutex> lock(key_index_mu_);
    index = key_index_;
  }
  auto it = index->find(public_key_z85);
  if (it == index->end()) return std::nullopt;
  return it->second;
}

bool Engine::HasPrincipals() const {
  std::lock_guard<std::mutex> lock(key_index_mu_);
  return !key_index_->empty();
}

Status Engine::AppendServiceEvent(Decision& decision, std::unique_lock<std::mutex>& lock,
                                  int64_t now) {
  ledger::Actor actor{"system:cairnd", "Service", "cairnd", crypto::NewUuidV4(*rng_), "cairnd"};
  ASSIGN_OR_RETURN(auto ticket, StageDecision(decision, actor, now));
  lock.unlock();
  ASSIGN_OR_RETURN(auto done, AwaitStaged(ticket));
  (void)done;
  PublishPrincipal(decision);
  PublishAccessKeys(decision);
  return Status::Ok();
}

Status Engine::EnrolFirstAdmin(const std::string& name, const std::string& public_key_z85) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!poisoned_.ok()) return poisoned_;
  if (!views_.principals.principals().empty()) {
    return FailedPreconditionError(
        "a principal is enrolled already; an administrator enrols more with CreatePrincipal");
  }
  const int64_t now = clock_->NowMs();
  ASSIGN_OR_RETURN(Decision decision,
                   DecideEnrolFirstAdmin(name, public_key_z85, views_.secrets, views_.principals, now));
  return AppendServiceEvent(decision, lock, now);
}

Status Engine::RecordUnauthenticatedAttempts(uint64_t attempts, uint64_t distinct_keys,
                                             int64_t since_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!poisoned_.ok()) return poisoned_;
  const int64_t now = clock_->NowMs();
  Decision decision = DecideUnauthenticatedAttempts(attempts, distinct_keys, since_ms, now);
  return AppendServiceEvent(decision, lock, now);
}

Result<crypto::SecureBuffer> Engine::SealedSecret(const std::string& name, size_t size) {
  if (name.empty()) return InvalidArgumentError("a sealed secret needs a name");
  if (size == 0) return InvalidArgumentError("a sealed secret needs at least one byte");
  std::lock_guard<std::mutex> lock(mu_);  // one creator; rng_ is the sequencer's
  const std::string key = internal::SealedMetaKey(name);
  ASSIGN_OR_RETURN(std::optional<std::string> entry, ledger_->store().Get(ledger::Family::kMeta, key));
  if (entry.has_value()) {
    ASSIGN_OR_RETURN(crypto::SecureBuffer secret, internal::OpenMetaSecret(name, *entry, *keyring_));
    if (secret.size() != size) {
      return FailedPreconditionError("sealed secret " + name + " holds " +
                                     std::to_string(secret.size()) + " bytes, not " +
                                     std::to_string(size));
    }
    return secret;
  }
  crypto::SecureBuffer secret(size);
  rng_->Fill(secret.data(), secret.size());
  ASSIGN_OR_RETURN(std::string sealed, internal::SealMetaSecret(name, secret.view(), *keyring_, *rng_));
  ledger::WriteSet writes;
  writes.Put(ledger::Family::kMeta, key, std::move(sealed));
  RETURN_IF_ERROR(ledger_->WriteUnchained(writes).WithContext("storing sealed secret " + name));
  return secret;
}

Status Engine::OpenValues(const Decision& decision, Response& response) {
  for (const ValueToOpen& v : decision.to_open) {
    ASSIGN_OR_RETURN(SecretValue value, OpenValue(v.arn, v.version_id, v.value_seq));
    response.values.push_back({v.index, std::move(value)});
  }
  return Status::Ok();
}

Result<SecretValue> Engine::OpenValue(const std::string& arn, const std::string& version_id,
                                               uint64_t value_seq) {
  const std::string context = ValueContext(arn, version_id);
  const std::string key_name = KeyEntryKey(arn, version_id);
  const auto open = [&](const internal::SealedValue& sealed) {
    return keyring_->OpenValue(crypto::AsBytes(sealed.ciphertext), sealed.wrapped_dek.view(), sealed.kek_version,
                               context);
  };
  if (std::shared_ptr<const internal::SealedValue> cached = value_cache_.Find(value_seq, key_name)) {
    auto plain = open(*cached);
    if (plain.ok()) return SecretValue{cached->kind, std::move(plain).value()};
    // Not expected (an entry never changes), but the store, not the cache,
    // has the last word on whether a value opens.
    value_cache_.Erase(value_seq, key_name);
  }
  // Taken before the Gets: a shred that clears the cache after them keeps
  // this entry out (ValueCache::Put).
  const uint64_t generation = value_cache_.generation();
  ASSIGN_OR_RETURN(std::shared_ptr<const internal::SealedValue> sealed,
                   ReadSealedValue(key_name, version_id, value_seq));
  auto plain = open(*sealed);
  if (!plain.ok()) {
    return DataLossError("Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
  }
  value_cache_.Put(value_seq, key_name, sealed, generation);
  return SecretValue{sealed->kind, std::move(plain).value()};
}

Result<std::shared_ptr<const internal::SealedValue>> Engine::ReadSealedValue(const std::string& key_name,
                                                                             const std::string& version_id,
                                                                             uint64_t value_seq) const {
  ASSIGN_OR_RETURN(auto key_entry, ledger_->store().Get(ledger::Family::kKeys, key_name));
  const std::optional<WrappedKey> wrapped = key_entry ? ParseWrappedKeyEntry(*key_entry) : std::nullopt;
  if (!wrapped) {
    return DataLossError("the data key of version " + version_id + " is missing (destroyed or never written)");
  }
  ASSIGN_OR_RETURN(internal::StoredVersion stored,
                   internal::ReadStoredVersion(ledger_->store(), value_seq, version_id));
  auto sealed = std::make_shared<internal::SealedValue>();
  sealed->kind = stored.kind;
  sealed->ciphertext = std::move(stored.ciphertext);
  sealed->kek_version = wrapped->kek_version;
  sealed->wrapped_dek = crypto::SecureBuffer(wrapped->wrapped_dek);
  return std::shared_ptr<const internal::SealedValue>(std::move(sealed));
}

}  // namespace cairn::service
