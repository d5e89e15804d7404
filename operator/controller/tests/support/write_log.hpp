// A cluster that notes every write the operator makes through it ("update_status Canary
// podinfo", "create Event podinfo.…"), so a test can count them by what they touched.
#pragma once

#include <string>
#include <vector>

#include <optional>

#include "operator/kube/cluster_decorator.hpp"

namespace veer::controller::testing {

class WriteLog final : public kube::ClusterDecorator {
 public:
  explicit WriteLog(kube::Cluster& inner) : ClusterDecorator(inner) {}

  std::vector<std::string> writes;  // "<verb> <kind>" in order
  std::size_t count(const std::string& prefix) const {
    std::size_t n = 0;
    for (const auto& w : writes) n += w.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    if (call.is_write()) writes.push_back(std::string(call.verb_name()) + " " + call.kind);
    return std::nullopt;
  }
};

}  // namespace veer::controller::testing
