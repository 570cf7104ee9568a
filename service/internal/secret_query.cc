#include "service/internal/secret_query.h"

#include <algorithm>
#include <tuple>

#include "service/api.h"

namespace cairn::service::internal {
namespace {

int64_t SortValue(const projections::Secret& s, const std::string& sort_by) {
  if (sort_by == "last-accessed-date") return s.last_accessed_ms;
  if (sort_by == "last-changed-date") return s.last_changed_ms;
  return s.created_ms;
}

}  // namespace

std::string SecretQuery::Text(const std::string& scope) const {
  Json j = Json::object();
  j["scope"] = scope;
  Json fs = Json::array();
  for (const Filter& f : filters) fs.push_back({{"Key", f.key}, {"Values", f.values}});
  j["filters"] = std::move(fs);
  j["includePlannedDeletion"] = include_planned_deletion;
  j["sortBy"] = sort_by;
  j["sortOrder"] = sort_order;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Status ReadSort(const Params& params, SecretQuery& query) {
  ASSIGN_OR_RETURN(std::optional<std::string> by, params.String("SortBy", 0, 64));
  ASSIGN_OR_RETURN(std::optional<std::string> order, params.String("SortOrder", 0, 64));
  if (by.has_value()) {
    if (*by != "created-date" && *by != "last-accessed-date" && *by != "last-changed-date" &&
        *by != "name") {
      return InvalidArgumentError(
          "Invalid SortBy: must be one of created-date, last-accessed-date, last-changed-date, "
          "name");
    }
    query.sort_by = *by;
  }
  if (order.has_value()) {
    if (*order != "asc" && *order != "desc")
      return InvalidArgumentError("Invalid SortOrder: must be asc or desc");
    query.sort_order = *order;
  }
  return Status::Ok();
}

std::vector<const projections::Secret*> SelectSecrets(const projections::SecretsView& state,
                                                      const SecretQuery& query) {
  std::vector<const projections::Secret*> out;
  for (const auto& [arn, secret] : state.secrets()) {
    if (secret.scheduled_for_deletion() && !query.include_planned_deletion) continue;
    if (MatchesFilters(secret, query.filters, state.info())) out.push_back(&secret);
  }
  bool by_name = query.sort_by == "name";
  bool desc = query.sort_order == "desc";
  std::sort(out.begin(), out.end(),
            [&](const projections::Secret* a, const projections::Secret* b) {
              if (!by_name) {
                int64_t va = SortValue(*a, query.sort_by);
                int64_t vb = SortValue(*b, query.sort_by);
                if (va != vb) return desc ? va > vb : va < vb;
              }
              if (a->name != b->name)
                return (desc && by_name) ? a->name > b->name : a->name < b->name;
              return a->arn < b->arn;
            });
  return out;
}

}  // namespace cairn::service::internal
