#include "tools/common/wire_convert.h"

#include <utility>

namespace cairn::tools {
namespace {

using projections::ValueKind;

Result<service::Json> ParseObject(const std::string& text, const char* what) {
  service::Json doc = service::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return doc;
}

Result<ValueKind> KindFromWire(uint8_t kind) {
  if (kind == static_cast<uint8_t>(ValueKind::kString)) return ValueKind::kString;
  if (kind == static_cast<uint8_t>(ValueKind::kBinary)) return ValueKind::kBinary;
  return InvalidArgumentError("secret value kind " + std::to_string(kind) + " is neither string nor binary");
}

}  // namespace

bus::ApiRequestMsg RequestToWire(service::Request&& request) {
  bus::ApiRequestMsg message;
  message.operation = std::move(request.operation);
  message.params_json = request.params.dump();
  if (request.value) {
    message.value = bus::WireValue{0, static_cast<uint8_t>(request.value->kind),
                                   std::move(request.value->bytes)};
  }
  return message;
}

Result<service::Request> RequestFromWire(bus::ApiRequestMsg&& message) {
  service::Request request;
  request.operation = std::move(message.operation);
  ASSIGN_OR_RETURN(request.params, ParseObject(message.params_json, "the request parameters"));
  if (message.value) {
    ASSIGN_OR_RETURN(ValueKind kind, KindFromWire(message.value->kind));
    request.value = service::SecretValue{kind, std::move(message.value->bytes)};
  }
  return request;
}

bus::ApiResponseMsg ResponseToWire(service::Response&& response, const std::string& request_id) {
  bus::ApiResponseMsg message;
  message.request_id = request_id;
  if (response.error) {
    message.error_code = std::move(response.error->code);
    message.error_message = std::move(response.error->message);
  }
  message.body_json = response.body.dump();
  for (service::Response::Value& v : response.values) {
    message.values.push_back(bus::WireValue{static_cast<uint32_t>(v.index),
                                            static_cast<uint8_t>(v.value.kind), std::move(v.value.bytes)});
  }
  message.seq = response.seq;
  message.leaf_hash = response.leaf_hash;
  for (auto& [seq, bytes] : response.records) message.records.push_back({seq, std::move(bytes)});
  return message;
}

Result<service::Response> ResponseFromWire(bus::ApiResponseMsg&& message) {
  service::Response response;
  if (!message.error_code.empty()) {
    response.error = service::ApiError{std::move(message.error_code), std::move(message.error_message)};
  }
  ASSIGN_OR_RETURN(response.body, ParseObject(message.body_json, "the response body"));
  for (bus::WireValue& v : message.values) {
    ASSIGN_OR_RETURN(ValueKind kind, KindFromWire(v.kind));
    response.values.push_back({v.index, service::SecretValue{kind, std::move(v.bytes)}});
  }
  response.seq = message.seq;
  response.leaf_hash = message.leaf_hash;
  for (bus::StoredRecord& r : message.records) response.records.emplace_back(r.seq, std::move(r.bytes));
  return response;
}

}  // namespace cairn::tools
