// PrincipalsView: who may connect. Each principal enrolled by a PrincipalCreated
// event: its name, ARN, CURVE public key (its identity on the bus), type, tags,
// whether it is an administrator and whether it is enabled. PrincipalUpdated
// sets the two flags, PrincipalKeyRotated replaces the key (the old one
// identifies nobody from then on), PrincipalDeleted removes the principal
// (PoliciesView drops its attachments).
//
// Invariant: names and public keys are unique; an entry is a function of the
// records applied, written to the `state` family under "principal/<name>" in the
// same batch as the record that produced it (deleted with the principal), so a
// replay of the log reproduces the entries byte for byte (FORMAT in
// principals.cc). The view keeps no applied_seq of its own: it rides in the
// same batches as SecretsView, whose applied_seq covers both. Not thread-safe;
// the service's sequencer owns the live copy.
#ifndef CAIRN_PROJECTIONS_PRINCIPALS_H_
#define CAIRN_PROJECTIONS_PRINCIPALS_H_

#include <cstdint>
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

class PrincipalsView {
 public:
  // nullptr if absent. Pointers borrow from the view until the next Apply.
  const Principal* FindByName(std::string_view name) const;
  const Principal* FindByKey(std::string_view public_key_z85) const;
  const std::map<std::string, Principal>& principals() const { return principals_; }  // by name

  // Applies one record's event; `seq` and `time_ms` come from the record
  // envelope. Appends the names it touched to `touched` (may be null). Events
  // of other views and failed calls (Audit.error_code non-empty) change
  // nothing. DataLoss if a PrincipalCreated repeats a name or a public key, or
  // lacks either; if a PrincipalUpdated, PrincipalKeyRotated or
  // PrincipalDeleted names an absent principal; if a PrincipalKeyRotated's key
  // is empty or belongs to another principal.
  Status Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
               std::vector<std::string>* touched);

  // Writes the entries of the `touched` names ("principal/<name>").
  void WriteTouched(const std::vector<std::string>& touched, ledger::WriteSet& out) const;
  // Reads every "principal/" entry. DataLoss if one does not decode, is not in
  // canonical form, sits under another name's key, or repeats a public key.
  static Result<PrincipalsView> Load(const ledger::Store& store);

 private:
  Status Insert(Principal principal, std::string_view where);
  // The principal named by an event, or DataLoss.
  Result<Principal*> Find(const std::string& name, std::string_view where);
  Status RotateKey(Principal& principal, std::string key, std::string_view where);

  std::map<std::string, Principal> principals_;  // by name
  std::map<std::string, std::string> key_index_;  // public key -> name
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_PRINCIPALS_H_
