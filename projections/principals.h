// PrincipalsView: who may connect. Each principal enrolled by a PrincipalCreated
// event: its name, ARN, CURVE public key (its identity on the bus), type, tags,
// whether it is an administrator and whether it is enabled. PrincipalUpdated
// sets the two flags, PrincipalKeyRotated replaces the key (the old one
// identifies nobody from then on), PrincipalDeleted removes the principal
// (PoliciesView drops its attachments) and its access keys.
//
// Access keys (SigV4 credentials, service/principals.h): AccessKeyCreated adds
// one (Active) with its sealed secret (ciphertext and KEK version; the wrapped
// DEK lives in the `keys` family, never here), AccessKeyUpdated sets its
// status, AccessKeyDeleted removes it.
//
// Invariant: names, public keys and access key ids are unique; every access key
// belongs to a principal of the view. An entry is a function of the records
// applied, written to the `state` family under "principal/<name>" or
// "access-key/<id>" in the same batch as the record that produced it (deleted
// with the principal or key), so a replay of the log reproduces the entries
// byte for byte (FORMAT in principals.cc). The view keeps no applied_seq of its own: it rides in the
// same batches as SecretsView, whose applied_seq covers both. Not thread-safe;
// the service's sequencer owns the live copy.
#ifndef CAIRN_PROJECTIONS_PRINCIPALS_H_
#define CAIRN_PROJECTIONS_PRINCIPALS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::schema {
struct Event;
}

namespace cairn::projections {

inline constexpr char kPrincipalUser[] = "User";        // arn:aws:iam::<account>:user/<name>
inline constexpr char kPrincipalService[] = "Service";  // arn:aws:iam::<account>:role/<name>
inline constexpr char kAccessKeyActive[] = "Active";
inline constexpr char kAccessKeyInactive[] = "Inactive";
// The `state` key prefix of access keys; also how PrincipalsView::Apply names a
// touched key ("access-key/<id>"; principal names never hold a '/').
inline constexpr char kAccessKeyPrefix[] = "access-key/";

struct Principal {
  std::string name;
  std::string arn;
  std::string principal_type;  // kPrincipalUser or kPrincipalService
  std::string public_key_z85;  // 40 characters
  bool admin = false;
  bool enabled = true;         // false after a PrincipalUpdated disables it
  std::vector<std::pair<std::string, std::string>> tags;  // as enrolled
  int64_t created_ms = 0;

  friend bool operator==(const Principal&, const Principal&) = default;
};

// One access key: its id, owner, status and sealed secret (schema AccessKeyCreated).
struct AccessKey {
  std::string id;
  std::string principal;
  std::string status;      // kAccessKeyActive or kAccessKeyInactive
  int64_t created_ms = 0;
  std::string ciphertext;  // nonce || AES-256-GCM(DEK, secret, aad) || tag
  uint32_t kek_version = 0;

  friend bool operator==(const AccessKey&, const AccessKey&) = default;
};

class PrincipalsView {
 public:
  // nullptr if absent. Pointers borrow from the view until the next Apply.
  const Principal* FindByName(std::string_view name) const;
  const Principal* FindByKey(std::string_view public_key_z85) const;
  const std::map<std::string, Principal>& principals() const { return principals_; }  // by name
  const AccessKey* FindAccessKey(std::string_view access_key_id) const;
  const std::map<std::string, AccessKey, std::less<>>& access_keys() const { return access_keys_; }  // by id
  // The keys of `principal`, by id (borrowed like FindByName's pointers).
  std::vector<const AccessKey*> AccessKeysOf(std::string_view principal) const;

  // Applies one record's event; `seq` and `time_ms` come from the record
  // envelope. Appends what it touched to `touched` (may be null): principal
  // names, and access keys as "access-key/<id>". Events of other views and
  // failed calls (Audit.error_code non-empty) change nothing. DataLoss if a
  // PrincipalCreated repeats a name or a public key, or lacks either; if a
  // PrincipalUpdated, PrincipalKeyRotated or PrincipalDeleted names an absent
  // principal; if a PrincipalKeyRotated's key is empty or belongs to another
  // principal; if an AccessKeyCreated names an absent principal, repeats an id
  // or lacks the id or ciphertext; if an AccessKeyUpdated or AccessKeyDeleted
  // names an absent key or not its owner, or an AccessKeyUpdated a status other
  // than Active or Inactive.
  Status Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
               std::vector<std::string>* touched);

  // Writes the entries of what Apply touched ("principal/<name>",
  // "access-key/<id>"), deleting those gone.
  void WriteTouched(const std::vector<std::string>& touched, ledger::WriteSet& out) const;
  // Reads every "principal/" and "access-key/" entry. DataLoss if one does not
  // decode, is not in canonical form, sits under another name's or id's key,
  // repeats a public key, or is an access key of an absent principal.
  static Result<PrincipalsView> Load(const ledger::Store& store);

 private:
  Status Insert(Principal principal, std::string_view where);
  // The principal named by an event, or DataLoss.
  Result<Principal*> Find(const std::string& name, std::string_view where);
  Status RotateKey(Principal& principal, std::string key, std::string_view where);
  Status InsertAccessKey(AccessKey key, std::string_view where);
  // The key named by an AccessKeyUpdated/Deleted, owned by `principal`, or DataLoss.
  Result<AccessKey*> FindOwnedKey(const std::string& id, const std::string& principal,
                                  std::string_view where);
  Status ApplyAccessKey(const schema::Event& event, int64_t time_ms, const std::string& at,
                        std::vector<std::string>* touched);

  std::map<std::string, Principal> principals_;  // by name
  std::map<std::string, std::string> key_index_;  // public key -> name
  std::map<std::string, AccessKey, std::less<>> access_keys_;  // by id
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_PRINCIPALS_H_
