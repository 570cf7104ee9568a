#include "tools/cairn_rotate_postgres/db_secret.h"

#include <utility>

namespace cairn::tools::rotate_postgres {
namespace {

using Json = nlohmann::ordered_json;

Status Bad(const std::string& what) { return FailedPreconditionError("the secret value " + what); }

// A member that must be a non-empty string (or may be absent if optional).
Result<std::string> StringMember(const Json& doc, const char* name, bool required) {
  auto it = doc.find(name);
  if (it == doc.end()) {
    if (required) return Bad(std::string("has no member \"") + name + "\"");
    return std::string();
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Bad(std::string("member \"") + name + "\" is not a non-empty string");
  }
  return it->get<std::string>();
}

// port: a number or a string of digits (AWS's templates take int(port)), 1-65535.
Result<int> PortMember(const Json& doc) {
  auto it = doc.find("port");
  if (it == doc.end()) return 5432;
  long long port = -1;
  if (it->is_number_integer()) {
    port = it->get<long long>();
  } else if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos) port = std::stoll(s);
  }
  if (port < 1 || port > 65535) return Bad("member \"port\" is not a port number (1-65535)");
  return static_cast<int>(port);
}

}  // namespace

DbSecret DbSecret::Clone() const {
  DbSecret copy;
  copy.host = host;
  copy.port = port;
  copy.username = username;
  copy.password = password.Clone();
  copy.dbname = dbname;
  copy.masterarn = masterarn;
  copy.rotation_strategy = rotation_strategy;
  copy.doc = doc;
  return copy;
}

pg::ConnectParams DbSecret::ConnectParams(int connect_timeout_s) const {
  return pg::ConnectParams{host, port, username, dbname, connect_timeout_s};
}

Result<DbSecret> ParseDbSecret(std::string_view json_text) {
  // No exceptions, and the parser's message is dropped: it quotes the text.
  Json doc = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("is not JSON");
  if (!doc.is_object()) return Bad("is not a JSON object");
  DbSecret s;
  auto password = doc.find("password");
  if (password == doc.end()) return Bad("has no member \"password\"");
  if (!password->is_string() || password->get_ref<const std::string&>().empty()) {
    return Bad("member \"password\" is not a non-empty string");
  }
  s.password = crypto::SecureBuffer::FromString(password->get_ref<const std::string&>());
  crypto::SecureWipe(password->get_ref<std::string&>());
  ASSIGN_OR_RETURN(std::string engine, StringMember(doc, "engine", true));
  if (engine != "postgres") return Bad("member \"engine\" is not \"postgres\"");
  ASSIGN_OR_RETURN(s.host, StringMember(doc, "host", true));
  ASSIGN_OR_RETURN(s.port, PortMember(doc));
  ASSIGN_OR_RETURN(s.username, StringMember(doc, "username", true));
  if (s.username.size() > kMaxRoleNameBytes) return Bad("member \"username\" is longer than 63 bytes");
  ASSIGN_OR_RETURN(std::string dbname, StringMember(doc, "dbname", false));
  if (!dbname.empty()) s.dbname = dbname;
  ASSIGN_OR_RETURN(s.masterarn, StringMember(doc, "masterarn", false));
  ASSIGN_OR_RETURN(s.rotation_strategy, StringMember(doc, "rotation_strategy", false));
  if (!s.rotation_strategy.empty() && s.rotation_strategy != "single" && s.rotation_strategy != "alternating") {
    return Bad("member \"rotation_strategy\" is neither \"single\" nor \"alternating\"");
  }
  s.doc = std::move(doc);
  return s;
}

crypto::SecureBuffer SerializeDbSecret(const DbSecret& secret) {
  Json doc = secret.doc;
  doc["username"] = secret.username;
  doc["password"] = std::string(secret.password.as_string_view());
  std::string text = doc.dump();
  crypto::SecureBuffer out = crypto::SecureBuffer::FromString(text);
  crypto::SecureWipe(text);
  crypto::SecureWipe(doc["password"].get_ref<std::string&>());
  return out;
}

Result<std::string> AlternateUsername(const std::string& username) {
  static constexpr std::string_view kSuffix = "_clone";
  if (username.size() > kSuffix.size() && username.ends_with(kSuffix)) {
    return username.substr(0, username.size() - kSuffix.size());
  }
  std::string alternate = username + std::string(kSuffix);
  if (alternate.size() > kMaxRoleNameBytes) {
    return InvalidArgumentError("the alternate user of \"" + username + "\" would be longer than 63 bytes");
  }
  return alternate;
}

}  // namespace cairn::tools::rotate_postgres
