// ListSecrets (API reference §2.8, filters §3.9, pagination §3.8).
#include <algorithm>
#include <optional>

#include "service/internal/authorize.h"
#include "service/internal/ops.h"
#include "service/internal/pagination.h"
#include "service/internal/render.h"
#include "service/internal/secret_query.h"

namespace cairn::service::internal {

Result<Outcome> ListSecrets(OpContext& ctx) {
  const Params& p = ctx.params;
  SecretQuery query;
  ASSIGN_OR_RETURN(std::optional<bool> include_planned, p.Bool("IncludePlannedDeletion"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, p.Int("MaxResults", 1, 100));
  ASSIGN_OR_RETURN(query.filters, ReadFilters(p));
  RETURN_IF_ERROR(ReadSort(p, query));
  query.include_planned_deletion = include_planned.value_or(false);
  std::string text = query.Text("ListSecrets");
  ASSIGN_OR_RETURN(uint64_t offset, ReadNextToken(p, ctx.env.token_key, text));

  std::vector<const projections::Secret*> all = SelectSecrets(ctx.state, query);
  // Only what the caller may describe (service/access.h).
  std::erase_if(all, [&](const projections::Secret* s) {
    return !MayAccessSecret(ctx, "secretsmanager:DescribeSecret", *s);
  });
  uint64_t end = std::min<uint64_t>(all.size(), offset + max_results.value_or(100));
  Json list = Json::array();
  for (uint64_t i = offset; i < end; ++i)
    list.push_back(SecretJson(*all[i], SecretShape::kListEntry));

  Outcome out;
  out.SetBody(schema::CreateSecretsListed(out.fbb, static_cast<uint32_t>(list.size())));
  out.response["SecretList"] = std::move(list);
  if (end < all.size()) out.response["NextToken"] = MakeNextToken(ctx.env.token_key, text, end);
  return out;
}

}  // namespace cairn::service::internal
