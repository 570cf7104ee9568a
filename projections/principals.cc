// FORMAT of PrincipalsView in the `state` family (format 1).
//
//   "principal/<name>" -> map, one per enrolled principal (deleted with it):
//       admin: bool, arn: text, created_ms: int, enabled: bool, format: 1,
//       name: text, principal_type: text ("User" | "Service"),
//       public_key: text (Z85, 40 characters),
//       tags: [[key: text, value: text], ...] in enrolment order
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
      break;
    }
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
  return view;
}

}  // namespace cairn::projections
