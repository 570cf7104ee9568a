// Rendering responses as the aws CLI prints them: JSON with 4-space indents,
// AWS's member order, values spliced in at the last moment and wiped after.
#ifndef CAIRN_TOOLS_CAIRN_OUTPUT_H_
#define CAIRN_TOOLS_CAIRN_OUTPUT_H_

#include <cstdio>
#include <string>

#include "service/api.h"

namespace cairn::tools {

// Writes the response body (with its values) to `out`; nothing for an empty
// body, as the aws CLI prints nothing for TagResource. Wipes every copy of a
// secret value it made.
void PrintResponse(const std::string& operation, service::Response& response, FILE* out);

// "An error occurred (<Code>) when calling the <Operation> operation: <message>"
std::string FormatApiError(const std::string& operation, const service::ApiError& error);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_OUTPUT_H_
