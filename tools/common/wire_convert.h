// The service's Request/Response to and from the bus's wire messages. The
// daemon and the client library meet here, so a call over the network and an
// embedded call carry the same members, values and receipts. Secret values
// move between SecureBuffers; nothing here copies one into a std::string.
#ifndef CAIRN_TOOLS_COMMON_WIRE_CONVERT_H_
#define CAIRN_TOOLS_COMMON_WIRE_CONVERT_H_

#include "bus/wire.h"
#include "crypto/status.h"
#include "service/api.h"

namespace cairn::tools {

bus::ApiRequestMsg RequestToWire(service::Request&& request);
// InvalidArgument if params_json is not a JSON object or the value kind is unknown.
Result<service::Request> RequestFromWire(bus::ApiRequestMsg&& message);

bus::ApiResponseMsg ResponseToWire(service::Response&& response, const std::string& request_id);
// InvalidArgument if body_json is not a JSON object.
Result<service::Response> ResponseFromWire(bus::ApiResponseMsg&& message);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_WIRE_CONVERT_H_
