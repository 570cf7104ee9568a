#include "service/cloudtrail.h"

#include <ctime>

#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "ledger/record.h"
#include "projections/secrets.h"
#include "schema/events_generated.h"
#include "service/internal/event_reader.h"
#include "service/principals.h"

namespace cairn::service {
namespace {

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

// A UUID-shaped event id derived from the leaf hash: stable across exports.
std::string EventId(const crypto::Digest& leaf) {
  std::string hex = crypto::ToHex(crypto::ByteView(leaf.data(), 16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
         "-" + hex.substr(20, 12);
}

Json UserIdentity(const ledger::Actor& actor, const TrailContext& ctx) {
  Json id = Json::object();
  if (actor.principal_type == "Service") {
    id["accountId"] = ctx.account_id;
    id["invokedBy"] = "cairn";
    return id;
  }
  id["type"] = actor.principal_type;
  id["principalId"] = actor.principal;
  // "user:alice" -> arn:aws:iam::<account>:user/alice, userName "alice".
  const size_t colon = actor.principal.find(':');
  const std::string kind = colon == std::string::npos ? "user" : actor.principal.substr(0, colon);
  const std::string name = colon == std::string::npos ? actor.principal : actor.principal.substr(colon + 1);
  id["arn"] = "arn:aws:iam::" + ctx.account_id + ":" + kind + "/" + name;
  id["accountId"] = ctx.account_id;
  id["userName"] = name;
  if (!actor.access_key_id.empty()) id["accessKeyId"] = actor.access_key_id;  // SigV4 (HTTP gateway)
  return id;
}

// Cairn's own operations and service events are not Secrets Manager's.
std::string EventSource(const std::string& action) {
  if (IsCairnOperation(action) || action == kUnauthenticatedAttempts) return "cairn";
  return "secretsmanager.amazonaws.com";
}

// CloudTrail's resource type for an ARN Cairn writes into an Audit.
std::string ResourceType(const std::string& arn) {
  if (arn.find(":iam::") != std::string::npos) {
    return arn.find(":role/") != std::string::npos ? "AWS::IAM::Role" : "AWS::IAM::User";
  }
  return "AWS::SecretsManager::Secret";
}

// What a rotation event adds as additional data: the run's token and step, the
// attempt and the handler's reason (never a secret). False for other events.
bool AddRotationDetails(const schema::Event& event, Json& j) {
  Json d;
  if (const auto* s = event.body_as_RotationStarted()) {
    d = {{"clientRequestToken", Str(s->token())}, {"handler", Str(s->handler())},
         {"rotationLambdaARN", Str(s->rotation_lambda_arn())}, {"testOnly", s->test_only()},
         {"scheduled", s->scheduled()}, {"resumed", s->resumed()}};
    if (s->next_rotation_unix_ms() != 0) {
      d["nextRotationDate"] = IsoTime(s->next_rotation_unix_ms());
    }
  } else if (const auto* r = event.body_as_RotationStepRequested()) {
    d = {{"clientRequestToken", Str(r->token())}, {"handler", Str(r->handler())},
         {"step", Str(r->step())}, {"attempt", r->attempt()},
         {"deadline", IsoTime(r->deadline_unix_ms())}};
  } else if (const auto* ok = event.body_as_RotationStepSucceeded()) {
    d = {{"clientRequestToken", Str(ok->token())}, {"step", Str(ok->step())}};
  } else if (const auto* f = event.body_as_RotationStepFailed()) {
    d = {{"clientRequestToken", Str(f->token())}, {"step", Str(f->step())},
         {"attempt", f->attempt()}, {"reason", Str(f->reason())}, {"timedOut", f->timed_out()}};
  } else if (const auto* done = event.body_as_RotationSucceeded()) {
    d = {{"clientRequestToken", Str(done->token())}, {"testOnly", done->test_only()}};
    if (done->previous_version_id() && done->previous_version_id()->size() > 0) {
      d["previousVersionId"] = Str(done->previous_version_id());
    }
    if (done->next_rotation_unix_ms() != 0) {
      d["nextRotationDate"] = IsoTime(done->next_rotation_unix_ms());
    }
  } else if (const auto* failed = event.body_as_RotationFailed()) {
    d = {{"clientRequestToken", Str(failed->token())}, {"step", Str(failed->step())},
         {"attempts", failed->attempts()}, {"reason", Str(failed->reason())}};
  } else if (const auto* c = event.body_as_RotationCancelled()) {
    d = {{"clientRequestToken", Str(c->token())}};
  } else if (const auto* l = event.body_as_RotationsListed()) {
    d = {{"handler", Str(l->handler())}, {"resultCount", l->result_count()}};
  } else {
    return false;  // RotationStatusRead adds nothing to its request
  }
  j["additionalEventData"] = std::move(d);
  return true;
}

// What the bodies of Cairn's own events add: the enrolled principal or the new
// access key (its metadata: the secret is never in an event) as the response,
// the page, count or access key changed as additional data; a rotation event's
// run (AddRotationDetails). Null for other events.
void AddBodyDetails(const schema::Event& event, Json& j) {
  if (AddRotationDetails(event, j)) return;
  if (const auto* p = event.body_as_PrincipalCreated()) {
    j["responseElements"] = {{"principal",
                              {{"name", Str(p->name())},
                               {"arn", Str(p->arn())},
                               {"principalType", Str(p->principal_type())},
                               {"publicKey", Str(p->public_key())},
                               {"admin", p->admin()}}}};
  } else if (const auto* k = event.body_as_AccessKeyCreated()) {
    // As IAM's CreateAccessKey in CloudTrail: the key's metadata, never its secret.
    j["responseElements"] = {{"accessKey",
                              {{"userName", Str(k->principal())},
                               {"accessKeyId", Str(k->access_key_id())},
                               {"status", projections::kAccessKeyActive}}}};
  } else if (const auto* u = event.body_as_AccessKeyUpdated()) {
    j["additionalEventData"] = {{"userName", Str(u->principal())},
                                {"accessKeyId", Str(u->access_key_id())},
                                {"status", Str(u->status())}};
  } else if (const auto* d = event.body_as_AccessKeyDeleted()) {
    j["additionalEventData"] = {{"userName", Str(d->principal())}, {"accessKeyId", Str(d->access_key_id())}};
  } else if (const auto* l = event.body_as_AccessKeysListed()) {
    j["additionalEventData"] = {{"resultCount", l->result_count()}};
  } else if (const auto* pd = event.body_as_PrincipalDeleted()) {
    if (pd->access_key_ids() != nullptr && pd->access_key_ids()->size() > 0) {
      Json ids = Json::array();
      for (const flatbuffers::String* id : *pd->access_key_ids()) ids.push_back(Str(id));
      j["additionalEventData"] = {{"deletedAccessKeyIds", std::move(ids)}};
    }
  } else if (const auto* w = event.body_as_SecretExpiryWarning()) {
    j["additionalEventData"] = {{"versionId", Str(w->version_id())},
                                {"expirationDate", IsoTime(w->expires_unix_ms())}};
  } else if (const auto* x = event.body_as_SecretExpired()) {
    j["additionalEventData"] = {{"versionId", Str(x->version_id())},
                                {"expirationDate", IsoTime(x->expires_unix_ms())}};
  } else if (const auto* r = event.body_as_AuditRecordsRead()) {
    j["additionalEventData"] = {{"fromSeq", r->from_seq()}, {"recordCount", r->record_count()}};
  } else if (const auto* s = event.body_as_ReplicaStatusReported()) {
    j["additionalEventData"] = {{"replicaId", Str(s->replica_id())},
                                {"headSeq", s->head_seq()},
                                {"headLeafHash", Str(s->head_leaf_hash())},
                                {"lagMs", s->lag_ms()},
                                {"pendingRecords", s->pending_records()},
                                {"verifiedTreeSize", s->verified_tree_size()}};
  } else if (const auto* p = event.body_as_ReplicaPromoted()) {
    j["additionalEventData"] = {{"replicaHead", p->replica_head()},
                                {"verifiedCheckpointSize", p->verified_checkpoint_size()},
                                {"verifiedCheckpointRoot", Str(p->verified_checkpoint_root())},
                                {"primaryHeadSeen", p->primary_head_seen()},
                                {"checkpointKey", Str(p->checkpoint_key())}};
  } else if (const auto* u = event.body_as_UnauthenticatedAttempts()) {
    j["additionalEventData"] = {{"attempts", u->attempts()},
                                {"distinctKeys", u->distinct_keys()},
                                {"since", IsoTime(u->since_unix_ms())},
                                {"until", IsoTime(u->until_unix_ms())}};
  }
}

}  // namespace

Result<TrailContext> TrailContextOf(const ledger::Store& store) {
  TrailContext context;
  ASSIGN_OR_RETURN(ledger::Base base, ledger::ReadBase(store));
  if (base.seq == 0) return context;
  ASSIGN_OR_RETURN(projections::SecretsView view, projections::SecretsView::Load(store));
  context.region = view.info().region;
  context.account_id = view.info().account_id;
  return context;
}

std::string IsoTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<Json> CloudTrailRecord(uint64_t seq, std::string_view bytes, TrailContext& ctx) {
  ASSIGN_OR_RETURN(ledger::RecordFields record, ledger::DecodeRecord(bytes));
  ASSIGN_OR_RETURN(const schema::Event* event, internal::ReadEvent(record.payload));
  if (const auto* init = event->body_as_LedgerInitialized()) {
    ctx.region = Str(init->region());
    ctx.account_id = Str(init->account_id());
  }
  const schema::Audit* audit = event->audit();
  Json j = Json::object();
  j["eventVersion"] = "1.11";
  j["userIdentity"] = UserIdentity(record.actor, ctx);
  j["eventTime"] = IsoTime(record.time_unix_ms);
  const std::string action = audit ? Str(audit->action()) : record.event_type;
  j["eventSource"] = EventSource(action);
  j["eventName"] = action;
  j["awsRegion"] = ctx.region;
  j["sourceIPAddress"] = record.actor.source;
  j["userAgent"] = record.actor.user_agent;
  if (audit && audit->error_code() && audit->error_code()->size() > 0) {
    j["errorCode"] = Str(audit->error_code());
    j["errorMessage"] = Str(audit->error_message());
  }
  Json params = nullptr;
  if (audit && audit->request_parameters() && audit->request_parameters()->size() > 0) {
    params = Json::parse(audit->request_parameters()->string_view(), nullptr, false);
    if (params.is_discarded()) params = nullptr;
  }
  j["requestParameters"] = params;
  j["responseElements"] = nullptr;
  AddBodyDetails(*event, j);
  j["requestID"] = record.actor.request_id;
  // The SDK's amz-sdk-invocation-id: one per logical call, the same across its retries.
  if (!record.actor.invocation_id.empty()) j["cairnInvocationId"] = record.actor.invocation_id;
  j["eventID"] = EventId(ledger::RecordLeafHash(bytes));
  j["readOnly"] = audit ? audit->read_only() : false;
  const std::string resource = audit ? Str(audit->resource()) : "";
  if (resource.rfind("arn:", 0) == 0) {
    j["resources"] = Json::array({{{"ARN", resource}, {"accountId", ctx.account_id},
                                   {"type", ResourceType(resource)}}});
  }
  j["eventType"] = audit && audit->event_category() ? Str(audit->event_category()) : "AwsApiCall";
  j["managementEvent"] = true;
  j["recipientAccountId"] = ctx.account_id;
  j["eventCategory"] = "Management";
  j["cairnEventType"] = record.event_type;
  // Why the call was allowed or refused (service/access.h); absent before access control.
  if (audit && audit->authorization()) {
    const schema::Authorization* authz = audit->authorization();
    j["cairnAuthorization"] = {{"decision", Str(authz->decision())},
                               {"policy", Str(authz->policy())},
                               {"statement", Str(authz->statement())}};
  }
  j["seq"] = seq;
  j["leafHash"] = crypto::ToHex(ledger::RecordLeafHash(bytes));
  return j;
}

}  // namespace cairn::service
