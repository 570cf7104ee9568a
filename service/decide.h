// decide(request, state) -> events | error, for every Secrets Manager operation
// of the ledger-foundation milestone.
//
// Decide is deterministic: time, randomness, ids and the sealer come from
// DecideEnv (injected at the edge), never from the system. It never fails as a
// function: a refused call is a Decision too, with exactly one OperationFailed
// event carrying the error (every call is exactly one event). Successful calls
// produce exactly one event as well (SecretCreated, SecretValueRead, ...).
// Decide does not decrypt: for reads it names the versions whose values the
// engine opens *after* the event is durable (no record, no secret).
// Thread-compatible: pure over its arguments.
#ifndef CAIRN_SERVICE_DECIDE_H_
#define CAIRN_SERVICE_DECIDE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/keyring.h"
#include "crypto/random.h"
#include "ledger/store.h"
#include "ledger/record.h"
#include "projections/policies.h"
#include "projections/principals.h"
#include "projections/secrets.h"
#include "service/api.h"

namespace cairn::service {

struct DecideEnv {
  int64_t now_ms = 0;
  crypto::RandomSource* rng = nullptr;    // ARN suffixes, nonces, DEKs, passwords
  const crypto::Keyring* keyring = nullptr;
  crypto::ByteView token_key;             // HMAC key for NextToken (bound to the query)
  // Read by Cairn's own operations (service/principals.h): the enrolled
  // principals (null reads as none) and the durable head, where a ReadRecords
  // page ends.
  const projections::PrincipalsView* principals = nullptr;
  uint64_t durable_next_seq = 0;
  // Access control (service/access.h): the caller and the policies. With no
  // actor, Decide checks nothing (tests of the operations themselves; the
  // engine always sets one).
  const ledger::Actor* actor = nullptr;
  const projections::PoliciesView* policies = nullptr;
  // The first seq the ledger holds: 0, or a snapshot's base (ledger::Base),
  // and the leaf hash of the record before it, which the ledger does not hold.
  uint64_t first_seq = 0;
  crypto::Digest first_prev_leaf{};
};

// A DR replica's report (ReportReplicaStatus), which the engine keeps, the
// latest per principal and replica id, once its event is durable.
struct ReplicaReport {
  std::string principal;
  std::string replica_id;
  uint64_t head_seq = 0;
  std::string head_leaf_hex;
  uint64_t lag_ms = 0;
  uint64_t pending_records = 0;
  uint64_t bytes_per_second = 0;
  uint64_t verified_tree_size = 0;
  std::string verified_root_hex;
  int64_t reported_at_ms = 0;
  uint64_t primary_head = 0;  // the engine's: records the primary held before the report's own
};

// Records [from, end) of the log, which the engine reads once the event is durable.
struct RecordRange {
  uint64_t from = 0;
  uint64_t end = 0;
};

// An audit read (service/principals.h), which the engine answers from the
// durable tree and the stored checkpoints once the event is durable.
struct AuditRead {
  enum class Kind { kCheckpoint, kInclusionProof, kConsistencyProof, kCheckpointList };
  Kind kind = Kind::kCheckpoint;
  // kCheckpoint: MinTreeSize (0: any); kInclusionProof: LeafIndex, TreeSize;
  // kConsistencyProof: FirstTreeSize, SecondTreeSize; kCheckpointList:
  // FromTreeSize, MaxResults.
  uint64_t first = 0;
  uint64_t second = 0;
};

// A version whose value the engine decrypts once the event is durable.
// ReadReplicaSnapshot (service/snapshot.h): start a snapshot (`create`,
// under the new `id`) or read a page of one.
struct SnapshotRead {
  bool create = false;
  std::string id;
  ledger::Family family = ledger::Family::kState;
  std::string start_after;  // a key (decoded); empty: from the first
  size_t max_entries = 0;
};

struct ValueToOpen {
  size_t index = 0;          // Response::Value::index
  std::string arn;
  std::string version_id;
  uint64_t value_seq = 0;    // the record holding the ciphertext
  uint32_t kek_version = 0;
};

struct Decision {
  std::string event_type;    // "SecretCreated", "OperationFailed", ...
  std::string payload;       // a finished cairn.schema.Event (file identifier "CRNE")
  ledger::WriteSet key_writes;  // `keys` family: wrapped DEKs put; destroyed ones deleted
  std::optional<ApiError> error;
  Json body = Json::object();
  std::vector<ValueToOpen> to_open;
  // GetRandomPassword's password, CreateAccessKey's secret access key: the
  // engine hands it back as Response::values[0] (kString), never in the body.
  std::optional<crypto::SecureBuffer> generated_password;
  std::optional<RecordRange> records_to_read;              // ReadRecords
  std::optional<AuditRead> audit_read;                     // GetCheckpoint, Get*Proof, ...
  bool with_data_keys = false;  // ReadReplicaPage: the records' `keys` entries too
  bool replica_seed = false;    // GetReplicaSeed: the engine answers from `meta`
  std::optional<ReplicaReport> replica_report;  // ReportReplicaStatus: kept by the engine once durable
  bool replica_status_read = false;             // GetReplicaStatus: the engine answers from its reports
  std::optional<SnapshotRead> snapshot_read;    // ReadReplicaSnapshot: the engine answers from its snapshots
};

Decision Decide(const Request& request, const projections::SecretsView& state, DecideEnv& env);

// Service events not caused by an API call: secrets whose recovery window ended
// at `now_ms` are purged (SecretPurged, their keys deleted); AWSCURRENT values
// whose expiry is near or past get SecretExpiryWarning / SecretExpired, once
// per version (service/internal/expiry.h). One Decision each.
std::vector<Decision> DecideMaintenance(const projections::SecretsView& state, DecideEnv& env);

// The `keys` family key for a version's wrapped DEK: "<arn>\n<version id>".
std::string KeyEntryKey(std::string_view arn, std::string_view version_id);
// The AAD context binding a value to its place: "<arn>\n<version id>".
std::string ValueContext(std::string_view arn, std::string_view version_id);
// The `keys` family key of an access key's wrapped DEK, and the AAD context of
// its sealed secret: "access-key/<id>" (never an ARN, so never a version's).
std::string AccessKeyEntryKey(std::string_view access_key_id);
// A `keys` family entry: the KEK version (4 bytes, big-endian) || wrapped DEK.
std::string WrappedKeyEntry(const crypto::SealedValue& sealed);
// The reverse: the KEK version and the wrapped DEK (borrowing from `entry`),
// or nullopt for an entry shorter than the version.
struct WrappedKey {
  uint32_t kek_version = 0;
  crypto::ByteView wrapped_dek;
};
std::optional<WrappedKey> ParseWrappedKeyEntry(std::string_view entry);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_DECIDE_H_
