// UpdateSecretVersionStage (API reference §2.6, labels §3.2): moves, adds or
// removes one staging label. The result is previewed with projections/labels.h
// to enforce the 20-label quota.
#include <optional>

#include "projections/labels.h"
#include "service/internal/ops.h"
#include "service/internal/resolve.h"
#include "service/internal/validate.h"

namespace cairn::service::internal {
namespace {

struct StageMove {
  std::string stage;
  std::optional<std::string> remove_from;
  std::optional<std::string> move_to;
};

// The preconditions of §2.6 rules 1-3, and AWSCURRENT never left without a home.
Status CheckMove(const projections::Secret& secret, const StageMove& m) {
  if (!m.remove_from.has_value() && !m.move_to.has_value()) {
    return InvalidArgumentError("You must specify RemoveFromVersionId, MoveToVersionId or both.");
  }
  if (m.remove_from.has_value()) {
    const projections::Version* from = secret.FindVersion(*m.remove_from);
    if (from == nullptr || from->stages.count(m.stage) == 0) {
      return InvalidArgumentError("The staging label " + m.stage + " is not attached to version " +
                                  *m.remove_from + ", so you can't remove it.");
    }
  }
  const projections::Version* holder = secret.VersionWithStage(m.stage);
  if (m.move_to.has_value() && holder != nullptr &&
      holder->version_id != m.remove_from.value_or("") && holder->version_id != *m.move_to) {
    return InvalidArgumentError(
        "The parameter RemoveFromVersionId can't be empty. Staging label " + m.stage +
        " is currently attached to version " + holder->version_id +
        ", so you must explicitly reference that version in RemoveFromVersionId.");
  }
  if (m.move_to.has_value() && secret.FindVersion(*m.move_to) == nullptr) {
    return NotFoundError("Secrets Manager can't find the specified secret value for VersionId: " +
                         *m.move_to);
  }
  if (m.stage == projections::kAwsCurrent && !m.move_to.has_value()) {
    return InvalidArgumentError(
        "You can't remove the staging label AWSCURRENT without moving it to another "
        "version (specify MoveToVersionId).");
  }
  return Status::Ok();
}

}  // namespace

Result<Outcome> UpdateSecretVersionStage(OpContext& ctx) {
  const Params& p = ctx.params;
  ASSIGN_OR_RETURN(std::string secret_id, ReadSecretId(p));
  StageMove m;
  ASSIGN_OR_RETURN(m.stage, p.RequiredString("VersionStage", 1, 256));
  ASSIGN_OR_RETURN(m.remove_from, p.String("RemoveFromVersionId", 32, 64));
  ASSIGN_OR_RETURN(m.move_to, p.String("MoveToVersionId", 32, 64));
  ASSIGN_OR_RETURN(const projections::Secret* secret, ResolveLiveSecret(ctx.state, secret_id));
  ctx.resource = secret->arn;
  RETURN_IF_ERROR(CheckMove(*secret, m));

  projections::Secret preview = *secret;
  projections::MoveStage(preview, m.stage, m.remove_from.value_or(""), m.move_to.value_or(""));
  if (projections::CountLabels(preview) > kMaxLabelsPerSecret) {
    return ResourceExhaustedError(
        "You can't attach more than 20 staging labels to the versions of a secret.");
  }
  Outcome out;
  auto arn = out.fbb.CreateString(secret->arn);
  auto stage = out.fbb.CreateString(m.stage);
  auto from = out.fbb.CreateString(m.remove_from.value_or(""));
  auto to = out.fbb.CreateString(m.move_to.value_or(""));
  out.SetBody(schema::CreateVersionStageUpdated(out.fbb, arn, stage, from, to));
  out.response = {{"ARN", secret->arn}, {"Name", secret->name}};
  return out;
}

}  // namespace cairn::service::internal
