// Structured logs: one JSON object per line on stderr, e.g.
//   {"time":"2026-11-22T23:41:07.120Z","level":"info","msg":"listening","api":"tcp://127.0.0.1:7701"}
// Callers pass only metadata (ids, names, codes, counts); a secret value never
// reaches a log line — nothing here accepts a SecureBuffer. Thread-safe.
#ifndef CAIRN_TOOLS_COMMON_LOG_H_
#define CAIRN_TOOLS_COMMON_LOG_H_

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/status.h"

namespace cairn::tools {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// InvalidArgument unless one of debug, info, warn, error.
Result<LogLevel> ParseLogLevel(std::string_view name);

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo, FILE* out = stderr) : level_(level), out_(out) {}
  bool enabled(LogLevel level) const { return level >= level_; }
  void Log(LogLevel level, std::string_view msg, nlohmann::ordered_json fields = nlohmann::ordered_json::object());
  void Debug(std::string_view msg, nlohmann::ordered_json f = nlohmann::ordered_json::object()) { Log(LogLevel::kDebug, msg, std::move(f)); }
  void Info(std::string_view msg, nlohmann::ordered_json f = nlohmann::ordered_json::object()) { Log(LogLevel::kInfo, msg, std::move(f)); }
  void Warn(std::string_view msg, nlohmann::ordered_json f = nlohmann::ordered_json::object()) { Log(LogLevel::kWarn, msg, std::move(f)); }
  void Error(std::string_view msg, nlohmann::ordered_json f = nlohmann::ordered_json::object()) { Log(LogLevel::kError, msg, std::move(f)); }

 private:
  LogLevel level_;
  FILE* out_;
  std::mutex mu_;
};

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_LOG_H_
