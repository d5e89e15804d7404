#include "e2e/controller/tests/support/operator_process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/client.hpp"

namespace veer::e2e {

std::string OperatorProcess::binary() {
  return std::string(VEER_BINARY_DIR) + "/operator/veer";
}

std::vector<std::string> OperatorProcess::arguments(const OperatorOptions& o) {
  std::vector<std::string> args = {binary(),           "operator",
                                   "--kubeconfig",     o.kubeconfig,
                                   "--mesh-provider",  o.mesh_provider,
                                   "--metrics-server", o.metrics_server,
                                   "--listen",         "127.0.0.1:0",
                                   "--log-format",     "json",
                                   "--workers",        "2"};
  if (!o.ns.empty()) {
    args.push_back("--namespace");
    args.push_back(o.ns);
  }
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  return args;
}

std::string OperatorProcess::log() const {
  std::ifstream in(options_.log_path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string OperatorProcess::log_tail(std::size_t bytes) const {
  auto text = log();
  return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

std::string OperatorProcess::start() {
  std::error_code ignored;
  const auto from = std::filesystem::file_size(options_.log_path, ignored);
  const std::size_t offset = ignored ? 0 : static_cast<std::size_t>(from);
  process_ = std::make_unique<ChildProcess>(arguments(options_), options_.log_path);
  ++starts_;
  static const std::regex listening(R"(listening on 127\.0\.0\.1:([0-9]+))");
  auto port = process_->wait_for_log(listening, std::chrono::seconds(60), offset);
  if (!port) {
    return "veer operator did not say `listening on 127.0.0.1:<port>` within 60 s (" +
           (process_->running() ? std::string("still running") : "it exited") + "); its log:\n" +
           log_tail();
  }
  port_ = std::stoi(*port);
  // Ready once it has synced its caches (the /readyz contract).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline && process_->running()) {
    http::Request request;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + "/readyz";
    request.timeout = std::chrono::seconds(2);
    auto response = http::send(request);
    if (response && response->status == 200) return "";
    last = response ? "HTTP " + std::to_string(response->status) + " " + response->body
                    : response.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling /readyz
  }
  return "veer operator's /readyz did not answer 200 within 60 s (last: " + last + "); its log:\n" +
         log_tail();
}

std::string OperatorProcess::terminate() {
  return process_ ? process_->stop(SIGTERM, std::chrono::seconds(20)) : "never started";
}

std::optional<bool> OperatorProcess::leader() const {
  if (port_ == 0) return std::nullopt;
  http::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port_) + "/readyz";
  request.timeout = std::chrono::seconds(2);
  auto response = http::send(request);
  if (!response) return std::nullopt;
  auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("leader") || !body["leader"].is_boolean())
    return std::nullopt;
  return body["leader"].get<bool>();
}

void OperatorProcess::kill9() {
  if (process_) process_->stop(SIGKILL);
}

}  // namespace veer::e2e
