// The aws CLI's argument conventions, so `cairn` reads like `aws secretsmanager`:
// shorthand lists (`Key=a,Value=b Key=c,Value=d`), JSON arguments, and
// `file://` / `fileb://` references; and Cairn's `--context key=value`.
#ifndef CAIRN_TOOLS_CAIRN_AWS_ARGS_H_
#define CAIRN_TOOLS_CAIRN_AWS_ARGS_H_

#include <string>
#include <vector>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "service/api.h"

namespace cairn::tools {

// "file://path" -> the file's text; anything else unchanged.
Result<std::string> ResolveFileArg(const std::string& arg);
// --secret-string: text, or file://path. --secret-binary: fileb://path (raw
// bytes), file://path or inline text holding base64 (the aws CLI v2 default).
Result<crypto::SecureBuffer> ReadSecretString(const std::string& arg);
Result<crypto::SecureBuffer> ReadSecretBinary(const std::string& arg);

// --tags: a JSON list `[{"Key":"k","Value":"v"}]`, or shorthand items
// `Key=k,Value=v`, one per argument.
Result<service::Json> ParseTags(const std::vector<std::string>& args);
// --filters: JSON list, or shorthand `Key=name,Values=a,b` per argument.
Result<service::Json> ParseFilters(const std::vector<std::string>& args);
// A list of strings: JSON list in one argument, or the arguments themselves.
Result<service::Json> ParseStringList(const std::vector<std::string>& args);
// Cairn's --context key=value (repeatable; split at the first '='): IAM's
// ContextEntries [{"ContextKeyName":k,"ContextKeyValues":[v,...]}], one entry
// per key in order of first appearance, repeated keys accumulating values.
// InvalidArgument for an item without '=' or with an empty key.
Result<service::Json> ParseContextEntries(const std::vector<std::string>& args);
// --rotation-rules: a JSON object, or shorthand
// `AutomaticallyAfterDays=30,Duration=2h` / `ScheduleExpression=cron(0 16 1,15 * ? *)`
// (a comma not followed by a member name belongs to the value, as cron has
// them). AutomaticallyAfterDays becomes a number. InvalidArgument for text
// that is neither, or a shorthand AutomaticallyAfterDays that is not one.
Result<service::Json> ParseRotationRules(const std::string& text);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AWS_ARGS_H_
