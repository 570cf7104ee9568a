// FORMAT of PoliciesView in the `state` family (format 1).
//
//   "policy/<name>" -> map, one per identity policy:
//       arn: text, created_ms: int, description: text, document: text,
//       format: 1, name: text
//   "attached/<principal>" -> map, one per principal with a policy attached:
//       format: 1, policies: [text, ...] (policy names, sorted bytewise, unique,
//       never empty: the entry is deleted with its last attachment)
//   "resource-policy/<secret ARN>" -> map, one per secret with a resource policy:
//       document: text, format: 1, secret_arn: text
//
// The same deterministic CBOR as secrets.cc's FORMAT: shortest heads, map keys
// in bytewise order (the order listed above), no tags, no floats; text items
// carry the event's string bytes unchanged (documents exactly as given). No
// compiled form is stored: Load compiles every document again, with the
// ledger's account id for resource policies. Load re-encodes every entry and
// requires the same bytes back, so an entry not written by this code is
// DataLoss; so is a document that does not compile, an attachment naming an
// absent policy, and an entry under another entry's key.
#include "projections/policies.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "projections/internal/cbor_writer.h"
#include "schema/events_generated.h"

namespace cairn::projections {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;
constexpr std::string_view kPolicyPrefix = "policy/";
constexpr std::string_view kAttachedPrefix = "attached/";
constexpr std::string_view kResourcePolicyPrefix = "resource-policy/";

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::string KeyOf(const PolicyKey& key) {
  switch (key.kind) {
    case PolicyKey::Kind::kPolicy:
      return std::string(kPolicyPrefix) + key.name;
    case PolicyKey::Kind::kAttached:
      return std::string(kAttachedPrefix) + key.name;
    case PolicyKey::Kind::kResourcePolicy:
      return std::string(kResourcePolicyPrefix) + key.name;
  }
  return std::string();
}

std::string EncodePolicy(const Policy& p) {
  internal::CborWriter w;
  w.Map(6);
  w.Key("arn").Text(p.arn);
  w.Key("created_ms").Int(p.created_ms);
  w.Key("description").Text(p.description);
  w.Key("document").Text(p.document);
  w.Key("format").Uint(kFormat);
  w.Key("name").Text(p.name);
  return w.Take();
}

std::string EncodeAttached(const std::set<std::string, std::less<>>& policies) {
  internal::CborWriter w;
  w.Map(2);
  w.Key("format").Uint(kFormat);
  w.Key("policies").Array(policies.size());
  for (const std::string& name : policies) w.Text(name);
  return w.Take();
}

std::string EncodeResourcePolicy(const ResourcePolicy& r) {
  internal::CborWriter w;
  w.Map(3);
  w.Key("document").Text(r.document);
  w.Key("format").Uint(kFormat);
  w.Key("secret_arn").Text(r.secret_arn);
  return w.Take();
}

// The entry's map, checked for its format. DataLoss otherwise.
Result<json> DecodeMap(std::string_view bytes, const std::string& where) {
  json j = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true,
                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLossError(where + " is not a CBOR map");
  auto format = j.find("format");
  if (format == j.end() || *format != kFormat)
    return DataLossError(where + " has an unknown format");
  return j;
}

// Runs `read` (which may throw json::exception on a missing member or a wrong
// type), then requires `encode(value)` to give `bytes` back.
template <typename T, typename Read, typename Encode>
Result<T> DecodeEntry(std::string_view bytes, const std::string& where, Read read, Encode encode) {
  ASSIGN_OR_RETURN(json j, DecodeMap(bytes, where));
  T value;
  try {
    value = read(j);
  } catch (const json::exception& e) {
    return DataLossError(where + ": " + e.what());
  }
  if (encode(value) != bytes) return DataLossError(where + " is not in canonical form");
  return value;
}

Result<std::shared_ptr<const iam::CompiledPolicy>> CompileAs(const std::string& document,
                                                             iam::PolicyKind kind,
                                                             const std::string& account_id,
                                                             const std::string& what) {
  auto compiled = iam::Compile(document, {kind, account_id});
  if (!compiled.ok())
    return DataLossError(what + " does not compile: " + compiled.status().message());
  return std::move(compiled).value();
}

bool Failed(const schema::Event& event) {
  const schema::Audit* audit = event.audit();
  return audit != nullptr && audit->error_code() != nullptr && audit->error_code()->size() != 0;
}

}  // namespace

const Policy* PoliciesView::FindPolicy(std::string_view name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

const std::set<std::string, std::less<>>& PoliciesView::AttachedTo(
    std::string_view principal) const {
  static const std::set<std::string, std::less<>> kNone;
  auto it = attached_.find(principal);
  return it == attached_.end() ? kNone : it->second;
}

size_t PoliciesView::AttachmentCount(std::string_view policy) const {
  size_t count = 0;
  for (const auto& [principal, names] : attached_) count += names.count(policy);
  return count;
}

const ResourcePolicy* PoliciesView::ResourcePolicyFor(std::string_view secret_arn) const {
  auto it = resource_policies_.find(secret_arn);
  return it == resource_policies_.end() ? nullptr : &it->second;
}

// One case per event body: a switch reads as the table of what changes the
// view, which is why this runs past the usual function length.
Status PoliciesView::Apply(uint64_t seq, int64_t time_ms, const schema::Event& event,
                           std::vector<PolicyKey>* touched) {
  if (Failed(event)) return Status::Ok();
  const std::string at = "seq " + std::to_string(seq) + ": ";
  std::vector<PolicyKey> keys;
  switch (event.body_type()) {
    case schema::Body::LedgerInitialized:
      if (account_id_.empty()) account_id_ = Str(event.body_as_LedgerInitialized()->account_id());
      break;
    case schema::Body::PolicyCreated: {
      const schema::PolicyCreated& body = *event.body_as_PolicyCreated();
      Policy p;
      p.name = Str(body.name());
      p.arn = Str(body.arn());
      p.description = Str(body.description());
      p.document = Str(body.document());
      p.created_ms = time_ms;
      if (p.name.empty()) return DataLossError(at + "a policy without a name");
      if (policies_.count(p.name) != 0)
        return DataLossError(at + "policy " + p.name + " exists already");
      ASSIGN_OR_RETURN(p.compiled, CompileAs(p.document, iam::PolicyKind::kIdentity, account_id_,
                                             at + "policy " + p.name));
      keys.push_back({PolicyKey::Kind::kPolicy, p.name});
      std::string name = p.name;
      policies_.emplace(std::move(name), std::move(p));
      break;
    }
    case schema::Body::PolicyDeleted: {
      const std::string name = Str(event.body_as_PolicyDeleted()->name());
      auto it = policies_.find(name);
      if (it == policies_.end())
        return DataLossError(at + "PolicyDeleted for absent policy " + name);
      if (size_t n = AttachmentCount(name); n != 0) {
        return DataLossError(at + "PolicyDeleted for policy " + name + ", attached to " +
                             std::to_string(n) + " principal(s)");
      }
      policies_.erase(it);
      keys.push_back({PolicyKey::Kind::kPolicy, name});
      break;
    }
    case schema::Body::PrincipalPolicyAttached: {
      const schema::PrincipalPolicyAttached& body = *event.body_as_PrincipalPolicyAttached();
      const std::string principal = Str(body.principal());
      const std::string policy = Str(body.policy());
      if (policies_.count(policy) == 0) {
        return DataLossError(at + "PrincipalPolicyAttached names absent policy " + policy);
      }
      attached_[principal].insert(policy);  // attaching twice is a no-op, as in IAM
      keys.push_back({PolicyKey::Kind::kAttached, principal});
      break;
    }
    case schema::Body::PrincipalPolicyDetached: {
      const schema::PrincipalPolicyDetached& body = *event.body_as_PrincipalPolicyDetached();
      const std::string principal = Str(body.principal());
      const std::string policy = Str(body.policy());
      if (policies_.count(policy) == 0) {
        return DataLossError(at + "PrincipalPolicyDetached names absent policy " + policy);
      }
      if (auto it = attached_.find(principal); it != attached_.end()) {
        it->second.erase(policy);
        if (it->second.empty()) attached_.erase(it);
      }
      keys.push_back({PolicyKey::Kind::kAttached, principal});
      break;
    }
    case schema::Body::PrincipalDeleted: {
      const std::string principal = Str(event.body_as_PrincipalDeleted()->name());
      if (attached_.erase(principal) != 0) keys.push_back({PolicyKey::Kind::kAttached, principal});
      break;
    }
    case schema::Body::ResourcePolicyPut: {
      const schema::ResourcePolicyPut& body = *event.body_as_ResourcePolicyPut();
      ResourcePolicy r;
      r.secret_arn = Str(body.arn());
      r.document = Str(body.document());
      if (r.secret_arn.empty()) return DataLossError(at + "a resource policy without a secret ARN");
      ASSIGN_OR_RETURN(r.compiled, CompileAs(r.document, iam::PolicyKind::kResource, account_id_,
                                             at + "the resource policy of " + r.secret_arn));
      keys.push_back({PolicyKey::Kind::kResourcePolicy, r.secret_arn});
      std::string arn = r.secret_arn;
      resource_policies_.insert_or_assign(std::move(arn), std::move(r));
      break;
    }
    case schema::Body::ResourcePolicyDeleted: {
      const std::string arn = Str(event.body_as_ResourcePolicyDeleted()->arn());
      if (resource_policies_.erase(arn) != 0)
        keys.push_back({PolicyKey::Kind::kResourcePolicy, arn});
      break;
    }
    case schema::Body::SecretPurged: {
      const std::string arn = Str(event.body_as_SecretPurged()->arn());
      if (resource_policies_.erase(arn) != 0)
        keys.push_back({PolicyKey::Kind::kResourcePolicy, arn});
      break;
    }
    default:
      break;  // other views' events and reads
  }
  if (touched != nullptr) touched->insert(touched->end(), keys.begin(), keys.end());
  return Status::Ok();
}

void PoliciesView::WriteTouched(const std::vector<PolicyKey>& touched,
                                ledger::WriteSet& out) const {
  const std::set<PolicyKey> keys(touched.begin(), touched.end());
  for (const PolicyKey& key : keys) {
    std::optional<std::string> value;
    switch (key.kind) {
      case PolicyKey::Kind::kPolicy:
        if (const Policy* p = FindPolicy(key.name)) value = EncodePolicy(*p);
        break;
      case PolicyKey::Kind::kAttached:
        if (auto it = attached_.find(key.name); it != attached_.end())
          value = EncodeAttached(it->second);
        break;
      case PolicyKey::Kind::kResourcePolicy:
        if (const ResourcePolicy* r = ResourcePolicyFor(key.name)) value = EncodeResourcePolicy(*r);
        break;
    }
    if (value) {
      out.Put(ledger::Family::kState, KeyOf(key), *value);
    } else {
      out.Delete(ledger::Family::kState, KeyOf(key));
    }
  }
}

namespace {

// Calls `load(key, value, where)` for every `state` entry under `prefix`.
template <typename Load>
Status ForEachEntry(const ledger::Store& store, std::string_view prefix, Load load) {
  std::unique_ptr<ledger::StoreIterator> it = store.NewIterator(ledger::Family::kState);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string key(it->key());
    RETURN_IF_ERROR(load(key.substr(prefix.size()), it->value(), "state entry " + key));
  }
  return it->status().WithContext("loading policies state");
}

}  // namespace

Result<PoliciesView> PoliciesView::Load(const ledger::Store& store, std::string account_id) {
  PoliciesView view(std::move(account_id));
  RETURN_IF_ERROR(ForEachEntry(
      store, kPolicyPrefix,
      [&](const std::string& name, std::string_view bytes, const std::string& where) -> Status {
        ASSIGN_OR_RETURN(Policy p, DecodeEntry<Policy>(
                                       bytes, where,
                                       [](const json& j) {
                                         Policy p;
                                         p.arn = j.at("arn").get<std::string>();
                                         p.created_ms = j.at("created_ms").get<int64_t>();
                                         p.description = j.at("description").get<std::string>();
                                         p.document = j.at("document").get<std::string>();
                                         p.name = j.at("name").get<std::string>();
                                         return p;
                                       },
                                       EncodePolicy));
        if (p.name != name) return DataLossError(where + " holds policy " + p.name);
        ASSIGN_OR_RETURN(
            p.compiled, CompileAs(p.document, iam::PolicyKind::kIdentity, view.account_id_, where));
        view.policies_.emplace(name, std::move(p));
        return Status::Ok();
      }));
  RETURN_IF_ERROR(ForEachEntry(store, kAttachedPrefix,
                               [&](const std::string& principal, std::string_view bytes,
                                   const std::string& where) -> Status {
                                 using Names = std::set<std::string, std::less<>>;
                                 ASSIGN_OR_RETURN(Names names,
                                                  DecodeEntry<Names>(
                                                      bytes, where,
                                                      [](const json& j) {
                                                        Names names;
                                                        for (const json& name : j.at("policies"))
                                                          names.insert(name.get<std::string>());
                                                        return names;
                                                      },
                                                      EncodeAttached));
                                 if (names.empty())
                                   return DataLossError(where + " attaches no policy");
                                 for (const std::string& name : names) {
                                   if (view.policies_.count(name) == 0)
                                     return DataLossError(where + " names absent policy " + name);
                                 }
                                 view.attached_.emplace(principal, std::move(names));
                                 return Status::Ok();
                               }));
  RETURN_IF_ERROR(ForEachEntry(
      store, kResourcePolicyPrefix,
      [&](const std::string& arn, std::string_view bytes, const std::string& where) -> Status {
        ASSIGN_OR_RETURN(ResourcePolicy r, DecodeEntry<ResourcePolicy>(
                                               bytes, where,
                                               [](const json& j) {
                                                 ResourcePolicy r;
                                                 r.document = j.at("document").get<std::string>();
                                                 r.secret_arn =
                                                     j.at("secret_arn").get<std::string>();
                                                 return r;
                                               },
                                               EncodeResourcePolicy));
        if (r.secret_arn != arn)
          return DataLossError(where + " holds the resource policy of " + r.secret_arn);
        ASSIGN_OR_RETURN(
            r.compiled, CompileAs(r.document, iam::PolicyKind::kResource, view.account_id_, where));
        view.resource_policies_.emplace(arn, std::move(r));
        return Status::Ok();
      }));
  return view;
}

}  // namespace cairn::projections
