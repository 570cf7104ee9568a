// Engine: the sequencer. It owns the ledger, the live SecretsView and the
// unsealed keyring, and turns each Request into exactly one durable event.
//
// A call runs: decide (under the sequencer lock) -> stage the record with the
// projection state and wrapped keys it produced (same batch) -> release the lock
// -> await durability (group commit with other callers) -> only then decrypt
// and return values. No record, no secret: a read whose event is not durable
// returns an error and no value. The sealed parts a read decrypts (the
// version's ciphertext and wrapped DEK) come from a small cache of versions
// read recently, else from the store; the cache holds no plaintext and is
// emptied whenever data keys are destroyed (service/internal/value_cache.h).
//
// Data directory layout: <dir>/master.key (the sealed master key, mode 0600),
// <dir>/ledger/ (RocksDB; see ledger/FORMAT.md). Thread-safe: Execute may be
// called from many threads. The engine keeps the projections (projections::Views:
// secrets, principals, policies); every record is applied to each and their
// entries ride in the record's batch.
#ifndef CAIRN_SERVICE_ENGINE_H_
#define CAIRN_SERVICE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keyring.h"
#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "ledger/ledger.h"
#include "projections/principals.h"
#include "projections/secrets.h"
#include "projections/views.h"
#include "service/api.h"
#include "service/checkpointer.h"
#include "service/clock.h"
#include "service/decide.h"
#include "service/internal/value_cache.h"
#include "service/replica.h"
#include "service/rotation.h"

namespace cairn::service {

struct InitOptions {
  std::string data_dir;
  std::string region = "us-east-1";
  std::string account_id;                       // empty: 12 random digits
  const crypto::SecureBuffer* passphrase = nullptr;  // seal the key file under it
  ledger::Actor actor;                          // who ran init (genesis record)
};

struct OpenOptions {
  std::string data_dir;
  const crypto::SecureBuffer* passphrase = nullptr;
  Clock* clock = nullptr;                       // default: SystemClock()
  crypto::RandomSource* rng = nullptr;          // default: SystemRandom()
  // Open a DR replica's data directory (cairn-replica follow). Without it, a
  // replica's directory is refused: serving calls there would fork it.
  bool replica = false;
  // Open the directory whichever it is, primary or replica (cairn-replica
  // rejoin, which serves nothing from it either way).
  bool any_role = false;
};

// What cairn-replica promote records (schema ReplicaPromoted).
struct Promotion {
  uint64_t verified_checkpoint_size = 0;
  std::string verified_checkpoint_root_hex;
  uint64_t primary_head_seen = 0;
};

std::string LedgerDir(const std::string& data_dir);     // <dir>/ledger
std::string KeyFilePath(const std::string& data_dir);   // <dir>/master.key

class Engine {
 public:
  // Creates a new ledger in `data_dir` (absent or empty). AlreadyExists if a
  // ledger is there; InvalidArgument for a bad region or account id.
  static Status Init(const InitOptions& options);
  // Opens and unseals. Unavailable if another process holds the ledger;
  // NotFound if `data_dir` holds no ledger; the key file's errors
  // (crypto/master_key.h); PermissionDenied if the key is not this ledger's;
  // DataLoss if an Active access key's sealed secret does not open.
  static Result<std::unique_ptr<Engine>> Open(const OpenOptions& options);
  ~Engine();

  // DR replication (service/replica.h). The seed a replica of this
  // ledger bootstraps from.
  Result<ReplicaSeed> Seed() const;
  // Creates a replica's data directory from `seed`. `data_dir` must hold the
  // primary's master key file (master.key, copied by the operator, opened
  // with `passphrase`) and no ledger yet: AlreadyExists if one is there,
  // NotFound without the key file, PermissionDenied if it is not the seed's
  // key, InvalidArgument for a seed whose keyring does not open under it.
  // The replica's ledger starts empty; Open it, then ApplyReplicated.
  static Status InitReplica(const std::string& data_dir, const ReplicaSeed& seed,
                            const crypto::SecureBuffer* passphrase);
  // A signed checkpoint of the primary that the replica's records end at
  // exactly, kept in the batch that writes them as the replica's last
  // verified primary checkpoint (meta primary_checkpoint and its key), for
  // `cairn-audit verify` on the replica's files. It must verify by its key
  // and have the size the records end at: InvalidArgument otherwise, and
  // nothing is written.
  struct PrimaryCheckpoint {
    std::string note;          // as the primary signed it
    std::string verifier_key;  // the pinned key it verifies by (ledger::FormatVerifierKey)
  };
  // InitReplica for a replica that starts from a snapshot the caller has
  // verified (service/snapshot.h): the same checks, then one synced batch
  // (ledger::ImportBase) with the meta entries, the compact range of the
  // first base.seq leaves and the snapshot's `state` and `keys` entries
  // (`entries`: those families only, InvalidArgument otherwise), and
  // `checkpoint` (the snapshot's note, of size base.seq) if given. The
  // replica's ledger then starts at base.seq; Open it, then ApplyReplicated
  // the records from there.
  static Status InitReplicaFromSnapshot(const std::string& data_dir, const ReplicaSeed& seed,
                                        const crypto::SecureBuffer* passphrase, const ledger::Base& base,
                                        const ledger::CompactRange& frontier, ledger::WriteSet entries,
                                        const PrimaryCheckpoint* checkpoint = nullptr);
  // Appends a page of the primary's records byte for byte and applies them to
  // the projections, with the `keys` entries they put (`keys`: exactly the
  // puts KeyEffectsOf names for the page, each once) and the deletes they
  // imply, all in one durable batch. The caller has verified the page against
  // a signed checkpoint. InvalidArgument if `keys` does not match the page;
  // DataLoss if a record does not decode, is out of order or does not link
  // (ledger::Ledger::StageVerbatim), or if the projections refuse an event
  // (the engine is then poisoned). Nothing of a refused page is applied.
  // The access-key and principal indexes are not refreshed: a replica serves
  // no calls until it is promoted, which opens it again.
  Status ApplyReplicated(std::vector<std::string> records, const std::vector<ReplicatedKey>& keys);
  // ApplyReplicated in two halves, so a replica verifies the next page while
  // this one is written: StageReplicated makes every check above and stages
  // the page (the projections move on at once); AwaitReplicated blocks until
  // it is durable (a failed write poisons the engine, as in ApplyReplicated).
  // Pages staged before an earlier one is awaited link to it and commit after
  // it. Once a page that deletes wrapped keys is durable, AwaitReplicated
  // compacts the `keys` family (crypto-shredding, as ApplyReplicated does).
  // Errors as ApplyReplicated.
  struct StagedPage {
    std::shared_ptr<ledger::CommitTicket> ticket;
    bool shreds = false;  // the page deletes wrapped keys
  };
  // With `checkpoint`, the page ends exactly at that signed checkpoint of the
  // primary (size = the page's last seq + 1), kept as PrimaryCheckpoint says.
  Result<StagedPage> StageReplicated(std::vector<std::string> records, const std::vector<ReplicatedKey>& keys,
                                     const PrimaryCheckpoint* checkpoint = nullptr);
  // StageReplicated of records the caller decoded already
  // (ReplicatedRecord::Decode, with the leaf hashes its follower computed):
  // nothing is decoded or hashed again but the ledger's link check and the
  // last record's hash (ledger::Ledger::StageVerbatim with leaf hashes).
  // The same checks and errors otherwise. With ledger::Durability::kDeferred
  // (a replica well behind its primary), AwaitReplicated returns once the
  // page is written, and it is durable after PersistReplicated or the next
  // kSync page; a crash before then loses it and the pages after it, whole.
  Result<StagedPage> StageReplicated(std::vector<ReplicatedRecord> records, const std::vector<ReplicatedKey>& keys,
                                     const PrimaryCheckpoint* checkpoint = nullptr,
                                     ledger::Durability durability = ledger::Durability::kSync);
  Status AwaitReplicated(const StagedPage& page);
  // Puts every page awaited so far on stable storage (ledger::Ledger::Persist).
  Status PersistReplicated();
  // Whether this is a DR replica's data directory (not promoted).
  bool is_replica() const { return is_replica_; }
  // Makes a replica a primary: a ReplicaPromoted record (a service event),
  // the replica mark deleted in its batch. FailedPrecondition if this is not
  // a replica or it holds no records yet. The engine must then be reopened
  // without OpenOptions::replica to serve.
  Status Promote(const Promotion& promotion);
  // Makes this ledger a DR replica of the primary `seed` came from (an old
  // primary, or a replica of one, rejoining after a failover). The caller has
  // verified that every record here is in the primary's signed tree: this
  // only checks the seed is of the same ledger (id, master key, keyring) and
  // marks the directory a replica. FailedPrecondition for another ledger's
  // seed. Reopen with OpenOptions::replica to follow.
  Status Rejoin(const ReplicaSeed& seed);

  // Runs one API call for `actor`. Besides the Secrets Manager operations,
  // Cairn's own (service/principals.h, service/access.h): principals,
  // policies, ReadRecords and the audit reads (GetCheckpoint may sign a
  // checkpoint first, after its own event is durable). Every call is
  // authorized first by IAM's rules (service/access.h); a refusal is an
  // AccessDenied event and AccessDeniedException.
  Response Execute(const Request& request, const ledger::Actor& actor);

  // Execute in two halves, for transports that keep many calls in flight
  // without a thread each. Submit decides and stages the call under the
  // sequencer lock and never waits for the disk; Finish waits until the
  // call's event is durable (group commit), then opens values and answers.
  // Submits are sequenced in the order they are made; Finish may run on any
  // thread, in any order. Execute(r, a) == Finish(Submit(r, a)).
  struct Pending {
    std::optional<Response> answered;  // refused before staging (ledger unavailable)
    Decision decision;
    bool shreds = false;               // the call destroys data keys (pruned versions)
    std::shared_ptr<ledger::CommitTicket> ticket;
  };
  Pending Submit(const Request& request, const ledger::Actor& actor);
  Response Finish(Pending pending);

  // The enabled principal holding this CURVE public key (Z85), for the ZAP
  // handler. Thread-safe and cheap: reads a snapshot index, never the lock
  // of the sequencer.
  std::optional<std::string> PrincipalForKey(std::string_view public_key_z85) const;
  bool HasPrincipals() const;
  // SigV4 (gateway/): the enabled principal owning the Active access key
  // `access_key_id`, with the key's secret (opened from its sealed form once
  // and kept in locked memory). nullopt if the key is unknown, Inactive or
  // deleted, or its principal disabled or deleted. Thread-safe and cheap like
  // PrincipalForKey: a snapshot index, refreshed after each durable access-key
  // or principal event; never the sequencer lock.
  struct AccessKeyGrant {
    std::string principal;
    std::shared_ptr<const crypto::SecureBuffer> secret;
  };
  std::optional<AccessKeyGrant> AccessKeyFor(std::string_view access_key_id) const;
  // Whether the enabled principal `principal` may perform `action` on "*"
  // (no secret), as its policies say now; the daemon asks for
  // cairn:SubscribeEvents when a subscriber connects. Takes the sequencer
  // lock briefly.
  bool PrincipalMay(std::string_view principal, std::string_view action);
  // Enrols the first administrator (a PrincipalCreated event by the service).
  // FailedPrecondition if any principal exists already.
  Status EnrolFirstAdmin(const std::string& name, const std::string& public_key_z85);
  // One UnauthenticatedAttempts event for handshakes refused since `since_ms`.
  Status RecordUnauthenticatedAttempts(uint64_t attempts, uint64_t distinct_keys, int64_t since_ms);
  // A random secret of `size` bytes kept in `meta` under `name`, sealed like
  // the checkpoint key (its own DEK, wrapped by the keyring); created on first
  // use. The daemon keeps its CURVE server key this way.
  Result<crypto::SecureBuffer> SealedSecret(const std::string& name, size_t size);
  // Purges secrets whose recovery window has ended and records expiry warnings
  // and expiries (service events, DecideMaintenance). Run before each call in
  // embedded mode and periodically by the daemon.
  Status RunMaintenance();
  // Rotation (service/rotation.h): appends the service events DecideRotations
  // finds due now (requests of the next step, timeouts, retries, successes,
  // failures, scheduled starts), each durable before the next is decided.
  // Returns how many were appended. Run periodically by the daemon, and
  // promptly after a rotation event (a step reported).
  Result<size_t> RunRotations(const RotationPolicy& policy);
  // Signs a checkpoint of the durable head (C2SP signed note) and stores it;
  // an embedded `cairn` calls this before it exits, so every ledger at rest has
  // one. Returns the note. Every signing (also one a GetCheckpoint call asks
  // for) is reported to the listener, if set.
  Result<std::string> SignCheckpoint();
  // Called with each note SignCheckpoint returns, outside the sequencer lock,
  // on the signing thread; the same note may come more than once. Set it
  // before the engine serves calls (the daemon publishes the notes).
  using CheckpointListener = std::function<void(const std::string& note)>;
  void set_checkpoint_listener(CheckpointListener listener) { checkpoint_listener_ = std::move(listener); }

  const projections::SecretsView& state_for_testing() const { return views_.secrets; }
  const projections::PrincipalsView& principals_for_testing() const { return views_.principals; }
  const projections::Views& views_for_testing() const { return views_; }
  const internal::ValueCache& value_cache_for_testing() const { return value_cache_; }
  ledger::Ledger& ledger() { return *ledger_; }
  // The ledger's region and account id, fixed at init (ARNs, SigV4 scopes).
  const projections::LedgerInfo& ledger_info() const { return ledger_info_; }

 private:
  Engine() = default;
  static Status InitLedger(const InitOptions& options);
  // Stages the decision's record with the state and keys it produces; returns
  // the ticket to await outside the lock. Caller holds mu_.
  Result<std::shared_ptr<ledger::CommitTicket>> StageDecision(Decision& decision,
                                                             const ledger::Actor& actor,
                                                             int64_t now);
  // Service events (actor system:cairn) staged under mu_ and awaited after
  // it is released, so API calls are not held up by their commits.
  struct ServiceBatch {
    std::vector<std::shared_ptr<ledger::CommitTicket>> tickets;
    bool shreds = false;  // a decision deletes wrapped DEKs
  };
  // ReportReplicaStatus and GetReplicaStatus, answered once their events are
  // durable (service/engine_replica_status.cc).
  void AnswerReplicaReport(ReplicaReport report, Response& response);
  void AnswerReplicaStatus(Response& response);
  // ReadReplicaSnapshot, answered once its event is durable
  // (service/engine_snapshot.cc): a new snapshot of the durable state, signed,
  // or a page of one.
  void AnswerSnapshotRead(const SnapshotRead& read, Response& response);
  // Releases the snapshots unused for kSnapshotIdleMs (RunMaintenance).
  Status ReleaseIdleSnapshots();
  // Stages `decision` into `batch`. Caller holds mu_.
  Status StageServiceDecisionLocked(Decision& decision, int64_t now, ServiceBatch& batch);
  // Awaits the batch (a failed commit poisons the engine), then compacts the
  // `keys` family if it shredded. Caller does not hold mu_.
  Status FinishServiceBatch(ServiceBatch& batch);
  // After deleting wrapped DEKs (`shreds`), compacts the `keys` family so they
  // leave the files (crypto-shredding). Called without mu_.
  Status CompactShreddedKeys(bool shreds);
  // Awaits a ticket staged under mu_; poisons the engine if the commit failed.
  Result<std::vector<ledger::Appended>> AwaitStaged(const std::shared_ptr<ledger::CommitTicket>& ticket);
  // Appends a service event decided under mu_ (caller holds it), awaiting
  // outside: `lock` is released.
  Status AppendServiceEvent(Decision& decision, std::unique_lock<std::mutex>& lock, int64_t now);
  // After `decision`'s event is durable: a PrincipalCreated joins the key index.
  void PublishPrincipal(const Decision& decision);
  // After `decision`'s event is durable: an access-key or principal change
  // rebuilds the access-key index (PublishAccessKeys).
  void PublishAccessKeys(const Decision& decision);
  // What the access-key index is built from: the Active keys of enabled
  // principals in views_, copied under mu_ (caller holds it).
  std::vector<projections::AccessKey> GrantableAccessKeysLocked() const;
  // Installs an index built from `keys` (taken at `generation`) unless a newer
  // one is installed. Secrets of keys already indexed with the same ciphertext
  // are reused; others are opened from the `keys` family. A key whose wrapped
  // DEK is not written yet (its event still staged) is left out, or, when
  // `strict` (Open), DataLoss, as is a key that does not open.
  Status InstallAccessKeyIndex(const std::vector<projections::AccessKey>& keys, uint64_t generation,
                               bool strict);
  Result<crypto::SecureBuffer> OpenAccessKeySecret(const projections::AccessKey& key) const;
  Status ReadRecords(const RecordRange& range, Response& response) const;
  // ReadReplicaPage: body["DataKeys"], the `keys` entries response.records
  // put (KeyEffectsOf), as {Key, Entry (base64)} or {Key, Destroyed: true}.
  Status AddDataKeys(Response& response) const;
  Status OpenValues(const Decision& decision, Response& response);
  // One version's value: its sealed parts from value_cache_, or from the
  // store (the `keys` entry and the version's record), then unwrapped and
  // decrypted. The cache is cleared by CompactShreddedKeys.
  Result<SecretValue> OpenValue(const std::string& arn, const std::string& version_id,
                                         uint64_t value_seq);
  Result<std::shared_ptr<const internal::SealedValue>> ReadSealedValue(const std::string& key_name,
                                                                       const std::string& version_id,
                                                                       uint64_t value_seq) const;

  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::optional<Checkpointer> checkpointer_;
  crypto::SecureBuffer token_key_;
  projections::Views views_;  // guarded by mu_, includes staged events
  // Sealed parts (ciphertext, wrapped DEK) of versions read recently; no
  // plaintext (service/internal/value_cache.h). Its own lock.
  static constexpr size_t kValueCacheBytes = 16 << 20;
  internal::ValueCache value_cache_{kValueCacheBytes};
  // public key (Z85) -> name of the principals whose PrincipalCreated is
  // durable. Copied on write; key_index_mu_ guards only the pointer, so the
  // ZAP handler never waits for the sequencer.
  using KeyIndex = std::map<std::string, std::string, std::less<>>;
  mutable std::mutex key_index_mu_;
  std::shared_ptr<const KeyIndex> key_index_ = std::make_shared<const KeyIndex>();
  // access key id -> owner and secret, for the Active keys of enabled
  // principals whose events are durable (AccessKeyFor). Copied on write like
  // key_index_; access_key_index_mu_ guards the pointer and installed
  // generation; snapshots of views_ are numbered under mu_, so an older
  // rebuild never replaces a newer one.
  struct AccessKeyEntry {
    std::string principal;
    std::string ciphertext;  // what `secret` was opened from
    std::shared_ptr<const crypto::SecureBuffer> secret;
  };
  using AccessKeyIndex = std::map<std::string, AccessKeyEntry, std::less<>>;
  mutable std::mutex access_key_index_mu_;
  std::shared_ptr<const AccessKeyIndex> access_key_index_ = std::make_shared<const AccessKeyIndex>();
  uint64_t access_key_index_generation_ = 0;  // installed; guarded by access_key_index_mu_
  uint64_t access_key_snapshots_ = 0;         // taken; guarded by mu_
  Clock* clock_ = nullptr;
  crypto::RandomSource* rng_ = nullptr;
  CheckpointListener checkpoint_listener_;
  projections::LedgerInfo ledger_info_;  // copied at Open; never changes
  bool is_replica_ = false;
  ledger::Base base_;  // the ledger's (ledger::ReadBase): a replica from a snapshot holds no record below it
  std::mutex mu_;        // the sequencer lock: decide + stage + evolve
  Status poisoned_;      // set once a commit failed; every later call refuses
  // DR replicas' latest reports (ReportReplicaStatus), by principal and
  // replica id; in memory only (service/engine_replica_status.cc).
  std::mutex reports_mu_;
  std::map<std::pair<std::string, std::string>, ReplicaReport> replica_reports_;
  // Replica snapshots being read (ReadReplicaSnapshot), by id: each holds a
  // read-only view of the store, so they are declared after ledger_ (and go
  // before it). Released once their last page is read, or after
  // kSnapshotIdleMs unused (RunMaintenance); at most kMaxSnapshots. While a
  // view lives, compacting `keys` keeps what it can see: a crypto-shred meanwhile
  // sets shredded_under_snapshot_, and the release of the last view compacts again.
  struct ReplicaSnapshot;
  std::mutex snapshots_mu_;
  std::map<std::string, std::shared_ptr<ReplicaSnapshot>> snapshots_;  // guarded by snapshots_mu_
  bool shredded_under_snapshot_ = false;                               // guarded by snapshots_mu_
  // Releases the snapshots `drop` picks (all if null), then compacts `keys`
  // if a shred happened while one lived and none lives now.
  Status ReleaseSnapshots(const std::function<bool(const ReplicaSnapshot&)>& drop);
};

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_ENGINE_H_
