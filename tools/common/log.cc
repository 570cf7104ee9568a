#include "tools/common/log.h"

#include <chrono>
#include <ctime>

namespace cairn::tools {
namespace {

constexpr const char* kLevelNames[] = {"debug", "info", "warn", "error"};

std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  return InvalidArgumentError("log level '" + std::string(name) + "' is not one of debug, info, warn, error");
}

void Logger::Log(LogLevel level, std::string_view msg, nlohmann::ordered_json fields) {
  if (!enabled(level)) return;
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["time"] = NowUtc();
  line["level"] = kLevelNames[static_cast<int>(level)];
  line["msg"] = msg;
  for (auto& [key, value] : fields.items()) line[key] = value;
  // Replace, don't throw, on bytes that are not UTF-8 (e.g. a hostile name).
  const std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace cairn::tools
