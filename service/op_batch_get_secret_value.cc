// BatchGetSecretValue (API reference §2.3): by SecretIdList or by Filters
// (paginated). Per-secret failures go to Errors[]; the call itself succeeds.
#include <algorithm>
#include <optional>
#include <set>

#include "service/api.h"
#include "service/internal/authorize.h"
#include "service/internal/errors.h"
#include "service/internal/expiry.h"
#include "service/internal/ops.h"
#include "service/internal/pagination.h"
#include "service/internal/resolve.h"
#include "service/internal/secret_query.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

constexpr int64_t kDefaultBatchPage = 20;

struct Batch {
  Json values = Json::array();
  Json errors = Json::array();
  std::vector<ValueToOpen> to_open;
  std::optional<std::string> next_token;
};

void AddError(Batch& batch, const std::string& secret_id, const Status& status) {
  ApiError e = ApiErrorFromStatus(status);
  batch.errors.push_back({{"SecretId", secret_id}, {"ErrorCode", e.code}, {"Message", e.message}});
}

// Adds `secret`'s AWSCURRENT value to the batch, or an error entry.
void AddSecret(Batch& batch, const std::string& secret_id, const projections::Secret& secret,
               int64_t now_ms) {
  if (secret.scheduled_for_deletion()) {
    return AddError(batch, secret_id, FailedPreconditionError(kMarkedForDeletionMessage));
  }
  Result<const projections::Version*> version = SelectVersion(secret, std::nullopt, std::nullopt);
  if (!version.ok()) return AddError(batch, secret_id, version.status());
  if (Status expired = CheckNotExpired(secret, **version, now_ms); !expired.ok()) {
    return AddError(batch, secret_id, expired);
  }
  batch.to_open.push_back({batch.values.size(), secret.arn, (*version)->version_id,
                           (*version)->value_seq, (*version)->kek_version});
  batch.values.push_back(ValueEntryJson(secret, **version));
}

constexpr char kGetSecretValueAction[] = "secretsmanager:GetSecretValue";

// AccessDeniedException for `id` unless the caller may read `secret`; for an
// id that names no secret, the check runs against the ARN it would have, so a
// denial reads the same whether the secret exists or not.
Status CheckRead(const OpContext& ctx, const std::string& id, const projections::Secret* secret) {
  projections::Secret absent;
  if (secret == nullptr) {
    SecretTarget named = TargetOfSecretId(ctx.state, id);
    absent.name = std::move(named.name);
    absent.arn = std::move(named.arn);
    secret = &absent;
  }
  if (MayAccessSecret(ctx, kGetSecretValueAction, *secret)) return Status::Ok();
  return PermissionDeniedError("You are not authorized to perform: " + std::string(kGetSecretValueAction) +
                               " on resource: " + id.substr(0, 2048));
}

void AddById(Batch& batch, const OpContext& ctx, const std::vector<std::string>& ids) {
  const projections::SecretsView& state = ctx.state;
  std::set<std::string> seen;
  for (const std::string& id : ids) {
    if (!seen.insert(id).second) continue;  // each id answered once
    Status valid = ValidateSecretId(id);
    Result<const projections::Secret*> secret =
        valid.ok() ? ResolveSecret(state, id) : Result<const projections::Secret*>(valid);
    if (valid.ok()) {
      Status allowed = CheckRead(ctx, id, secret.ok() ? *secret : nullptr);
      if (!allowed.ok()) {
        AddError(batch, id, allowed);
        continue;
      }
    }
    if (secret.ok()) {
      AddSecret(batch, id, **secret, ctx.env.now_ms);
    } else {
      AddError(batch, id, secret.status());
    }
  }
}

// One page of the secrets matching `filters`; sets batch.next_token if more remain.
Status AddByFilters(Batch& batch, const OpContext& ctx, std::vector<Filter> filters,
                    int64_t page_size) {
  SecretQuery query;
  query.filters = std::move(filters);
  std::string text = query.Text("BatchGetSecretValue");
  ASSIGN_OR_RETURN(uint64_t offset, ReadNextToken(ctx.params, ctx.env.token_key, text));
  std::vector<const projections::Secret*> all = SelectSecrets(ctx.state, query);
  std::erase_if(all, [&](const projections::Secret* s) { return !MayAccessSecret(ctx, kGetSecretValueAction, *s); });
  uint64_t end = std::min<uint64_t>(all.size(), offset + page_size);
  for (uint64_t i = offset; i < end; ++i) AddSecret(batch, all[i]->arn, *all[i], ctx.env.now_ms);
  if (end < all.size()) batch.next_token = MakeNextToken(ctx.env.token_key, text, end);
  return Status::Ok();
}

}  // namespace

Result<Outcome> BatchGetSecretValue(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(auto ids, p.StringList("SecretIdList", 1, 20, 1, 2048));
  ASSIGN_OR_RETURN(std::vector<Filter> filters, ReadFilters(p));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, p.Int("MaxResults", 1, 20));
  bool has_filters = p.Has("Filters");
  if (ids.has_value() == has_filters) {
    return InvalidArgumentError(
        "Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  }
  if (max_results.has_value() && !has_filters) {
    return InvalidArgumentError(
        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.");
  }
  if (ids.has_value() && p.Has("NextToken")) {
    return InvalidArgumentError("NextToken can only be used together with Filters");
  }
  Batch batch;
  if (ids.has_value()) {
    AddById(batch, ctx, *ids);
  } else {
    RETURN_IF_ERROR(
        AddByFilters(batch, ctx, std::move(filters), max_results.value_or(kDefaultBatchPage)));
  }

  Outcome out;
  std::vector<std::string> arns;
  std::vector<std::string> version_ids;
  for (const ValueToOpen& v : batch.to_open) {
    arns.push_back(v.arn);
    version_ids.push_back(v.version_id);
  }
  auto arns_offset = StringVector(out.fbb, arns);
  auto ids_offset = StringVector(out.fbb, version_ids);
  out.SetBody(schema::CreateBatchSecretValuesRead(out.fbb, arns_offset, ids_offset,
                                                  static_cast<uint32_t>(batch.errors.size())));
  out.response["SecretValues"] = std::move(batch.values);
  if (batch.next_token.has_value()) out.response["NextToken"] = *batch.next_token;
  out.response["Errors"] = std::move(batch.errors);
  out.to_open = std::move(batch.to_open);
  return out;
}

}  // namespace cairn::service::internal
