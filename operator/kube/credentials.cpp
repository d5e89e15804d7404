#include "operator/kube/credentials.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/time_format.hpp"

namespace veer::kube {
namespace {

ApiError auth_error(const std::string& message) {
  return ApiError{ErrorType::Configuration, 0, "Configuration", message};
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

TokenSource::TokenSource(const ClientConfig& config, base::Clock& clock)
    : config_(config), clock_(clock) {}

void TokenSource::invalidate() {
  std::lock_guard guard(mutex_);
  if (config_.exec) {
    cached_.clear();
    expires_.reset();
  }
}

Result<std::string> TokenSource::token() {
  std::lock_guard guard(mutex_);
  if (!config_.token.empty()) return config_.token;
  if (!config_.token_file.empty()) {
    std::error_code ec;
    auto time = std::filesystem::last_write_time(config_.token_file, ec);
    if (ec)
      return auth_error(config_.origin + ": cannot read token file " + config_.token_file + ": " +
                        ec.message());
    if (cached_.empty() || time != file_time_) {
      std::ifstream in(config_.token_file);
      std::ostringstream text;
      text << in.rdbuf();
      std::string t = text.str();
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (t.empty())
        return auth_error(config_.origin + ": token file " + config_.token_file + " is empty");
      cached_ = t;
      file_time_ = time;
    }
    return cached_;
  }
  if (config_.exec) {
    if (!cached_.empty() && (!expires_ || clock_.now() < *expires_)) return cached_;
    return run_exec();
  }
  return std::string();
}

Result<std::string> TokenSource::run_exec() {
  const ExecPlugin& plugin = *config_.exec;
  std::string api_version =
      plugin.api_version.empty() ? "client.authentication.k8s.io/v1beta1" : plugin.api_version;
  std::string info = R"({"apiVersion":")" + api_version +
                     R"(","kind":"ExecCredential","spec":{"interactive":false}})";
  std::string command = "env KUBERNETES_EXEC_INFO=" + shell_quote(info);
  for (const auto& [name, value] : plugin.env) command += " " + shell_quote(name + "=" + value);
  command += " " + shell_quote(plugin.command);
  for (const auto& arg : plugin.args) command += " " + shell_quote(arg);
  command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    return auth_error(config_.origin + ": cannot run exec plugin " + plugin.command);
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = ::pclose(pipe);
  std::string where = config_.origin + ": exec plugin `" + plugin.command + "`";
  if (status != 0)
    return auth_error(where + " failed (exit " + std::to_string(WEXITSTATUS(status)) +
                      "): " + output.substr(0, 300));
  Json credential = Json::parse(output, nullptr, false);
  if (credential.is_discarded() || !credential.contains("status"))
    return auth_error(where +
                      " did not print an ExecCredential with a status: " + output.substr(0, 300));
  const Json& st = credential["status"];
  std::string t = st.value("token", "");
  if (t.empty())
    return auth_error(where +
                      " returned no status.token (client certificates from exec "
                      "plugins are not supported)");
  cached_ = t;
  expires_.reset();
  if (auto when = st.value("expirationTimestamp", ""); !when.empty())
    expires_ = base::parse_time(when);
  return cached_;
}

}  // namespace veer::kube
