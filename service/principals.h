// Cairn's own operations beside Secrets Manager's (who may call them: service/access.h).
//
// Invariant: like every operation, each call of Cairn's own operations is
// exactly one event, refusals included. They run through Decide
// (service/decide.h) and read DecideEnv::principals and
// DecideEnv::durable_next_seq:
//
//   CreatePrincipal {Name, PublicKey, PrincipalType? ("User" | "Service"),
//                    Admin? (false), Tags?}
//       -> {Name, ARN, PublicKey, PrincipalType, Admin, CreatedDate}; PrincipalCreated
//   ListPrincipals {} -> {Principals: [{Name, ARN, PublicKey, PrincipalType,
//                    Admin, Enabled, AttachedPolicies, Tags, CreatedDate}]}
//                    sorted by name; PrincipalsListed
//
// Access keys, a principal's credentials for SigV4 (gateway/): an id "AKIA" +
// 16 characters of [A-Z2-7] and a secret access key of 40 characters of
// [A-Za-z0-9+/], both from DecideEnv::rng. The secret is sealed like a secret's
// value (its own DEK, wrapped in the `keys` family under "access-key/<id>");
// it travels only in Response::values (index 0, kString), never in a response
// body, an event or a log. Dates are epoch seconds; Status is "Active" or
// "Inactive"; AccessKeyId is 16-128 characters of [A-Z0-9] (ValidationException).
//   CreateAccessKey {PrincipalName} -> {AccessKey: {UserName, AccessKeyId,
//                    Status: "Active", CreateDate}} + the secret; at most 2 keys
//                    per principal (LimitExceededException), unknown principal
//                    ResourceNotFoundException; a disabled principal may get
//                    one (it authenticates nobody until enabled); AccessKeyCreated
//   ListAccessKeys {PrincipalName?} -> {AccessKeyMetadata: [{UserName,
//                    AccessKeyId, Status, CreateDate}]} sorted by user then id,
//                    every principal's without PrincipalName; AccessKeysListed
//   UpdateAccessKey {AccessKeyId, Status, PrincipalName?} -> {}; AccessKeyUpdated
//   DeleteAccessKey {AccessKeyId, PrincipalName?} -> {}; AccessKeyDeleted, the
//                    key's DEK deleted in the same batch (crypto-shredded)
//       A PrincipalName given must own the key; an unknown key, or one of
//       another principal, is ResourceNotFoundException. DeletePrincipal
//       deletes (shreds) the principal's keys too.
//
//   ReadRecords {FromSeq, MaxRecords? (1-1000, 100)} -> {FromSeq, NextSeq,
//                    RecordCount, HeadSeq (the durable head's next seq when
//                    decided), FirstSeq, Region, AccountId,
//                    FirstPrevLeafHash?} and Response::records, the stored records
//                    [FromSeq, min(FromSeq + MaxRecords, durable head)); a
//                    FromSeq at or past the head gives an empty page; AuditRecordsRead.
//                    FirstSeq is 0, or where a ledger that started from a
//                    snapshot (a promoted DR replica) begins: it holds no genesis
//                    (hence Region and AccountId, for rendering its records) and
//                    no record before FirstSeq (a FromSeq below it is
//                    InvalidRequestException); FirstPrevLeafHash, the leaf hash
//                    of record FirstSeq-1, to link its first record to
//
// The audit reads, answered from the durable tree (ledger/tree.h) and the
// stored checkpoints once their own event is durable (AnswerAuditRead). Sizes
// count records; a size beyond the durable head when decided, or a leaf index
// not below the tree size, is InvalidParameterException. Hashes are lower-case
// hex; Note is the C2SP signed note text; VerifierKey is ledger::FormatVerifierKey.
//
//   GetCheckpoint {MinTreeSize?} -> {TreeSize, Note, VerifierKey}: the latest
//                    stored checkpoint; when it covers fewer than MinTreeSize
//                    records, one of the durable head is signed first; CheckpointRead
//   GetInclusionProof {LeafIndex, TreeSize} -> {LeafIndex, TreeSize, LeafHash,
//                    Proof: [hex], Root}; ProofRead (Inclusion)
//   GetConsistencyProof {FirstTreeSize, SecondTreeSize} -> {FirstTreeSize,
//                    SecondTreeSize, FirstRoot, SecondRoot, Proof}; ProofRead (Consistency)
//   ListCheckpoints {FromTreeSize? (0), MaxResults? (1-1000, 100)} ->
//                    {Checkpoints: [{TreeSize, Note}], NextTreeSize?} oldest
//                    first; NextTreeSize is the size of the next stored one; CheckpointsListed
//
// Access control's operations are in service/access.h. This header adds what
// the engine runs around Decide: the daemon's service events (enrolling the
// first administrator, counting refused handshakes). Pure functions over their
// arguments; thread-compatible.
#ifndef CAIRN_SERVICE_PRINCIPALS_H_
#define CAIRN_SERVICE_PRINCIPALS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/checkpoint.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "projections/principals.h"
#include "projections/secrets.h"
#include "service/decide.h"

namespace cairn::service {

inline constexpr char kCreatePrincipal[] = "CreatePrincipal";
inline constexpr char kListPrincipals[] = "ListPrincipals";
inline constexpr char kReadRecords[] = "ReadRecords";
inline constexpr char kGetCheckpoint[] = "GetCheckpoint";
inline constexpr char kGetInclusionProof[] = "GetInclusionProof";
inline constexpr char kGetConsistencyProof[] = "GetConsistencyProof";
inline constexpr char kListCheckpoints[] = "ListCheckpoints";
inline constexpr char kCreateAccessKey[] = "CreateAccessKey";
inline constexpr char kListAccessKeys[] = "ListAccessKeys";
inline constexpr char kUpdateAccessKey[] = "UpdateAccessKey";
inline constexpr char kDeleteAccessKey[] = "DeleteAccessKey";
// Audit action of the UnauthenticatedAttempts service event.
inline constexpr char kUnauthenticatedAttempts[] = "UnauthenticatedAttempts";
// Actor.principal_type of a call by an enrolled principal (the daemon sets
// Actor.principal to the principal's name).
inline constexpr char kActorPrincipal[] = "Principal";

// Cairn's own operations, not Secrets Manager's: those whose IAM action is
// "cairn:..." (service/access.h).
bool IsCairnOperation(std::string_view operation);

// 1-64 characters of [A-Za-z0-9+=,.@_-], as IAM user names; ValidationException.
Status ValidatePrincipalName(std::string_view name);
// IAM's quota of access keys per user.
inline constexpr size_t kMaxAccessKeysPerPrincipal = 2;
// 16-128 characters of [A-Z0-9], as IAM's AccessKeyId; ValidationException.
Status ValidateAccessKeyId(std::string_view access_key_id);
// A CURVE public key in Z85: 40 characters of the Z85 alphabet, each group of 5
// at most 2^32-1; InvalidParameterException.
Status ValidatePublicKey(std::string_view z85);
// "arn:aws:iam::<account>:user/<name>" for "User", ":role/<name>" for "Service".
std::string PrincipalArn(std::string_view account_id, std::string_view principal_type,
                         std::string_view name);

// The daemon enrols its first administrator: a PrincipalCreated (admin, User)
// event as a service event. The name and key are checked as CreatePrincipal
// checks them (ValidationException / InvalidParameterException as Status);
// AlreadyExists if the name or key is taken. The caller refuses if any
// principal exists.
Result<Decision> DecideEnrolFirstAdmin(const std::string& name, const std::string& public_key_z85,
                                       const projections::SecretsView& state,
                                       const projections::PrincipalsView& principals,
                                       int64_t now_ms);

// Answers an audit read once its event is durable: fills `body` from the tree
// and checkpoints in `store` (borrowed for the call). `sign_head` signs and
// stores a checkpoint of the durable head (Engine::SignCheckpoint); it runs
// only for a GetCheckpoint whose MinTreeSize the latest checkpoint does not
// reach. DataLoss if a tree node or the checkpoint needed is missing or
// malformed; sign_head's errors as they come.
Status AnswerAuditRead(const AuditRead& read, const ledger::Store& store,
                       const ledger::NoteVerifier& verifier,
                       const std::function<Result<std::string>()>& sign_head, Json& body);

// One UnauthenticatedAttempts service event: `attempts` refused handshakes
// from `distinct_keys` keys between `since_ms` and `until_ms`.
Decision DecideUnauthenticatedAttempts(uint64_t attempts, uint64_t distinct_keys,
                                       int64_t since_ms, int64_t until_ms);

}  // namespace cairn::service

#endif  // CAIRN_SERVICE_PRINCIPALS_H_
