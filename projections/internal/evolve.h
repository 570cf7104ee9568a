// evolve for SecretsView: one function per event body. SecretsView::Apply hands
// its private maps in through Catalog so the handlers can live outside the
// class. Internal to projections/.
#ifndef CAIRN_PROJECTIONS_INTERNAL_EVOLVE_H_
#define CAIRN_PROJECTIONS_INTERNAL_EVOLVE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "projections/secrets.h"

namespace cairn::projections::internal {

// Borrowed views of SecretsView's state, valid for one Apply call.
struct Catalog {
  LedgerInfo& info;
  SecretCatalog& secrets;                          // by ARN
  std::map<std::string, std::string>& name_index;  // name -> ARN
};

struct ApplyContext {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::vector<std::string>* touched = nullptr;  // may be null
};

// Applies the body of a successful event. On error (DataLoss) the catalog is
// unchanged.
Status ApplyBody(Catalog& catalog, const ApplyContext& ctx, const schema::Event& event);

// `time_ms` floored to 00:00 UTC of its day.
int64_t TruncateToDay(int64_t time_ms);

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_EVOLVE_H_
