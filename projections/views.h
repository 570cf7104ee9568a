// Views: every projection the engine keeps, applied together. One record's
// event goes to each view in turn and their touched entries ride in the
// record's batch; Load reads them all back; replay builds the same.
//
// Invariant: views.secrets.applied_seq() covers every view (the others keep
// no applied_seq of their own). Not thread-safe; the sequencer owns the live copy.
#ifndef CAIRN_PROJECTIONS_VIEWS_H_
#define CAIRN_PROJECTIONS_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"
#include "projections/policies.h"
#include "projections/principals.h"
#include "projections/secrets.h"

namespace cairn::projections {

struct Views {
  SecretsView secrets;
  PrincipalsView principals;
  PoliciesView policies;

  // What one Apply touched, for WriteTouched.
  struct Touched {
    std::vector<std::string> secrets;
    std::vector<std::string> principals;
    std::vector<PolicyKey> policies;
  };

  // Applies the event to every view. DataLoss (with the seq in the message)
  // if any view refuses it; the views may then be partly changed and must be
  // dropped (the engine poisons itself, replay fails).
  Status Apply(uint64_t seq, int64_t time_ms, const schema::Event& event, Touched* touched);
  void WriteTouched(const Touched& touched, ledger::WriteSet& out) const;
  static Result<Views> Load(const ledger::Store& store);
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_VIEWS_H_
