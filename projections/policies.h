// PoliciesView: the access-control state. Identity policies by name (each
// compiled once, when its PolicyCreated is applied or the view is loaded),
// which principals they are attached to, and each secret's resource policy.
//
// Invariant: like every view, a function of the records applied; entries are
// written to the `state` family in the same batch as the record that produced
// them (FORMAT in policies.cc): "policy/<name>" (name, ARN, description,
// document as given, created date), "attached/<principal>" (the sorted names
// of its policies), "resource-policy/<secret ARN>" (the document as given).
// Compiled forms are never stored: Load compiles the documents again. Events:
// PolicyCreated, PolicyDeleted, PrincipalPolicyAttached/Detached,
// PrincipalDeleted (its attachments go), ResourcePolicyPut/Deleted,
// SecretPurged (the secret's resource policy goes). Failed calls
// (Audit.error_code non-empty) change nothing. Not thread-safe; the
// sequencer owns the live copy.
#ifndef CAIRN_PROJECTIONS_POLICIES_H_
#define CAIRN_PROJECTIONS_POLICIES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"
#include "projections/iam/policy.h"

namespace cairn::schema {
struct Event;
}

namespace cairn::projections {

struct Policy {
  std::string name;
  std::string arn;  // arn:aws:iam::<account>:policy/<name>
  std::string description;
  std::string document;  // as given
  int64_t created_ms = 0;
  std::shared_ptr<const iam::CompiledPolicy> compiled;  // never null in a view
};

struct ResourcePolicy {
  std::string secret_arn;
  std::string document;  // as given
  std::shared_ptr<const iam::CompiledPolicy> compiled;  // never null in a view
};

// Names the view writes under, one per kind of entry.
struct PolicyKey {
  enum class Kind { kPolicy, kAttached, kResourcePolicy };
  Kind kind;
  std::string name;  // policy name, principal name or secret ARN
  auto operator<=>(const PolicyKey&) const = default;
};

class PoliciesView {
 public:
  // `account_id` compiles resource policies (Principal "<account>"/":root").
  explicit PoliciesView(std::string account_id = "") : account_id_(std::move(account_id)) {}

  // nullptr if absent. Pointers borrow from the view until the next Apply.
  const Policy* FindPolicy(std::string_view name) const;
  const std::map<std::string, Policy, std::less<>>& policies() const { return policies_; }
  // The names of the policies attached to `principal`, sorted (empty if none).
  const std::set<std::string, std::less<>>& AttachedTo(std::string_view principal) const;
  // How many principals `policy` is attached to.
  size_t AttachmentCount(std::string_view policy) const;
  const ResourcePolicy* ResourcePolicyFor(std::string_view secret_arn) const;

  // Applies one record's event (as PrincipalsView::Apply). The account id is
  // learnt from LedgerInitialized if the view was built without one.
  // DataLoss if a PolicyCreated repeats a name or its document does not
  // compile, or an attach/detach names an absent policy.
  Status Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
               std::vector<PolicyKey>* touched);

  // Writes (or deletes) the entries of the `touched` keys.
  void WriteTouched(const std::vector<PolicyKey>& touched, ledger::WriteSet& out) const;
  // Reads every entry and compiles every document. DataLoss if one does not
  // decode, is not canonical, sits under another key, or does not compile.
  static Result<PoliciesView> Load(const ledger::Store& store, std::string account_id);

 private:
  std::string account_id_;
  std::map<std::string, Policy, std::less<>> policies_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> attached_;  // principal -> policies
  std::map<std::string, ResourcePolicy, std::less<>> resource_policies_;  // by secret ARN
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_POLICIES_H_
