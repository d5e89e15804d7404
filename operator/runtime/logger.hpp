// Structured logs on spdlog: a message and fields (canary, namespace, phase, ...), written as one
// JSON object per line (time, level, msg, fields) or as text ("... msg canary=x phase=y").
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace veer::runtime {

enum class LogLevel { trace, debug, info, warn, error };
enum class LogFormat { text, json };

std::optional<LogLevel> parse_log_level(std::string_view text);
std::optional<LogFormat> parse_log_format(std::string_view text);

struct LogField {
  std::string key;
  std::string value;
};
using LogFields = std::vector<LogField>;

class Logger {
 public:
  // Writes to `out` (std::cerr for the operator, a string stream in tests); thread-safe. While
  // it lives it is the process's kube::error_sink (the latest logger made): API errors no caller
  // could be given (a refused Event, a refused lease call) are written as warnings.
  Logger(std::ostream& out, LogFormat format = LogFormat::text, LogLevel level = LogLevel::info);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogLevel level) const;
  void log(LogLevel level, std::string_view msg, const LogFields& fields = {});
  void trace(std::string_view msg, const LogFields& fields = {}) {
    log(LogLevel::trace, msg, fields);
  }
  void debug(std::string_view msg, const LogFields& fields = {}) {
    log(LogLevel::debug, msg, fields);
  }
  void info(std::string_view msg, const LogFields& fields = {}) {
    log(LogLevel::info, msg, fields);
  }
  void warn(std::string_view msg, const LogFields& fields = {}) {
    log(LogLevel::warn, msg, fields);
  }
  void error(std::string_view msg, const LogFields& fields = {}) {
    log(LogLevel::error, msg, fields);
  }
  void flush();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace veer::runtime
