#include "projections/views.h"

#include <utility>

namespace cairn::projections {

Status Views::Apply(uint64_t seq, int64_t time_ms, const schema::Event& event, Touched* touched) {
  // Each view's DataLoss names the seq already ("seq N: ...").
  RETURN_IF_ERROR(secrets.Apply(seq, time_ms, event, touched ? &touched->secrets : nullptr));
  RETURN_IF_ERROR(principals.Apply(seq, time_ms, event, touched ? &touched->principals : nullptr));
  return policies.Apply(seq, time_ms, event, touched ? &touched->policies : nullptr);
}

void Views::WriteTouched(const Touched& touched, ledger::WriteSet& out) const {
  secrets.WriteTouched(touched.secrets, out);
  principals.WriteTouched(touched.principals, out);
  policies.WriteTouched(touched.policies, out);
}

Result<Views> Views::Load(const ledger::Store& store) {
  Views views;
  ASSIGN_OR_RETURN(views.secrets, SecretsView::Load(store));
  ASSIGN_OR_RETURN(views.principals, PrincipalsView::Load(store));
  // An empty state (nothing applied yet) learns the account id from the
  // genesis record, as a fresh view does; LedgerInfo's default is no account.
  std::string account_id = views.secrets.applied_seq() == 0 ? "" : views.secrets.info().account_id;
  ASSIGN_OR_RETURN(views.policies, PoliciesView::Load(store, std::move(account_id)));
  return views;
}

}  // namespace cairn::projections
