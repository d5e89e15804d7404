// A cluster seen by an operator that dies at its k-th API write of a reconcile: that write and
// every later one fail, as if the process was killed there (reads still work; the next pass is
// the restarted operator). Wraps the in-memory cluster the rest of the world keeps using.
#pragma once

#include <optional>

#include "operator/kube/cluster_decorator.hpp"

namespace veer::controller::testing {

class DyingCluster final : public kube::ClusterDecorator {
 public:
  explicit DyingCluster(kube::Cluster& inner) : ClusterDecorator(inner) {}

  // Starts a reconcile that dies at write `k` (0: never). Returns the writes the last one made.
  int start(int k) {
    const int made = writes_;
    die_at_ = k;
    writes_ = 0;
    return made;
  }
  int writes() const { return writes_; }

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    if (!call.is_write() || !dead()) return std::nullopt;
    return killed();
  }

 private:
  bool dead() {
    ++writes_;
    return die_at_ > 0 && writes_ >= die_at_;
  }
  static kube::ApiError killed() {
    return {kube::ErrorType::Transport, 0, "", "the operator was killed here"};
  }

  int die_at_ = 0;
  int writes_ = 0;
};

}  // namespace veer::controller::testing
