// The clusters the conformance suite runs against: always a MemoryCluster, and a real
// kube-apiserver when VEER_TEST_KUBECONFIG names a kubeconfig (e2e/cluster/up writes one).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::kube::testing {

struct Backend {
  std::string name;  // "memory" or "real"
  Cluster& cluster;
  base::Clock& clock;
  bool real = false;
  // Makes every resourceVersion seen so far too old for a watch (memory: compaction; real:
  // nothing to do, "1" is always too old there).
  std::function<void()> forget_history;
};

// Runs `body` once per available backend, each time in a fresh namespace it deletes afterwards.
void for_each_backend(const std::function<void(Backend&, const std::string& ns)>& body);

// The test CRD: widgets.conformance.veer.dev/v1 (namespaced, status subresource), installed on
// both backends (waits until the real server serves it).
extern const ResourceType kWidget;
Json widget(const std::string& ns, const std::string& name, Json spec = Json::object());

// Polls `done` until true or `timeout` in real time passes (for the real server's asynchronous
// work such as garbage collection); the in-memory cluster is synchronous and never needs it.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace veer::kube::testing
