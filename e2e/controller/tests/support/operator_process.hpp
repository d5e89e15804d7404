// `veer operator` as a separate process (the built binary), the way a cluster runs it: its own
// ServiceAccount kubeconfig, JSON logs to a file, its /metrics, /healthz and /readyz server on a
// port the kernel picks. `kill9` and `start` again stand for a crashed and rescheduled pod.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "e2e/controller/tests/support/process.hpp"

namespace veer::e2e {

struct OperatorOptions {
  std::string kubeconfig;
  std::string ns;  // --namespace: the one namespace it watches
  std::string mesh_provider;
  std::string metrics_server;
  std::string log_path;
  std::vector<std::string> extra_args = {};  // appended as given, e.g. --admission-listen
};

class OperatorProcess {
 public:
  explicit OperatorProcess(OperatorOptions options) : options_(std::move(options)) {}

  // Starts it and waits until it says it listens and /readyz answers 200; "" or the reason
  // (with the end of its log).
  std::string start();
  // SIGKILL: no shutdown code runs, as when a node dies.
  void kill9();
  // SIGTERM, as Kubernetes stops a pod; how it ended ("exited with 0" when it shut down cleanly).
  std::string terminate();
  bool running() { return process_ && process_->running(); }
  // With --leader-elect: whether it leads now, from its /readyz ("leader"); nullopt when it does
  // not answer or says nothing about leading.
  std::optional<bool> leader() const;
  int port() const { return port_; }
  int starts() const { return starts_; }
  // Its log so far (every run appends to the same file).
  std::string log() const;
  std::string log_tail(std::size_t bytes = 3000) const;

  static std::string binary();
  static std::vector<std::string> arguments(const OperatorOptions& options);

 private:
  OperatorOptions options_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  int starts_ = 0;
};

}  // namespace veer::e2e
