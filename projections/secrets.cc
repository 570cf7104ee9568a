// FORMAT of SecretsView in the `state` family (format 1).
//
//   "applied_seq"   -> 8 bytes: applied_seq (last applied seq + 1), big-endian
//                      u64 (ledger::SeqKey)
//   "info"          -> map {account_id: text, format: 1, ledger_id: text,
//                      master_key_id: text, region: text}
//   "secret/<arn>"  -> map, one per secret, live or pending deletion:
//       arn: text, created_ms: int, deletion_date_ms: int (only while scheduled),
//       deletion_forced: bool, description: text (only if set), ever_tagged: bool,
//       expiry: map (only while an expiry is set) {after_days: int,
//           expiration_ms: int, expired_version_id: text, version_id: text,
//           warned_version_id: text, warning_days: int},
//       format: 1, kms_key_id: text, last_accessed_ms: int, last_changed_ms: int,
//       name: text, next_version_order: uint,
//       rotation: map (only once any rotation member differs from its default:
//           a secret that never rotated has no such key) {
//           enabled: bool, lambda_arn: text, last_rotated_ms: int (0 = never),
//           next_rotation_ms: int (only if set),
//           rules: map {automatically_after_days: int (only if set),
//               duration: text (only if set), schedule_expression: text (only if set)},
//           run: map (only while a run is in flight or failed) {attempts: uint,
//               failed: bool, handler: text, last_error: text, last_failure_ms: int,
//               started_ms: int, step: text ("" once the last step succeeded),
//               step_deadline_ms: int, step_requested: bool, step_requested_ms: int,
//               test_only: bool, token: text}},
//       tags: [[key: text, value: text], ...] in insertion order,
//       versions: map {<version id>: map {created_ms: int, created_order: uint,
//           kek_version: uint, kind: uint (0 none, 1 string, 2 binary),
//           last_accessed_ms: int, stages: [text, ...] sorted,
//           value_digest: bytes (empty if none), value_seq: uint}}
//
// Values are CBOR (RFC 8949) written deterministically: every head in its
// shortest form, map keys in bytewise string order (the order listed above;
// std::map's, not RFC 8949 §4.2.1's length-first order), no tags, no floats.
// Equal state gives equal bytes, so replay reproduces them. Text items carry
// the event's string bytes unchanged: tag values, names and descriptions are
// arbitrary event strings, which a JSON text encoding could not hold when they
// are not valid UTF-8. internal::CborWriter writes the format and
// nlohmann::json::from_cbor reads it; nlohmann's own to_cbor emits the same
// bytes, and the tests use it as an oracle. Load re-encodes every entry and
// requires the same bytes back, so an entry not written by this code is DataLoss.
// The rotation and expiry members came after the first release without a
// format bump: each is absent unless set, so entries written before them load
// and re-encode to the same bytes.
#include "projections/secrets.h"

#include <nlohmann/json.hpp>
#include <tuple>
#include <utility>

#include "projections/internal/cbor_writer.h"
#include "projections/internal/evolve.h"
#include "schema/events_generated.h"

namespace cairn::projections {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;
constexpr char kSecretPrefix[] = "secret/";
constexpr char kInfoKey[] = "info";
constexpr char kAppliedSeqKey[] = "applied_seq";

// Keys in each map are written in bytewise order (see FORMAT).
void WriteVersion(internal::CborWriter& w, const Version& v) {
  w.Map(8);
  w.Key("created_ms").Int(v.created_ms);
  w.Key("created_order").Uint(v.created_order);
  w.Key("kek_version").Uint(v.kek_version);
  w.Key("kind").Uint(static_cast<uint8_t>(v.kind));
  w.Key("last_accessed_ms").Int(v.last_accessed_ms);
  w.Key("stages").Array(v.stages.size());
  for (const std::string& stage : v.stages) w.Text(stage);
  w.Key("value_digest").Bytes(v.value_digest);
  w.Key("value_seq").Uint(v.value_seq);
}

bool HasRotation(const Secret& s) {
  return s.rotation_enabled || !s.rotation_lambda_arn.empty() || !s.rotation_rules.empty() ||
         s.last_rotated_ms != 0 || s.next_rotation_ms.has_value() || s.rotation.has_value();
}

void WriteRules(internal::CborWriter& w, const RotationRules& r) {
  w.Map((r.automatically_after_days ? 1 : 0) + (r.duration ? 1 : 0) +
        (r.schedule_expression ? 1 : 0));
  if (r.automatically_after_days)
    w.Key("automatically_after_days").Int(*r.automatically_after_days);
  if (r.duration) w.Key("duration").Text(*r.duration);
  if (r.schedule_expression) w.Key("schedule_expression").Text(*r.schedule_expression);
}

// The flat maps (rotation run, expiry): one table of (key, member) per
// struct, in key order, serves both WriteMembers and ReadMembers, so the map
// size and each key are stated once.
template <typename S, typename T>
struct Member {
  const char* key;
  T S::*field;
};
// Spelled out for clang before 17, which deduces no aggregate's arguments.
template <typename S, typename T>
Member(const char*, T S::*) -> Member<S, T>;

constexpr std::tuple kRunMembers{
    Member{"attempts", &RotationRun::attempts},
    Member{"failed", &RotationRun::failed},
    Member{"handler", &RotationRun::handler},
    Member{"last_error", &RotationRun::last_error},
    Member{"last_failure_ms", &RotationRun::last_failure_ms},
    Member{"started_ms", &RotationRun::started_ms},
    Member{"step", &RotationRun::step},
    Member{"step_deadline_ms", &RotationRun::step_deadline_ms},
    Member{"step_requested", &RotationRun::step_requested},
    Member{"step_requested_ms", &RotationRun::step_requested_ms},
    Member{"test_only", &RotationRun::test_only},
    Member{"token", &RotationRun::token},
};

constexpr std::tuple kExpiryMembers{
    Member{"after_days", &SecretExpiry::expires_after_days},
    Member{"expiration_ms", &SecretExpiry::expiration_ms},
    Member{"expired_version_id", &SecretExpiry::expired_version_id},
    Member{"version_id", &SecretExpiry::version_id},
    Member{"warned_version_id", &SecretExpiry::warned_version_id},
    Member{"warning_days", &SecretExpiry::warning_days},
};

void Put(internal::CborWriter& w, bool v) { w.Bool(v); }
void Put(internal::CborWriter& w, int32_t v) { w.Int(v); }
void Put(internal::CborWriter& w, int64_t v) { w.Int(v); }
void Put(internal::CborWriter& w, uint32_t v) { w.Uint(v); }
void Put(internal::CborWriter& w, const std::string& v) { w.Text(v); }

template <typename S, typename... T>
void WriteMembers(internal::CborWriter& w, const S& s, const std::tuple<Member<S, T>...>& members) {
  w.Map(sizeof...(T));
  std::apply([&](const auto&... m) { (Put(w.Key(m.key), s.*m.field), ...); }, members);
}

// Throws nlohmann::json::exception on a missing member or a wrong type.
template <typename S, typename... T>
S ReadMembers(const json& j, const std::tuple<Member<S, T>...>& members) {
  S s;
  std::apply([&](const auto&... m) { (j.at(m.key).get_to(s.*m.field), ...); }, members);
  return s;
}

void WriteRotation(internal::CborWriter& w, const Secret& s) {
  w.Map(4 + (s.next_rotation_ms ? 1 : 0) + (s.rotation ? 1 : 0));
  w.Key("enabled").Bool(s.rotation_enabled);
  w.Key("lambda_arn").Text(s.rotation_lambda_arn);
  w.Key("last_rotated_ms").Int(s.last_rotated_ms);
  if (s.next_rotation_ms) w.Key("next_rotation_ms").Int(*s.next_rotation_ms);
  w.Key("rules");
  WriteRules(w, s.rotation_rules);
  if (s.rotation) {
    w.Key("run");
    WriteMembers(w, *s.rotation, kRunMembers);
  }
}

std::string EncodeSecret(const Secret& s) {
  internal::CborWriter w;
  const bool rotation = HasRotation(s);
  w.Map(12 + (s.deletion_date_ms ? 1 : 0) + (s.description ? 1 : 0) + (rotation ? 1 : 0) +
        (s.expiry ? 1 : 0));
  w.Key("arn").Text(s.arn);
  w.Key("created_ms").Int(s.created_ms);
  if (s.deletion_date_ms) w.Key("deletion_date_ms").Int(*s.deletion_date_ms);
  w.Key("deletion_forced").Bool(s.deletion_forced);
  if (s.description) w.Key("description").Text(*s.description);
  w.Key("ever_tagged").Bool(s.ever_tagged);
  if (s.expiry) {
    w.Key("expiry");
    WriteMembers(w, *s.expiry, kExpiryMembers);
  }
  w.Key("format").Uint(kFormat);
  w.Key("kms_key_id").Text(s.kms_key_id);
  w.Key("last_accessed_ms").Int(s.last_accessed_ms);
  w.Key("last_changed_ms").Int(s.last_changed_ms);
  w.Key("name").Text(s.name);
  w.Key("next_version_order").Uint(s.next_version_order);
  if (rotation) {
    w.Key("rotation");
    WriteRotation(w, s);
  }
  w.Key("tags").Array(s.tags.size());
  for (const auto& [key, value] : s.tags) {
    w.Array(2);
    w.Text(key);
    w.Text(value);
  }
  w.Key("versions").Map(s.versions.size());
  for (const auto& [id, version] : s.versions) {
    w.Key(id);
    WriteVersion(w, version);
  }
  return w.Take();
}

std::string EncodeInfo(const LedgerInfo& info) {
  internal::CborWriter w;
  w.Map(5);
  w.Key("account_id").Text(info.account_id);
  w.Key("format").Uint(kFormat);
  w.Key("ledger_id").Text(info.ledger_id);
  w.Key("master_key_id").Text(info.master_key_id);
  w.Key("region").Text(info.region);
  return w.Take();
}

Result<json> ParseCbor(std::string_view bytes, std::string_view key) {
  json j = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true,
                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("state entry " + std::string(key) + " is not a CBOR map");
  }
  auto format = j.find("format");
  if (format == j.end() || *format != kFormat) {
    return DataLossError("state entry " + std::string(key) + " has an unknown format");
  }
  return j;
}

// Throws nlohmann::json::exception on a missing member or a wrong type.
Version VersionFromJson(const std::string& id, const json& j) {
  Version v;
  v.version_id = id;
  v.created_ms = j.at("created_ms").get<int64_t>();
  v.created_order = j.at("created_order").get<uint64_t>();
  v.kek_version = j.at("kek_version").get<uint32_t>();
  v.kind = static_cast<ValueKind>(j.at("kind").get<uint8_t>());
  v.last_accessed_ms = j.at("last_accessed_ms").get<int64_t>();
  v.stages = j.at("stages").get<std::set<std::string>>();
  const json::binary_t& digest = j.at("value_digest").get_binary();
  v.value_digest.assign(digest.begin(), digest.end());
  v.value_seq = j.at("value_seq").get<uint64_t>();
  return v;
}

void RotationFromJson(const json& j, Secret& s) {
  s.rotation_enabled = j.at("enabled").get<bool>();
  s.rotation_lambda_arn = j.at("lambda_arn").get<std::string>();
  s.last_rotated_ms = j.at("last_rotated_ms").get<int64_t>();
  if (j.contains("next_rotation_ms")) s.next_rotation_ms = j.at("next_rotation_ms").get<int64_t>();
  const json& rules = j.at("rules");
  if (rules.contains("automatically_after_days")) {
    s.rotation_rules.automatically_after_days = rules.at("automatically_after_days").get<int64_t>();
  }
  if (rules.contains("duration"))
    s.rotation_rules.duration = rules.at("duration").get<std::string>();
  if (rules.contains("schedule_expression")) {
    s.rotation_rules.schedule_expression = rules.at("schedule_expression").get<std::string>();
  }
  if (j.contains("run")) s.rotation = ReadMembers(j.at("run"), kRunMembers);
}

Secret SecretFromJson(const json& j) {
  Secret s;
  s.arn = j.at("arn").get<std::string>();
  s.name = j.at("name").get<std::string>();
  if (j.contains("description")) s.description = j.at("description").get<std::string>();
  s.kms_key_id = j.at("kms_key_id").get<std::string>();
  for (const json& tag : j.at("tags")) {
    s.tags.emplace_back(tag.at(0).get<std::string>(), tag.at(1).get<std::string>());
  }
  s.ever_tagged = j.at("ever_tagged").get<bool>();
  s.created_ms = j.at("created_ms").get<int64_t>();
  s.last_changed_ms = j.at("last_changed_ms").get<int64_t>();
  s.last_accessed_ms = j.at("last_accessed_ms").get<int64_t>();
  if (j.contains("deletion_date_ms")) s.deletion_date_ms = j.at("deletion_date_ms").get<int64_t>();
  s.deletion_forced = j.at("deletion_forced").get<bool>();
  s.next_version_order = j.at("next_version_order").get<uint64_t>();
  if (j.contains("rotation")) RotationFromJson(j.at("rotation"), s);
  if (j.contains("expiry")) s.expiry = ReadMembers(j.at("expiry"), kExpiryMembers);
  for (const auto& [id, version] : j.at("versions").items()) {
    s.versions.emplace(id, VersionFromJson(id, version));
  }
  return s;
}

// Invariants a well-formed secret keeps: one version per label, known kinds.
Status CheckSecret(const Secret& s, std::string_view key) {
  std::set<std::string> labels;
  for (const auto& [id, version] : s.versions) {
    if (version.kind > ValueKind::kBinary) {
      return DataLossError("state entry " + std::string(key) + ": version " + id +
                           " has an unknown value kind");
    }
    for (const std::string& stage : version.stages) {
      if (!labels.insert(stage).second) {
        return DataLossError("state entry " + std::string(key) + ": label " + stage +
                             " is on two versions");
      }
    }
  }
  return Status::Ok();
}

Result<Secret> DecodeSecret(std::string_view bytes, std::string_view key) {
  ASSIGN_OR_RETURN(json j, ParseCbor(bytes, key));
  Secret secret;
  try {
    secret = SecretFromJson(j);
  } catch (const json::exception& e) {
    return DataLossError("state entry " + std::string(key) + ": " + e.what());
  }
  if (key.substr(sizeof(kSecretPrefix) - 1) != secret.arn) {
    return DataLossError("state entry " + std::string(key) + " holds secret " + secret.arn);
  }
  RETURN_IF_ERROR(CheckSecret(secret, key));
  if (EncodeSecret(secret) != bytes) {
    return DataLossError("state entry " + std::string(key) + " is not in canonical form");
  }
  return secret;
}

Result<LedgerInfo> DecodeInfo(std::string_view bytes) {
  ASSIGN_OR_RETURN(json j, ParseCbor(bytes, kInfoKey));
  LedgerInfo info;
  try {
    info.account_id = j.at("account_id").get<std::string>();
    info.ledger_id = j.at("ledger_id").get<std::string>();
    info.master_key_id = j.at("master_key_id").get<std::string>();
    info.region = j.at("region").get<std::string>();
  } catch (const json::exception& e) {
    return DataLossError(std::string("state entry info: ") + e.what());
  }
  if (EncodeInfo(info) != bytes) return DataLossError("state entry info is not in canonical form");
  return info;
}

}  // namespace

const Version* Secret::FindVersion(std::string_view id) const {
  auto it = versions.find(id);
  return it == versions.end() ? nullptr : &it->second;
}

std::optional<int64_t> SecretExpiry::ExpiresAt(const Version& version) const {
  constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
  if (expires_after_days > 0) return version.created_ms + expires_after_days * kDayMs;
  if (version_id == version.version_id) return expiration_ms;
  return std::nullopt;
}

const Version* Secret::VersionWithStage(std::string_view stage) const {
  for (const auto& [id, version] : versions) {
    if (version.stages.count(std::string(stage)) != 0) return &version;
  }
  return nullptr;
}

SecretCatalog& SecretCatalog::operator=(const SecretCatalog& other) {
  if (this != &other) {
    map_ = other.map_;
    Reindex();
  }
  return *this;
}

Secret* SecretCatalog::Find(std::string_view arn) {
  auto it = index_.find(arn);
  return it == index_.end() ? nullptr : it->second;
}

const Secret* SecretCatalog::Find(std::string_view arn) const {
  auto it = index_.find(arn);
  return it == index_.end() ? nullptr : it->second;
}

bool SecretCatalog::Insert(Secret secret) {
  std::string arn = secret.arn;
  auto [it, fresh] = map_.try_emplace(std::move(arn), std::move(secret));
  if (fresh) index_.emplace(it->first, &it->second);
  return fresh;
}

void SecretCatalog::Erase(std::string_view arn) {
  auto it = map_.find(arn);
  if (it == map_.end()) return;
  index_.erase(it->first);
  map_.erase(it);
}

void SecretCatalog::Reindex() {
  index_.clear();
  index_.reserve(map_.size());
  for (auto& [arn, secret] : map_) index_.emplace(arn, &secret);
}

const Secret* SecretsView::FindByArn(std::string_view arn) const { return secrets_.Find(arn); }

const Secret* SecretsView::FindByName(std::string_view name) const {
  auto it = name_index_.find(std::string(name));
  return it == name_index_.end() ? nullptr : FindByArn(it->second);
}

Status SecretsView::Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
                          std::vector<std::string>* touched) {
  if (seq < applied_seq_) {
    return DataLossError("seq " + std::to_string(seq) + ": already applied (applied_seq " +
                         std::to_string(applied_seq_) + ")");
  }
  const schema::Audit* audit = event.audit();
  const bool failed =
      audit != nullptr && audit->error_code() != nullptr && audit->error_code()->size() != 0;
  if (!failed) {
    internal::Catalog catalog{info_, secrets_, name_index_};
    RETURN_IF_ERROR(internal::ApplyBody(catalog, {seq, time_ms, touched}, event));
  }
  applied_seq_ = seq + 1;
  return Status::Ok();
}

void SecretsView::WriteTouched(const std::vector<std::string>& touched,
                               ledger::WriteSet& out) const {
  const std::set<std::string> arns(touched.begin(), touched.end());
  for (const std::string& arn : arns) {
    if (const Secret* secret = secrets_.Find(arn)) {
      out.Put(ledger::Family::kState, kSecretPrefix + arn, EncodeSecret(*secret));
    } else {
      out.Delete(ledger::Family::kState, kSecretPrefix + arn);
    }
  }
  out.Put(ledger::Family::kState, kInfoKey, EncodeInfo(info_));
  out.Put(ledger::Family::kState, kAppliedSeqKey, ledger::SeqKey(applied_seq_));
}

Result<SecretsView> SecretsView::Load(const ledger::Store& store) {
  SecretsView view;
  std::unique_ptr<ledger::StoreIterator> it = store.NewIterator(ledger::Family::kState);
  for (it->Seek(kSecretPrefix); it->Valid() && it->key().starts_with(kSecretPrefix); it->Next()) {
    ASSIGN_OR_RETURN(Secret secret, DecodeSecret(it->value(), it->key()));
    auto [pos, fresh] = view.name_index_.emplace(secret.name, secret.arn);
    if (!fresh) {
      return DataLossError("state: secrets " + pos->second + " and " + secret.arn +
                           " share the name " + secret.name);
    }
    view.secrets_.Insert(std::move(secret));
  }
  RETURN_IF_ERROR(it->status().WithContext("loading secrets state"));

  ASSIGN_OR_RETURN(std::optional<std::string> seq,
                   store.Get(ledger::Family::kState, kAppliedSeqKey));
  ASSIGN_OR_RETURN(std::optional<std::string> info, store.Get(ledger::Family::kState, kInfoKey));
  if (!seq.has_value()) {  // nothing applied yet: only an empty state is consistent
    if (info.has_value() || !view.secrets_.empty()) {
      return DataLossError("state: entries present without applied_seq");
    }
    return view;
  }
  if (!info.has_value()) return DataLossError("state: applied_seq present without info");
  if (seq->size() != 8) {
    return DataLossError("state entry applied_seq is " + std::to_string(seq->size()) +
                         " bytes, want 8");
  }
  ASSIGN_OR_RETURN(view.applied_seq_, ledger::ParseSeqKey(*seq));
  ASSIGN_OR_RETURN(view.info_, DecodeInfo(*info));
  return view;
}

}  // namespace cairn::projections
