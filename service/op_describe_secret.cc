// DescribeSecret (API reference §2.7): works on secrets scheduled for deletion.
// Cairn adds "Expiry" to AWS's members when an expiry is set (internal/expiry.h).
#include "service/internal/expiry.h"
#include "service/internal/ops.h"
#include "service/internal/render.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {

Result<Outcome> DescribeSecret(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(ctx.params));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  Outcome out;
  out.SetBody(schema::CreateSecretDescribed(out.fbb, out.fbb.CreateString(secret->arn)));
  out.response = SecretJson(*secret, SecretShape::kDescribe);
  if (secret->expiry) out.response["Expiry"] = ExpiryJson(*secret, *secret->expiry);
  return out;
}

}  // namespace cairn::service::internal
