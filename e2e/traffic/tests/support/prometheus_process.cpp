#include "e2e/traffic/tests/support/prometheus_process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "e2e/traffic/tests/support/loopback.hpp"

namespace veer::e2e::traffic {

PrometheusProcess::PrometheusProcess(std::string dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_ + "/data");
  set_targets({});
  std::ofstream(dir_ + "/prometheus.yml", std::ios::trunc)
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
      << "scrape_configs:\n- job_name: sample-apps\n  file_sd_configs:\n  - files: ['" << dir_
      << "/targets.json']\n    refresh_interval: 1s\n";
}

PrometheusProcess::~PrometheusProcess() {
  stop();
}

void PrometheusProcess::set_targets(const std::vector<ScrapeTarget>& targets) {
  auto groups = nlohmann::json::array();
  for (const auto& t : targets)
    groups.push_back({{"targets", {"127.0.0.1:" + std::to_string(t.port)}}, {"labels", t.labels}});
  // Written beside and renamed, so Prometheus never reads half a file.
  const auto path = dir_ + "/targets.json";
  std::ofstream(path + ".new", std::ios::trunc) << groups.dump() << "\n";
  std::filesystem::rename(path + ".new", path);
}

std::string PrometheusProcess::start() {
  if (port_ == 0) port_ = free_port();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir_ + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                               "--log.level=warn"},
      dir_ + "/prometheus.log");
  if (wait_until([&] { return get_ok(port_, "/-/ready").has_value() || !process_->running(); },
                 std::chrono::seconds(30)) &&
      process_->running())
    return "";
  return "Prometheus did not become ready on port " + std::to_string(port_) + ": " +
         process_->log();
}

void PrometheusProcess::stop() {
  if (process_) process_->stop(SIGTERM, std::chrono::seconds(10));
  process_.reset();
}

}  // namespace veer::e2e::traffic
