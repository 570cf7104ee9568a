#include "tools/common/profile.h"

#include <nlohmann/json.hpp>

#include "crypto/private_file.h"
#include "ledger/checkpoint.h"

namespace cairn::tools {
namespace {

using nlohmann::json;
constexpr size_t kMaxProfileBytes = 64 * 1024;

// The JSON text holds the secret key: build it in a buffer we wipe.
crypto::SecureBuffer Render(const json& fields, const crypto::SecureBuffer& secret) {
  std::string text = fields.dump(2);
  // Splice the secret in as the last member without it passing through json.
  text.pop_back();  // '}'
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string head = text + (fields.empty() ? "\n  " : ",\n  ") + "\"SecretKey\": \"";
  const std::string tail = "\"\n}\n";
  crypto::SecureBuffer out(head.size() + secret.size() + tail.size());
  std::copy(head.begin(), head.end(), out.data());
  std::copy(secret.data(), secret.data() + secret.size(), out.data() + head.size());
  std::copy(tail.begin(), tail.end(), out.data() + head.size() + secret.size());
  return out;
}

Result<json> Parse(const std::string& path, const crypto::SecureBuffer& bytes) {
  json doc = json::parse(bytes.data(), bytes.data() + bytes.size(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError(path + " is not a Cairn profile (not a JSON object)");
  }
  return doc;
}

Result<std::string> Member(const std::string& path, const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return InvalidArgumentError(path + ": member " + name + " is missing or not a string");
  }
  return it->get<std::string>();
}

Result<bus::CurveKeyPair> KeyPairFrom(const std::string& path, json& doc) {
  ASSIGN_OR_RETURN(std::string public_key, Member(path, doc, "PublicKey"));
  auto it = doc.find("SecretKey");
  if (it == doc.end() || !it->is_string()) {
    return InvalidArgumentError(path + ": member SecretKey is missing or not a string");
  }
  std::string& secret_text = it->get_ref<std::string&>();
  crypto::SecureBuffer secret = crypto::SecureBuffer::FromString(secret_text);
  crypto::SecureWipe(secret_text);
  if (!bus::IsCurveKey(public_key) || !bus::IsCurveKey(secret.as_string_view())) {
    return InvalidArgumentError(path + ": PublicKey and SecretKey must be 40-character Z85 CURVE keys");
  }
  ASSIGN_OR_RETURN(std::string derived, bus::CurvePublicFromSecret(secret.as_string_view()));
  if (derived != public_key) {
    return InvalidArgumentError(path + ": PublicKey does not belong to SecretKey");
  }
  return bus::CurveKeyPair{public_key, std::move(secret)};
}

}  // namespace

Result<Profile> ReadProfile(const std::string& path) {
  ASSIGN_OR_RETURN(crypto::SecureBuffer bytes, crypto::ReadPrivateFile(path, kMaxProfileBytes));
  ASSIGN_OR_RETURN(json doc, Parse(path, bytes));
  Profile p;
  ASSIGN_OR_RETURN(p.principal, Member(path, doc, "Principal"));
  ASSIGN_OR_RETURN(p.api_endpoint, Member(path, doc, "ApiEndpoint"));
  ASSIGN_OR_RETURN(p.events_endpoint, Member(path, doc, "EventsEndpoint"));
  ASSIGN_OR_RETURN(p.server_public_key, Member(path, doc, "ServerPublicKey"));
  if (!bus::IsCurveKey(p.server_public_key)) {
    return InvalidArgumentError(path + ": ServerPublicKey must be a 40-character Z85 CURVE key");
  }
  ASSIGN_OR_RETURN(p.key, KeyPairFrom(path, doc));
  if (doc.contains("CheckpointKey")) {
    ASSIGN_OR_RETURN(p.checkpoint_key, Member(path, doc, "CheckpointKey"));
    auto parsed = ledger::ParseVerifierKey(p.checkpoint_key);
    if (!parsed.ok()) {
      return InvalidArgumentError(path + ": CheckpointKey is not a checkpoint verifier key: " +
                                  parsed.status().message());
    }
  }
  return p;
}

Status WriteProfile(const std::string& path, const Profile& profile) {
  json fields = json::object();
  fields["Principal"] = profile.principal;
  fields["ApiEndpoint"] = profile.api_endpoint;
  fields["EventsEndpoint"] = profile.events_endpoint;
  fields["ServerPublicKey"] = profile.server_public_key;
  fields["PublicKey"] = profile.key.public_z85;
  if (!profile.checkpoint_key.empty()) fields["CheckpointKey"] = profile.checkpoint_key;
  // nlohmann's object is sorted; order in the file does not matter to readers.
  crypto::SecureBuffer text = Render(fields, profile.key.secret_z85);
  return crypto::WritePrivateFile(path, text.view());
}

Result<bus::CurveKeyPair> ReadKeyPairFile(const std::string& path) {
  ASSIGN_OR_RETURN(crypto::SecureBuffer bytes, crypto::ReadPrivateFile(path, kMaxProfileBytes));
  ASSIGN_OR_RETURN(json doc, Parse(path, bytes));
  return KeyPairFrom(path, doc);
}

Status WriteKeyPairFile(const std::string& path, const bus::CurveKeyPair& key) {
  json fields = json::object();
  fields["PublicKey"] = key.public_z85;
  crypto::SecureBuffer text = Render(fields, key.secret_z85);
  return crypto::WritePrivateFile(path, text.view());
}

}  // namespace cairn::tools
