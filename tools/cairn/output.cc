#include "tools/cairn/output.h"

#include "crypto/hash.h"

namespace cairn::tools {
namespace {

using service::Json;

// Inserts the value member right after "VersionId" (AWS's order).
Json WithValue(const Json& entry, service::SecretValue& value) {
  Json out = Json::object();
  bool placed = false;
  auto place = [&] {
    if (value.kind == projections::ValueKind::kBinary) {
      out["SecretBinary"] = crypto::Base64Encode(value.bytes.view());
    } else {
      out["SecretString"] = std::string(value.bytes.as_string_view());
    }
    placed = true;
  };
  for (auto it = entry.begin(); it != entry.end(); ++it) {
    out[it.key()] = it.value();
    if (it.key() == "VersionId") place();
  }
  if (!placed) place();
  return out;
}

void WipeJsonStrings(Json& j) {
  if (j.is_string()) {
    crypto::SecureWipe(j.get_ref<std::string&>());
  } else if (j.is_structured()) {
    for (auto& child : j) WipeJsonStrings(child);
  }
}

}  // namespace

void PrintResponse(const std::string& operation, service::Response& response, FILE* out) {
  Json body = response.body;
  for (auto& v : response.values) {
    if (operation == "GetRandomPassword") {
      body["RandomPassword"] = std::string(v.value.bytes.as_string_view());
    } else if (operation == "BatchGetSecretValue") {
      Json& list = body["SecretValues"];
      if (v.index < list.size()) list[v.index] = WithValue(list[v.index], v.value);
    } else if (v.index == 0) {
      body = WithValue(body, v.value);
    }
  }
  if (!body.empty()) {
    std::string text = body.dump(4, ' ', false, Json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fputc('\n', out);
    std::fflush(out);
    crypto::SecureWipe(text);
  }
  WipeJsonStrings(body);
}

std::string FormatApiError(const std::string& operation, const service::ApiError& error) {
  return "An error occurred (" + error.code + ") when calling the " + operation +
         " operation: " + error.message;
}

}  // namespace cairn::tools
