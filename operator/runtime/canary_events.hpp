// Kubernetes Events about a Canary (or an Experiment) written by the runtime itself (an
// unresolvable AlertProvider, a Secret that cannot be read), at most once per message per window so
// a broken setting does not flood the namespace at every step.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "base/clock.hpp"
#include "model/canary.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::runtime {

class CanaryEvents {
 public:
  CanaryEvents(kube::Cluster& cluster, base::Clock& clock,
               base::Clock::Duration window = std::chrono::minutes(10))
      : cluster_(cluster), clock_(clock), window_(window) {}

  // Writes a Warning (or Normal) Event on the Canary; false when the same message was written
  // within the window (or the write failed: events are best effort).
  bool write(const model::Canary& canary, bool warning, const std::string& reason,
             const std::string& message);
  // The same on any veer object (an Experiment): its metadata, apiVersion and kind.
  bool write(const model::ObjectMeta& meta, const std::string& api_version, const std::string& kind,
             bool warning, const std::string& reason, const std::string& message);

 private:
  kube::Cluster& cluster_;
  base::Clock& clock_;
  base::Clock::Duration window_;
  std::mutex mutex_;
  std::map<std::string, base::Clock::TimePoint> last_;  // ns/name + message -> when written
};

}  // namespace veer::runtime
