// FORMAT of SecretsView in the `state` family (format 1).
//
//   "applied_seq"    -> 8 bytes, big-endian u64 (ledger::SeqKey): last applied seq + 1
//   "info"           -> CBOR map {"account_id", "format": 1, "ledger_id",
//                       "master_key_id", "region"}
//   "secret/<arn>"   -> CBOR map, one per secret (live or pending deletion):
//       "arn": text, "name": text, "description": text (absent if never set),
//       "kms_key_id": text, "tags": [[key, value], ...] (insertion order),
//       "ever_tagged": bool, "created_ms", "last_changed_ms", "last_accessed_ms":
//       int, "deletion_date_ms": int (absent unless scheduled), "format": 1,
//       "next_version_order": uint,
//       "versions": {"<version id>": {"created_ms", "created_order",
//           "kek_version", "kind" (0 none, 1 string, 2 binary),
//           "last_accessed_ms", "stages": [text, ...] (sorted), "value_seq"}}
//
// The values are nlohmann::json documents serialized with to_cbor (RFC 8949):
// map keys come out in byte order (nlohmann's object is a std::map) and every
// integer in its shortest form, so equal state gives equal bytes and replay
// reproduces them. CBOR rather than JSON text because tag values, names and
// descriptions are arbitrary event strings: CBOR carries any bytes, while
// JSON's dump() throws on invalid UTF-8. Load re-encodes each entry and
// requires the same bytes back, which rejects anything not written by this code.
#include "projections/secrets.h"

#include <nlohmann/json.hpp>

#include <utility>

#include "projections/internal/evolve.h"
#include "schema/events_generated.h"

namespace cairn::projections {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;
constexpr char kSecretPrefix[] = "secret/";
constexpr char kInfoKey[] = "info";
constexpr char kAppliedSeqKey[] = "applied_seq";

std::string ToBytes(const json& j) {
  std::vector<uint8_t> cbor = json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

json VersionToJson(const Version& v) {
  json j = json::object();
  j["created_ms"] = v.created_ms;
  j["created_order"] = v.created_order;
  j["kek_version"] = v.kek_version;
  j["kind"] = static_cast<int>(v.kind);
  j["last_accessed_ms"] = v.last_accessed_ms;
  j["stages"] = v.stages;
  j["value_seq"] = v.value_seq;
  return j;
}

std::string EncodeSecret(const Secret& s) {
  json j = json::object();
  j["arn"] = s.arn;
  j["name"] = s.name;
  if (s.description) j["description"] = *s.description;
  j["kms_key_id"] = s.kms_key_id;
  j["tags"] = json::array();
  for (const auto& [key, value] : s.tags) j["tags"].push_back(json::array({key, value}));
  j["ever_tagged"] = s.ever_tagged;
  j["created_ms"] = s.created_ms;
  j["last_changed_ms"] = s.last_changed_ms;
  j["last_accessed_ms"] = s.last_accessed_ms;
  if (s.deletion_date_ms) j["deletion_date_ms"] = *s.deletion_date_ms;
  j["format"] = kFormat;
  j["next_version_order"] = s.next_version_order;
  j["versions"] = json::object();
  for (const auto& [id, version] : s.versions) j["versions"][id] = VersionToJson(version);
  return ToBytes(j);
}

std::string EncodeInfo(const LedgerInfo& info) {
  json j = json::object();
  j["account_id"] = info.account_id;
  j["format"] = kFormat;
  j["ledger_id"] = info.ledger_id;
  j["master_key_id"] = info.master_key_id;
  j["region"] = info.region;
  return ToBytes(j);
}

Result<json> ParseCbor(std::string_view bytes, std::string_view key) {
  json j = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true,
                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("state entry " + std::string(key) + " is not a CBOR map");
  }
  if (j.value("format", 0) != kFormat) {
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
  v.value_seq = j.at("value_seq").get<uint64_t>();
  return v;
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
  s.next_version_order = j.at("next_version_order").get<uint64_t>();
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
  auto it = versions.find(std::string(id));
  return it == versions.end() ? nullptr : &it->second;
}

const Version* Secret::VersionWithStage(std::string_view stage) const {
  for (const auto& [id, version] : versions) {
    if (version.stages.count(std::string(stage)) != 0) return &version;
  }
  return nullptr;
}

const Secret* SecretsView::FindByArn(std::string_view arn) const {
  auto it = secrets_.find(std::string(arn));
  return it == secrets_.end() ? nullptr : &it->second;
}

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
  const bool failed = audit != nullptr && audit->error_code() != nullptr &&
                      audit->error_code()->size() != 0;
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
    auto it = secrets_.find(arn);
    if (it == secrets_.end()) {
      out.Delete(ledger::Family::kState, kSecretPrefix + arn);
    } else {
      out.Put(ledger::Family::kState, kSecretPrefix + arn, EncodeSecret(it->second));
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
    view.secrets_.emplace(secret.arn, std::move(secret));
  }
  RETURN_IF_ERROR(it->status().WithContext("loading secrets state"));

  ASSIGN_OR_RETURN(std::optional<std::string> seq, store.Get(ledger::Family::kState, kAppliedSeqKey));
  ASSIGN_OR_RETURN(std::optional<std::string> info, store.Get(ledger::Family::kState, kInfoKey));
  if (!seq.has_value()) {  // nothing applied yet: only an empty state is consistent
    if (info.has_value() || !view.secrets_.empty()) {
      return DataLossError("state: entries present without applied_seq");
    }
    return view;
  }
  if (!info.has_value()) return DataLossError("state: applied_seq present without info");
  Result<uint64_t> applied = ledger::ParseSeqKey(*seq);
  if (!applied.ok()) return applied.status().WithContext("state entry applied_seq");
  view.applied_seq_ = *applied;
  ASSIGN_OR_RETURN(view.info_, DecodeInfo(*info));
  return view;
}

}  // namespace cairn::projections
