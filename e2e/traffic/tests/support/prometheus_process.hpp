// Debian's Prometheus (a real program on 127.0.0.1) scraping the sample apps every second. The
// targets come from a file (file_sd_configs) that the data-plane stand-in rewrites as apps come
// and go. `stop` and `start` again stand for a metrics outage; the TSDB directory is kept.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "e2e/controller/tests/support/process.hpp"

namespace veer::e2e::traffic {

struct ScrapeTarget {
  int port = 0;
  std::map<std::string, std::string> labels;
  bool operator==(const ScrapeTarget&) const = default;
};

class PrometheusProcess {
 public:
  explicit PrometheusProcess(std::string dir);
  ~PrometheusProcess();

  // Starts it (on the same port after a stop) and waits until /-/ready answers; "" or why not.
  std::string start();
  // SIGTERM by its pid; the port then refuses connections.
  void stop();
  // The scrape targets: the apps on 127.0.0.1, each with the labels Prometheus adds to its
  // series (the pod's, as a cluster's relabelling adds them).
  void set_targets(const std::vector<ScrapeTarget>& targets);

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace veer::e2e::traffic
