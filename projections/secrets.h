// projections/: state derived from the log by pure evolve(state, event).
//
// Invariant: the state is a function of the records applied, nothing else. It is
// written to the `state` family in the same batch as the records that produced
// it, tagged with applied_seq; replaying the log from genesis yields
// byte-identical `state` entries (tests/projections/replay_test.cc).
//
// SecretsView is the secrets catalog: each secret's metadata, tags, versions and
// staging labels, with AWS's label rules applied in evolve (labels.h). Not
// thread-safe; the service's sequencer owns the live copy.
#ifndef CAIRN_PROJECTIONS_SECRETS_H_
#define CAIRN_PROJECTIONS_SECRETS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::schema {
struct Event;
}

namespace cairn::projections {

inline constexpr char kAwsCurrent[] = "AWSCURRENT";
inline constexpr char kAwsPrevious[] = "AWSPREVIOUS";
inline constexpr char kAwsPending[] = "AWSPENDING";

enum class ValueKind : uint8_t { kNone = 0, kString = 1, kBinary = 2 };

struct Version {
  std::string version_id;
  int64_t created_ms = 0;
  uint64_t created_order = 0;        // secret-local creation counter (oldest first)
  std::set<std::string> stages;      // empty => deprecated
  ValueKind kind = ValueKind::kNone;
  uint64_t value_seq = 0;            // seq of the record holding the ciphertext
  uint32_t kek_version = 0;
  int64_t last_accessed_ms = 0;      // day resolution (00:00 UTC); 0 = never
  std::string value_digest;          // VersionWritten.value_digest (keyed MAC; "" if absent)

  friend bool operator==(const Version&, const Version&) = default;
};

// Rotation (service/rotation.h). The four steps of AWS's protocol, in order.
inline constexpr char kStepCreateSecret[] = "createSecret";
inline constexpr char kStepSetSecret[] = "setSecret";
inline constexpr char kStepTestSecret[] = "testSecret";
inline constexpr char kStepFinishSecret[] = "finishSecret";

// RotationRules as stored (AutomaticallyAfterDays xor ScheduleExpression,
// Duration); nullopt members were not given.
struct RotationRules {
  std::optional<int64_t> automatically_after_days;
  std::optional<std::string> schedule_expression;
  std::optional<std::string> duration;
  bool empty() const { return !automatically_after_days && !schedule_expression && !duration; }
  friend bool operator==(const RotationRules&, const RotationRules&) = default;
};

// The rotation in flight, or the last one if it failed (kept for status
// until the next run starts or rotation is cancelled).
//   RotationStarted        -> step = createSecret (testSecret if test_only), not requested
//   RotationStepRequested  -> step = the event's, step_requested, deadline
//   RotationStepSucceeded  -> step = the next one ("" after the last), attempts 0, last_error ""
//   RotationStepFailed     -> attempts + 1, not requested, last_error, last_failure_ms
//   RotationFailed         -> failed
//   RotationSucceeded / RotationCancelled -> no run (RotationCancelled also
//                            takes AWSPENDING off the run's version unless it is AWSCURRENT)
// A version write that takes AWSPENDING off the run's token version (a new
// AWSCURRENT during the rotation: RotationAbandoned) ends the run too.
struct RotationRun {
  std::string token;              // the AWSPENDING version's id (test-only: the AWSCURRENT one)
  std::string handler;            // the handler's name when the run started
  bool test_only = false;
  bool failed = false;
  std::string step;               // the current step; "" once the last step succeeded
  bool step_requested = false;    // a RotationStepRequested for `step` awaits its report
  uint32_t attempts = 0;          // failed attempts of `step`
  int64_t started_ms = 0;
  int64_t step_requested_ms = 0;  // 0 until requested
  int64_t step_deadline_ms = 0;
  int64_t last_failure_ms = 0;
  std::string last_error;         // the last failure's reason (never a secret)
  friend bool operator==(const RotationRun&, const RotationRun&) = default;
};

// The expiry of a secret's AWSCURRENT value (PutSecretExpiry; schema
// SecretExpirySet): a schedule (every current version expires_after_days after
// its creation) or a fixed date for one version. The warned/expired ids record
// which versions the service events were appended for (once each).
struct SecretExpiry {
  int32_t expires_after_days = 0;   // > 0: the schedule
  int64_t expiration_ms = 0;        // the fixed date (expires_after_days == 0) ...
  std::string version_id;           // ... of this version
  int32_t warning_days = 0;
  std::string warned_version_id;    // SecretExpiryWarning appended for it
  std::string expired_version_id;   // SecretExpired appended for it
  // When `version` expires under this expiry (nullopt: never). Only the
  // AWSCURRENT version is ever refused for having expired.
  std::optional<int64_t> ExpiresAt(const Version& version) const;
  friend bool operator==(const SecretExpiry&, const SecretExpiry&) = default;
};

struct Secret {
  std::string arn;
  std::string name;
  std::optional<std::string> description;
  std::string kms_key_id;            // "" = default aws/secretsmanager
  std::vector<std::pair<std::string, std::string>> tags;  // insertion order, unique keys
  bool ever_tagged = false;          // DescribeSecret shows "Tags": [] once tagged
  int64_t created_ms = 0;
  int64_t last_changed_ms = 0;
  int64_t last_accessed_ms = 0;      // day resolution; 0 = never
  std::optional<int64_t> deletion_date_ms;  // scheduled purge time while pending deletion
  bool deletion_forced = false;      // scheduled by ForceDeleteWithoutRecovery (window 0)
  uint64_t next_version_order = 0;
  std::map<std::string, Version, std::less<>> versions;  // by version id (found by string_view)
  // Rotation configuration and state (RotationStarted and the events after it).
  bool rotation_enabled = false;
  std::string rotation_lambda_arn;   // RotationLambdaARN as given; names the handler ("" = none)
  RotationRules rotation_rules;
  int64_t last_rotated_ms = 0;       // last successful rotation; 0 = never
  std::optional<int64_t> next_rotation_ms;  // start of the next rotation window
  std::optional<RotationRun> rotation;
  std::optional<SecretExpiry> expiry;

  const Version* FindVersion(std::string_view id) const;
  // The version carrying `stage`, or nullptr.
  const Version* VersionWithStage(std::string_view stage) const;
  bool scheduled_for_deletion() const { return deletion_date_ms.has_value(); }
  friend bool operator==(const Secret&, const Secret&) = default;
};

// Secrets by ARN; found by string_view, with no string built.
using SecretsByArn = std::map<std::string, Secret, std::less<>>;

// The secrets by ARN, in ARN order, with a hash index for finding one: a map
// lookup walks some ten nodes and each node's ARN (70-odd bytes, on the heap),
// cache misses all, and a replica applies a read of a secret per record.
class SecretCatalog {
 public:
  SecretCatalog() = default;
  SecretCatalog(const SecretCatalog& other) : map_(other.map_) { Reindex(); }
  SecretCatalog& operator=(const SecretCatalog& other);
  // Moving a std::map keeps its nodes, so the index's views and pointers hold.
  SecretCatalog(SecretCatalog&&) noexcept = default;
  SecretCatalog& operator=(SecretCatalog&&) noexcept = default;

  const SecretsByArn& map() const { return map_; }
  Secret* Find(std::string_view arn);
  const Secret* Find(std::string_view arn) const;
  // False (and nothing changed) if a secret has that ARN.
  bool Insert(Secret secret);
  void Erase(std::string_view arn);
  bool empty() const { return map_.empty(); }

 private:
  void Reindex();

  SecretsByArn map_;
  std::unordered_map<std::string_view, Secret*> index_;  // views of map_'s keys
};

struct LedgerInfo {
  std::string ledger_id;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string master_key_id;

  friend bool operator==(const LedgerInfo&, const LedgerInfo&) = default;
};

class SecretsView {
 public:
  const LedgerInfo& info() const { return info_; }
  uint64_t applied_seq() const { return applied_seq_; }  // seq of the last applied record + 1
  const Secret* FindByArn(std::string_view arn) const;
  const Secret* FindByName(std::string_view name) const;
  const SecretsByArn& secrets() const { return secrets_.map(); }

  // Applies one record's event. `seq` and `time_ms` come from the record envelope.
  // Appends the ARNs it touched to `touched` (for persistence). Events that
  // failed (Audit.error_code non-empty) change nothing but applied_seq.
  // DataLoss if the event contradicts the state (e.g. a version for an unknown secret).
  Status Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
               std::vector<std::string>* touched);

  // Persistence in the `state` family: one entry per secret under "secret/<arn>",
  // "info" and "applied_seq". Encoding is deterministic (see FORMAT in secrets.cc).
  void WriteTouched(const std::vector<std::string>& touched, ledger::WriteSet& out) const;
  static Result<SecretsView> Load(const ledger::Store& store);

 private:
  LedgerInfo info_;
  uint64_t applied_seq_ = 0;
  SecretCatalog secrets_;
  std::map<std::string, std::string> name_index_;  // name -> ARN (live or pending deletion)
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_SECRETS_H_
