// FORMAT of PrincipalsView in the `state` family (format 1).
//
//   "principal/<name>" -> map, one per enrolled principal (deleted with it):
//       admin: bool, arn: text, created_ms: int, enabled: bool, format: 1,
//       name: text, principal_type: text ("User" | "Service"),
//       public_key: text (Z85, 40 characters),
//       tags: [[key: text, value: text], ...] in enrolment order
//   "access-key/<id>" -> map, one per access key (deleted with it or its principal):
//       ciphertext: bytes (nonce || AES-256-GCM(DEK, secret, aad) || tag; the
//       wrapped DEK is in the `keys` family under the same "access-key/<id>"),
//       created_ms: int, format: 1, id: text, kek_version: uint,
//       principal: text, status: text ("Active" | "Inactive")
//
// The same deterministic CBOR as secrets.cc's FORMAT: shortest heads, map keys
// in bytewise order (the order listed above), no tags, no floats; text items
// carry the event's string bytes unchanged. Load re-encodes every entry and
// requires the same bytes back, so an entry not written by this code is DataLoss.
#include "projections/principals.h"

#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "projections/internal/cbor_writer.h"
#include "schema/events_generated.h"

namespace cairn::projections {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;
constexpr char kPrincipalPrefix[] = "principal/";

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::string EncodePrincipal(const Principal& p) {
  internal::CborWriter w;
  w.Map(9);
  w.Key("admin").Bool(p.admin);
  w.Key("arn").Text(p.arn);
  w.Key("created_ms").Int(p.created_ms);
  w.Key("enabled").Bool(p.enabled);
  w.Key("format").Uint(kFormat);
  w.Key("name").Text(p.name);
  w.Key("principal_type").Text(p.principal_type);
  w.Key("public_key").Text(p.public_key_z85);
  w.Key("tags").Array(p.tags.size());
  for (const auto& [key, value] : p.tags) {
    w.Array(2);
    w.Text(key);
    w.Text(value);
  }
  return w.Take();
}

// Throws nlohmann::json::exception on a missing member or a wrong type.
Principal PrincipalFromJson(const json& j) {
  Principal p;
  p.admin = j.at("admin").get<bool>();
  p.arn = j.at("arn").get<std::string>();
  p.created_ms = j.at("created_ms").get<int64_t>();
  p.enabled = j.at("enabled").get<bool>();
  p.name = j.at("name").get<std::string>();
  p.principal_type = j.at("principal_type").get<std::string>();
  p.public_key_z85 = j.at("public_key").get<std::string>();
  for (const json& tag : j.at("tags")) {
    p.tags.emplace_back(tag.at(0).get<std::string>(), tag.at(1).get<std::string>());
  }
  return p;
}

Result<Principal> DecodePrincipal(std::string_view bytes, std::string_view key) {
  const std::string where = "state entry " + std::string(key);
  json j = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true,
                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLossError(where + " is not a CBOR map");
  auto format = j.find("format");
  if (format == j.end() || *format != kFormat) return DataLossError(where + " has an unknown format");
  Principal p;
  try {
    p = PrincipalFromJson(j);
  } catch (const json::exception& e) {
    return DataLossError(where + ": " + e.what());
  }
  if (key.substr(sizeof(kPrincipalPrefix) - 1) != p.name) {
    return DataLossError(where + " holds principal " + p.name);
  }
  if (EncodePrincipal(p) != bytes) return DataLossError(where + " is not in canonical form");
  return p;
}

std::string EncodeAccessKey(const AccessKey& k) {
  internal::CborWriter w;
  w.Map(7);
  w.Key("ciphertext").Bytes(k.ciphertext);
  w.Key("created_ms").Int(k.created_ms);
  w.Key("format").Uint(kFormat);
  w.Key("id").Text(k.id);
  w.Key("kek_version").Uint(k.kek_version);
  w.Key("principal").Text(k.principal);
  w.Key("status").Text(k.status);
  return w.Take();
}

bool IsAccessKeyStatus(std::string_view status) {
  return status == kAccessKeyActive || status == kAccessKeyInactive;
}

Result<AccessKey> DecodeAccessKey(std::string_view bytes, std::string_view key) {
  const std::string where = "state entry " + std::string(key);
  json j = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true,
                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLossError(where + " is not a CBOR map");
  auto format = j.find("format");
  if (format == j.end() || *format != kFormat) return DataLossError(where + " has an unknown format");
  AccessKey k;
  try {
    const json::binary_t& ciphertext = j.at("ciphertext").get_binary();
    k.ciphertext.assign(ciphertext.begin(), ciphertext.end());
    k.created_ms = j.at("created_ms").get<int64_t>();
    k.id = j.at("id").get<std::string>();
    k.kek_version = j.at("kek_version").get<uint32_t>();
    k.principal = j.at("principal").get<std::string>();
    k.status = j.at("status").get<std::string>();
  } catch (const json::exception& e) {
    return DataLossError(where + ": " + e.what());
  }
  if (key.substr(sizeof(kAccessKeyPrefix) - 1) != k.id) return DataLossError(where + " holds access key " + k.id);
  if (!IsAccessKeyStatus(k.status)) return DataLossError(where + " has status " + k.status);
  if (EncodeAccessKey(k) != bytes) return DataLossError(where + " is not in canonical form");
  return k;
}

std::string TouchedKey(const std::string& id) { return kAccessKeyPrefix + id; }

Principal FromEvent(const schema::PrincipalCreated& body, int64_t time_ms) {
  Principal p;
  p.name = Str(body.name());
  p.arn = Str(body.arn());
  p.principal_type = Str(body.principal_type());
  p.public_key_z85 = Str(body.public_key());
  p.admin = body.admin();
  if (body.tags() != nullptr) {
    for (const schema::Tag* tag : *body.tags()) p.tags.emplace_back(Str(tag->key()), Str(tag->value()));
  }
  p.created_ms = time_ms;
  return p;
}

}  // namespace

const Principal* PrincipalsView::FindByName(std::string_view name) const {
  auto it = principals_.find(std::string(name));
  return it == principals_.end() ? nullptr : &it->second;
}

const Principal* PrincipalsView::FindByKey(std::string_view public_key_z85) const {
  auto it = key_index_.find(std::string(public_key_z85));
  return it == key_index_.end() ? nullptr : FindByName(it->second);
}

const AccessKey* PrincipalsView::FindAccessKey(std::string_view access_key_id) const {
  auto it = access_keys_.find(access_key_id);
  return it == access_keys_.end() ? nullptr : &it->second;
}

std::vector<const AccessKey*> PrincipalsView::AccessKeysOf(std::string_view principal) const {
  std::vector<const AccessKey*> keys;
  for (const auto& [id, key] : access_keys_) {
    if (key.principal == principal) keys.push_back(&key);
  }
  return keys;
}

Status PrincipalsView::Insert(Principal principal, std::string_view where) {
  if (principal.name.empty() || principal.public_key_z85.empty()) {
    return DataLossError(std::string(where) + ": a principal without a name or public key");
  }
  if (principals_.count(principal.name) != 0) {
    return DataLossError(std::string(where) + ": principal " + principal.name + " exists already");
  }
  auto [pos, fresh] = key_index_.emplace(principal.public_key_z85, principal.name);
  if (!fresh) {
    return DataLossError(std::string(where) + ": principals " + pos->second + " and " +
                         principal.name + " share a public key");
  }
  std::string name = principal.name;
  principals_.emplace(std::move(name), std::move(principal));
  return Status::Ok();
}

Result<Principal*> PrincipalsView::Find(const std::string& name, std::string_view where) {
  auto it = principals_.find(name);
  if (it == principals_.end()) return DataLossError(std::string(where) + " names absent principal " + name);
  return &it->second;
}

Status PrincipalsView::RotateKey(Principal& principal, std::string key, std::string_view where) {
  if (key.empty()) return DataLossError(std::string(where) + ": a principal without a public key");
  if (key == principal.public_key_z85) return Status::Ok();
  auto [pos, fresh] = key_index_.emplace(key, principal.name);
  if (!fresh) {
    return DataLossError(std::string(where) + ": principals " + pos->second + " and " +
                         principal.name + " share a public key");
  }
  key_index_.erase(principal.public_key_z85);
  principal.public_key_z85 = std::move(key);
  return Status::Ok();
}

Status PrincipalsView::InsertAccessKey(AccessKey key, std::string_view where) {
  if (key.id.empty() || key.ciphertext.empty()) {
    return DataLossError(std::string(where) + ": an access key without an id or ciphertext");
  }
  if (principals_.count(key.principal) == 0) {
    return DataLossError(std::string(where) + ": access key " + key.id + " of absent principal " +
                         key.principal);
  }
  if (access_keys_.count(key.id) != 0) {
    return DataLossError(std::string(where) + ": access key " + key.id + " exists already");
  }
  std::string id = key.id;
  access_keys_.emplace(std::move(id), std::move(key));
  return Status::Ok();
}

Result<AccessKey*> PrincipalsView::FindOwnedKey(const std::string& id, const std::string& principal,
                                                std::string_view where) {
  auto it = access_keys_.find(id);
  if (it == access_keys_.end() || it->second.principal != principal) {
    return DataLossError(std::string(where) + " names access key " + id + ", which principal " +
                         principal + " does not have");
  }
  return &it->second;
}

Status PrincipalsView::ApplyAccessKey(const schema::Event& event, int64_t time_ms,
                                      const std::string& at, std::vector<std::string>* touched) {
  std::string id;
  switch (event.body_type()) {
    case schema::Body::AccessKeyCreated: {
      const schema::AccessKeyCreated& body = *event.body_as_AccessKeyCreated();
      AccessKey k;
      k.id = Str(body.access_key_id());
      k.principal = Str(body.principal());
      k.status = kAccessKeyActive;
      k.created_ms = time_ms;
      if (body.ciphertext() != nullptr) {
        k.ciphertext.assign(reinterpret_cast<const char*>(body.ciphertext()->data()),
                            body.ciphertext()->size());
      }
      k.kek_version = body.kek_version();
      id = k.id;
      RETURN_IF_ERROR(InsertAccessKey(std::move(k), at + ": AccessKeyCreated"));
      break;
    }
    case schema::Body::AccessKeyUpdated: {
      const schema::AccessKeyUpdated& body = *event.body_as_AccessKeyUpdated();
      id = Str(body.access_key_id());
      const std::string status = Str(body.status());
      if (!IsAccessKeyStatus(status)) {
        return DataLossError(at + ": AccessKeyUpdated sets status " + status);
      }
      ASSIGN_OR_RETURN(AccessKey * k, FindOwnedKey(id, Str(body.principal()), at + ": AccessKeyUpdated"));
      k->status = status;
      break;
    }
    case schema::Body::AccessKeyDeleted: {
      const schema::AccessKeyDeleted& body = *event.body_as_AccessKeyDeleted();
      id = Str(body.access_key_id());
      ASSIGN_OR_RETURN(AccessKey * k, FindOwnedKey(id, Str(body.principal()), at + ": AccessKeyDeleted"));
      (void)k;
      access_keys_.erase(id);
      break;
    }
    default:
      return Status::Ok();
  }
  if (touched != nullptr) touched->push_back(TouchedKey(id));
  return Status::Ok();
}

Status PrincipalsView::Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
                             std::vector<std::string>* touched) {
  const schema::Audit* audit = event.audit();
  if (audit != nullptr && audit->error_code() != nullptr && audit->error_code()->size() != 0) {
    return Status::Ok();
  }
  const std::string at = "seq " + std::to_string(seq);
  std::string name;
  switch (event.body_type()) {
    case schema::Body::PrincipalCreated: {
      Principal p = FromEvent(*event.body_as_PrincipalCreated(), time_ms);
      name = p.name;
      RETURN_IF_ERROR(Insert(std::move(p), at));
      break;
    }
    case schema::Body::PrincipalUpdated: {
      const schema::PrincipalUpdated& body = *event.body_as_PrincipalUpdated();
      name = Str(body.name());
      ASSIGN_OR_RETURN(Principal * p, Find(name, at + ": PrincipalUpdated"));
      p->enabled = body.enabled();
      p->admin = body.admin();
      break;
    }
    case schema::Body::PrincipalKeyRotated: {
      const schema::PrincipalKeyRotated& body = *event.body_as_PrincipalKeyRotated();
      name = Str(body.name());
      ASSIGN_OR_RETURN(Principal * p, Find(name, at + ": PrincipalKeyRotated"));
      RETURN_IF_ERROR(RotateKey(*p, Str(body.public_key()), at));
      break;
    }
    case schema::Body::PrincipalDeleted: {
      name = Str(event.body_as_PrincipalDeleted()->name());
      ASSIGN_OR_RETURN(Principal * p, Find(name, at + ": PrincipalDeleted"));
      key_index_.erase(p->public_key_z85);
      principals_.erase(name);
      for (auto it = access_keys_.begin(); it != access_keys_.end();) {
        if (it->second.principal != name) {
          ++it;
          continue;
        }
        if (touched != nullptr) touched->push_back(TouchedKey(it->first));
        it = access_keys_.erase(it);
      }
      break;
    }
    case schema::Body::AccessKeyCreated:
    case schema::Body::AccessKeyUpdated:
    case schema::Body::AccessKeyDeleted:
      return ApplyAccessKey(event, time_ms, at, touched);
    default:
      return Status::Ok();  // other views' events and reads
  }
  if (touched != nullptr) touched->push_back(name);
  return Status::Ok();
}

void PrincipalsView::WriteTouched(const std::vector<std::string>& touched,
                                  ledger::WriteSet& out) const {
  const std::set<std::string> names(touched.begin(), touched.end());
  for (const std::string& name : names) {
    if (name.starts_with(kAccessKeyPrefix)) {
      const AccessKey* key = FindAccessKey(std::string_view(name).substr(sizeof(kAccessKeyPrefix) - 1));
      if (key == nullptr) {
        out.Delete(ledger::Family::kState, name);
      } else {
        out.Put(ledger::Family::kState, name, EncodeAccessKey(*key));
      }
      continue;
    }
    auto it = principals_.find(name);
    if (it == principals_.end()) {
      out.Delete(ledger::Family::kState, kPrincipalPrefix + name);
    } else {
      out.Put(ledger::Family::kState, kPrincipalPrefix + name, EncodePrincipal(it->second));
    }
  }
}

Result<PrincipalsView> PrincipalsView::Load(const ledger::Store& store) {
  PrincipalsView view;
  std::unique_ptr<ledger::StoreIterator> it = store.NewIterator(ledger::Family::kState);
  for (it->Seek(kPrincipalPrefix); it->Valid() && it->key().starts_with(kPrincipalPrefix);
       it->Next()) {
    ASSIGN_OR_RETURN(Principal p, DecodePrincipal(it->value(), it->key()));
    RETURN_IF_ERROR(view.Insert(std::move(p), "state entry " + std::string(it->key())));
  }
  RETURN_IF_ERROR(it->status().WithContext("loading principals state"));
  // After the principals: every key must belong to one.
  std::unique_ptr<ledger::StoreIterator> keys = store.NewIterator(ledger::Family::kState);
  for (keys->Seek(kAccessKeyPrefix); keys->Valid() && keys->key().starts_with(kAccessKeyPrefix);
       keys->Next()) {
    ASSIGN_OR_RETURN(AccessKey k, DecodeAccessKey(keys->value(), keys->key()));
    RETURN_IF_ERROR(view.InsertAccessKey(std::move(k), "state entry " + std::string(keys->key())));
  }
  RETURN_IF_ERROR(keys->status().WithContext("loading access keys state"));
  return view;
}

}  // namespace cairn::projections
