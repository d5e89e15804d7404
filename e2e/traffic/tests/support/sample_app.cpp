#include "e2e/traffic/tests/support/sample_app.hpp"

#include <csignal>
#include <regex>
#include <sstream>

#include "e2e/traffic/tests/support/loopback.hpp"

namespace veer::e2e::traffic {

std::string behaviour_of(const std::string& image) {
  const auto colon = image.rfind(':');
  const auto slash = image.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "good";
  return image.substr(colon + 1);
}

SampleApp::SampleApp(const std::string& ns, const std::string& workload, const std::string& image,
                     const std::string& log_path, std::uint64_t seed)
    : image_(image) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/python3",
                               VEER_SOURCE_DIR "/e2e/traffic/tests/support/sample_app.py", "--port",
                               "0", "--namespace", ns, "--workload", workload, "--behaviour",
                               behaviour_of(image), "--seed", std::to_string(seed)},
      log_path);
  static const std::regex listening(R"(sample_app listening on 127\.0\.0\.1:([0-9]+))");
  auto port = process_->wait_for_log(listening, std::chrono::seconds(20));
  if (!port) {
    error_ =
        "the sample app for " + workload + " (" + image + ") did not start: " + process_->log();
    return;
  }
  port_ = std::stoi(*port);
  if (!wait_until([&] { return get_ok(port_, "/healthz").has_value(); }, std::chrono::seconds(10)))
    error_ = "the sample app for " + workload + " does not answer /healthz";
}

std::optional<Served> SampleApp::served() const {
  auto body = get_ok(port_, "/served");
  if (!body) return std::nullopt;
  std::istringstream fields(*body);  // "<all> <marked>"
  Served served;
  if (!(fields >> served.all >> served.marked)) return std::nullopt;
  return served;
}

void SampleApp::stop() {
  if (process_) process_->stop(SIGTERM, std::chrono::seconds(5));
}

}  // namespace veer::e2e::traffic
