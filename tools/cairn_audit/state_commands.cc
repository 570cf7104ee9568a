#include "tools/cairn_audit/state_commands.h"

#include <cstdio>
#include <ctime>

#include "ledger/ledger.h"
#include "projections/replay.h"
#include "service/api.h"
#include "service/cloudtrail.h"

namespace cairn::tools {
namespace {

using service::Json;

int Fail(const Status& s) {
  std::fprintf(stderr, "cairn-audit: error: %s\n", s.message().c_str());
  return 2;
}

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Rotation as DescribeSecret and GetRotationStatus show it (service/rotation.h):
// configuration once RotateSecret ran, the run while in flight or failed.
void AddRotation(const projections::Secret& s, Json& j) {
  if (s.rotation_enabled || !s.rotation_lambda_arn.empty() || !s.rotation_rules.empty()) {
    j["RotationEnabled"] = s.rotation_enabled;
  }
  if (!s.rotation_lambda_arn.empty()) j["RotationLambdaARN"] = s.rotation_lambda_arn;
  if (!s.rotation_rules.empty()) {
    Json rules = Json::object();
    const projections::RotationRules& r = s.rotation_rules;
    if (r.automatically_after_days) rules["AutomaticallyAfterDays"] = *r.automatically_after_days;
    if (r.duration) rules["Duration"] = *r.duration;
    if (r.schedule_expression) rules["ScheduleExpression"] = *r.schedule_expression;
    j["RotationRules"] = rules;
  }
  if (s.last_rotated_ms) j["LastRotatedDate"] = Seconds(s.last_rotated_ms);
  if (s.next_rotation_ms) j["NextRotationDate"] = Seconds(*s.next_rotation_ms);
  if (const auto& run = s.rotation) {
    j["Rotation"] = {{"ClientRequestToken", run->token},
                     {"Handler", run->handler},
                     {"State", run->failed ? "Failed" : "InProgress"},
                     {"Step", run->step},
                     {"StepRequested", run->step_requested},
                     {"Attempts", run->attempts},
                     {"LastError", run->last_error},
                     {"StartedDate", Seconds(run->started_ms)},
                     {"TestOnly", run->test_only}};
  }
}

Json SecretJson(const projections::Secret& s) {
  Json j = {{"ARN", s.arn}, {"Name", s.name}};
  if (s.description) j["Description"] = *s.description;
  if (!s.kms_key_id.empty()) j["KmsKeyId"] = s.kms_key_id;
  AddRotation(s, j);
  if (s.ever_tagged) {
    Json tags = Json::array();
    for (const auto& [k, v] : s.tags) tags.push_back({{"Key", k}, {"Value", v}});
    j["Tags"] = tags;
  }
  j["CreatedDate"] = Seconds(s.created_ms);
  j["LastChangedDate"] = Seconds(s.last_changed_ms);
  if (s.last_accessed_ms) j["LastAccessedDate"] = Seconds(s.last_accessed_ms);
  if (s.deletion_date_ms) j["DeletedDate"] = Seconds(*s.deletion_date_ms);
  Json versions = Json::array();
  for (const auto& [id, v] : s.versions) {
    Json e = {{"VersionId", id}, {"VersionStages", v.stages}, {"CreatedDate", Seconds(v.created_ms)}};
    if (v.kind == projections::ValueKind::kNone) e["HasValue"] = false;
    versions.push_back(e);
  }
  j["Versions"] = versions;
  return j;
}

// True if the record's resource names `secret`: the name itself, or the ARN of
// any secret that ever had that name (arn:...:secret:<name>-XXXXXX).
bool Touches(const Json& record, const std::string& secret) {
  if (!record.contains("resources") && !record.contains("requestParameters")) return false;
  auto matches = [&](const std::string& id) {
    if (id == secret) return true;
    const size_t colon = id.rfind(":secret:");
    if (id.rfind("arn:", 0) != 0 || colon == std::string::npos) return false;
    const std::string rest = id.substr(colon + 8);
    return rest.size() == secret.size() + 7 && rest.compare(0, secret.size(), secret) == 0 &&
           rest[secret.size()] == '-';
  };
  if (record.contains("resources")) {
    for (const auto& r : record["resources"]) {
      if (r.contains("ARN") && matches(r["ARN"].get<std::string>())) return true;
    }
  }
  // Request members name secrets only in Secrets Manager's calls (a
  // CreatePrincipal's name is a principal's).
  const Json& params = record["requestParameters"];
  if (params.is_object() && record.value("eventSource", "") == "secretsmanager.amazonaws.com") {
    for (const char* key : {"secretId", "name"}) {
      if (params.contains(key) && params[key].is_string() && matches(params[key].get<std::string>())) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Result<int64_t> ParseIsoTime(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return InvalidArgumentError("time '" + text + "' is not ISO-8601 like 2026-11-20T14:03:00Z");
  int64_t ms = 0;
  if (*rest == '.') {
    int64_t scale = 100;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) ms += (*rest - '0') * scale;
  }
  if (std::string(rest) != "Z") return InvalidArgumentError("time '" + text + "' must be UTC, ending in Z");
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

int ReplayCommand(const ledger::Store& store, const std::string& at, std::optional<uint64_t> seq) {
  projections::ReplayLimit limit;
  if (!at.empty()) {
    auto ms = ParseIsoTime(at);
    if (!ms.ok()) return Fail(ms.status());
    limit.until_unix_ms = *ms;
  }
  limit.until_seq = seq;
  auto result = projections::Replay(store, limit);
  if (!result.ok()) return Fail(result.status());
  Json secrets = Json::array();
  for (const auto& [arn, s] : result->views.secrets.secrets()) {
    Json j = SecretJson(s);
    if (const projections::ResourcePolicy* rp = result->views.policies.ResourcePolicyFor(arn)) {
      j["ResourcePolicy"] = rp->document;
    }
    secrets.push_back(std::move(j));
  }
  const projections::Views& views = result->views;
  Json principals = Json::array();
  for (const auto& [name, p] : views.principals.principals()) {
    Json tags = Json::array();
    for (const auto& [k, v] : p.tags) tags.push_back({{"Key", k}, {"Value", v}});
    Json attached = Json::array();
    for (const std::string& policy : views.policies.AttachedTo(name)) attached.push_back(policy);
    Json access_keys = Json::array();  // metadata only: the secrets stay sealed
    for (const projections::AccessKey* key : views.principals.AccessKeysOf(name)) {
      access_keys.push_back({{"AccessKeyId", key->id}, {"Status", key->status},
                             {"CreateDate", Seconds(key->created_ms)}});
    }
    principals.push_back({{"Name", name}, {"ARN", p.arn}, {"PrincipalType", p.principal_type},
                          {"PublicKey", p.public_key_z85}, {"Admin", p.admin}, {"Enabled", p.enabled},
                          {"Tags", tags}, {"AttachedPolicies", attached}, {"AccessKeys", access_keys},
                          {"CreatedDate", Seconds(p.created_ms)}});
  }
  Json policies = Json::array();
  for (const auto& [name, policy] : views.policies.policies()) {
    policies.push_back({{"PolicyName", name}, {"Arn", policy.arn}, {"Description", policy.description},
                        {"CreateDate", Seconds(policy.created_ms)}, {"PolicyDocument", policy.document}});
  }
  Json out = {{"records", result->records},
              {"last_seq", result->records == 0 ? Json(nullptr) : Json(result->records - 1)},
              {"last_event_time", service::IsoTime(result->last_time_unix_ms)},
              {"region", result->views.secrets.info().region},
              {"account_id", result->views.secrets.info().account_id},
              {"secrets", secrets},
              {"principals", principals},
              {"policies", policies}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int RebuildCommand(const ledger::Store& store) {
  auto result = projections::Replay(store);
  if (!result.ok()) return Fail(result.status());
  std::map<std::string, std::string> stored;
  auto it = store.NewIterator(ledger::Family::kState);
  for (it->SeekToFirst(); it->Valid(); it->Next()) stored[std::string(it->key())] = std::string(it->value());
  Json mismatched = Json::array();
  for (const auto& [key, value] : result->state_entries) {
    auto found = stored.find(key);
    if (found == stored.end() || found->second != value) mismatched.push_back(key);
  }
  for (const auto& [key, value] : stored) {
    if (!result->state_entries.count(key)) mismatched.push_back(key);
  }
  const bool ok = mismatched.empty();
  Json out = {{"ok", ok}, {"records", result->records}, {"entries", result->state_entries.size()},
              {"mismatched", mismatched}};
  std::printf("%s\n", out.dump().c_str());
  return ok ? 0 : 1;
}

int HistoryCommand(const ledger::Store& store, const std::string& secret) {
  auto trail = service::TrailContextOf(store);
  if (!trail.ok()) return Fail(trail.status());
  service::TrailContext& context = *trail;
  Status failure;
  Status s = ledger::ForEachRecord(store, 0, [&](std::string_view key, std::string_view bytes) {
    auto seq = ledger::ParseSeqKey(key);
    if (!seq.ok()) {
      failure = seq.status();
      return false;
    }
    auto record = service::CloudTrailRecord(*seq, bytes, context);
    if (!record.ok()) {
      failure = record.status().WithContext("seq " + std::to_string(*seq));
      return false;
    }
    if (Touches(*record, secret)) std::printf("%s\n", record->dump().c_str());
    return true;
  });
  if (!s.ok()) return Fail(s);
  if (!failure.ok()) return Fail(failure);
  return 0;
}

}  // namespace cairn::tools
