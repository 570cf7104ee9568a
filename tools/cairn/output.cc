#include "tools/cairn/output.h"

#include "crypto/hash.h"

namespace cairn::tools {

void PrintResponse(const std::string& operation, service::Response& response, FILE* out) {
  service::Json body = service::BodyWithValues(operation, response);
  if (!body.empty()) {
    std::string text = body.dump(4, ' ', false, service::Json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fputc('\n', out);
    std::fflush(out);
    crypto::SecureWipe(text);
  }
  service::WipeJsonStrings(body);
}

std::string FormatApiError(const std::string& operation, const service::ApiError& error) {
  return "An error occurred (" + error.code + ") when calling the " + operation +
         " operation: " + error.message;
}

}  // namespace cairn::tools
