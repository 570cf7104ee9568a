#include "tools/cairn/aws_args.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "crypto/hash.h"

namespace cairn::tools {
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

Result<crypto::SecureBuffer> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read file " + path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  crypto::SecureBuffer out = crypto::SecureBuffer::FromString(data);
  crypto::SecureWipe(data);
  return out;
}

// Splits "Key=a,Value=b" into key/value pairs; a member may take several
// comma-separated values ("Values=a,b,c"), which continue until the next "X=".
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> ParseShorthand(
    const std::string& item) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::stringstream ss(item);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const size_t eq = part.find('=');
    if (eq != std::string::npos && eq > 0 &&
        part.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == eq) {
      out.push_back({part.substr(0, eq), {part.substr(eq + 1)}});
    } else if (!out.empty()) {
      out.back().second.push_back(part);
    } else {
      return InvalidArgumentError("cannot parse '" + item + "': expected Key=value[,Key=value]");
    }
  }
  return out;
}

Result<service::Json> ParseJsonArg(const std::string& text) {
  service::Json j = service::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("invalid JSON: " + text.substr(0, 80));
  return j;
}

}  // namespace

Result<std::string> ResolveFileArg(const std::string& arg) {
  if (!StartsWith(arg, "file://")) return arg;
  std::ifstream in(arg.substr(7), std::ios::binary);
  if (!in) return NotFoundError("cannot read file " + arg.substr(7));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<crypto::SecureBuffer> ReadSecretString(const std::string& arg) {
  if (StartsWith(arg, "file://")) return ReadFileBytes(arg.substr(7));
  return crypto::SecureBuffer::FromString(arg);
}

Result<crypto::SecureBuffer> ReadSecretBinary(const std::string& arg) {
  if (StartsWith(arg, "fileb://")) return ReadFileBytes(arg.substr(8));
  crypto::SecureBuffer text;
  if (StartsWith(arg, "file://")) {
    ASSIGN_OR_RETURN(text, ReadFileBytes(arg.substr(7)));
  } else {
    text = crypto::SecureBuffer::FromString(arg);
  }
  auto decoded = crypto::Base64Decode(text.as_string_view());
  if (!decoded.ok()) {
    return InvalidArgumentError("not base64 text (use fileb://<path> for raw bytes)");
  }
  return decoded;
}

Result<service::Json> ParseTags(const std::vector<std::string>& args) {
  if (args.size() == 1 && StartsWith(args[0], "[")) return ParseJsonArg(args[0]);
  service::Json tags = service::Json::array();
  for (const std::string& item : args) {
    ASSIGN_OR_RETURN(auto members, ParseShorthand(item));
    service::Json tag = service::Json::object();
    for (auto& [k, v] : members) {
      std::string joined;
      for (size_t i = 0; i < v.size(); ++i) joined += (i ? "," : "") + v[i];
      tag[k] = joined;
    }
    tags.push_back(tag);
  }
  return tags;
}

Result<service::Json> ParseFilters(const std::vector<std::string>& args) {
  if (args.size() == 1 && StartsWith(args[0], "[")) return ParseJsonArg(args[0]);
  service::Json filters = service::Json::array();
  for (const std::string& item : args) {
    ASSIGN_OR_RETURN(auto members, ParseShorthand(item));
    service::Json filter = service::Json::object();
    for (auto& [k, v] : members) {
      if (k == "Values") {
        filter[k] = v;
      } else {
        filter[k] = v.empty() ? "" : v[0];
      }
    }
    filters.push_back(filter);
  }
  return filters;
}

Result<service::Json> ParseStringList(const std::vector<std::string>& args) {
  if (args.size() == 1 && StartsWith(args[0], "[")) return ParseJsonArg(args[0]);
  return service::Json(args);
}

Result<service::Json> ParseContextEntries(const std::vector<std::string>& args) {
  service::Json entries = service::Json::array();
  for (const std::string& item : args) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("'" + item + "' is not key=value (e.g. aws:SourceIp=10.0.0.1)");
    }
    const std::string key = item.substr(0, eq);
    auto same = std::find_if(entries.begin(), entries.end(),
                             [&](const service::Json& e) { return e["ContextKeyName"] == key; });
    if (same == entries.end()) {
      entries.push_back({{"ContextKeyName", key}, {"ContextKeyValues", service::Json::array()}});
      same = entries.end() - 1;
    }
    (*same)["ContextKeyValues"].push_back(item.substr(eq + 1));
  }
  return entries;
}

Result<service::Json> ParseRotationRules(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    ASSIGN_OR_RETURN(service::Json rules, ParseJsonArg(text));
    if (!rules.is_object()) return InvalidArgumentError("expected a JSON object");
    return rules;
  }
  ASSIGN_OR_RETURN(auto members, ParseShorthand(text));
  service::Json rules = service::Json::object();
  for (auto& [k, v] : members) {
    std::string joined;
    for (size_t i = 0; i < v.size(); ++i) joined += (i ? "," : "") + v[i];
    if (k != "AutomaticallyAfterDays") {
      rules[k] = joined;
      continue;
    }
    if (joined.empty() || joined.size() > 9 || joined.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgumentError("AutomaticallyAfterDays must be a whole number of days, not '" + joined + "'");
    }
    rules[k] = std::stoll(joined);
  }
  return rules;
}

}  // namespace cairn::tools
