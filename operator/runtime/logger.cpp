#include "operator/runtime/logger.hpp"

#include <chrono>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "base/time_format.hpp"
#include "http/printable.hpp"
#include "operator/kube/error_sink.hpp"

namespace veer::runtime {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* name_of(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

// Text values with spaces, quotes or control characters are quoted (JSON escapes, ASCII only),
// so a line stays parseable as key=value pairs and a value cannot forge a line.
std::string text_value(const std::string& value) {
  if (!value.empty() && value.find_first_of(" \"=\t\n") == std::string::npos &&
      http::printable(value) == value)
    return value;
  return nlohmann::json(value).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (auto level :
       {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == name_of(level)) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::text;
  if (text == "json") return LogFormat::json;
  return std::nullopt;
}

struct Logger::Impl {
  LogFormat format;
  LogLevel level;
  std::shared_ptr<spdlog::logger> logger;
  std::uint64_t error_sink = 0;  // kube::add_error_sink's handle
};

Logger::Logger(std::ostream& out, LogFormat format, LogLevel level)
    : impl_(std::make_unique<Impl>()) {
  impl_->format = format;
  impl_->level = level;
  // Flushed per line: the e2e harness reads "listening on" from stderr while veer runs.
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true);
  impl_->logger = std::make_shared<spdlog::logger>("veer", sink);
  impl_->logger->set_pattern("%v");  // time and level are written by log(), per format
  impl_->logger->set_level(to_spdlog(level));
  // API errors no caller can be given (a refused Event, the leader election's lease calls) are
  // said here: warn, with the call, the error's kind and the server's message.
  impl_->error_sink = kube::add_error_sink([this](const std::string& what,
                                                  const kube::ApiError& error) {
    log(LogLevel::warn, what + " failed (" + kube::to_string(error.type) + "): " + error.message,
        {{"error", kube::to_string(error.type)}});
  });
}

Logger::~Logger() {
  kube::remove_error_sink(impl_->error_sink);
  flush();
}

bool Logger::enabled(LogLevel level) const {
  return level >= impl_->level;
}

void Logger::log(LogLevel level, std::string_view msg, const LogFields& fields) {
  if (!enabled(level)) return;
  const auto now = base::format_micro_time(std::chrono::system_clock::now());
  std::string line;
  if (impl_->format == LogFormat::json) {
    nlohmann::ordered_json object;
    object["time"] = now;
    object["level"] = name_of(level);
    object["msg"] = std::string(msg);
    for (const auto& f : fields) object[f.key] = f.value;
    line = object.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  } else {
    line = now + " " + name_of(level) + " " + http::printable(msg);
    for (const auto& f : fields) line += " " + f.key + "=" + text_value(f.value);
  }
  impl_->logger->log(to_spdlog(level), "{}", line);
}

void Logger::flush() {
  impl_->logger->flush();
}

}  // namespace veer::runtime
