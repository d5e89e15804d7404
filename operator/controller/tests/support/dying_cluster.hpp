// A cluster seen by an operator that dies at its k-th API write of a reconcile: that write and
// every later one fail, as if the process was killed there (reads still work; the next pass is
// the restarted operator). Wraps the in-memory cluster the rest of the world keeps using.
#pragma once

#include "operator/kube/cluster.hpp"

namespace veer::controller::testing {

class DyingCluster final : public kube::Cluster {
 public:
  explicit DyingCluster(kube::Cluster& inner) : inner_(inner) {}

  // Starts a reconcile that dies at write `k` (0: never). Returns the writes the last one made.
  int start(int k) {
    const int made = writes_;
    die_at_ = k;
    writes_ = 0;
    return made;
  }
  int writes() const { return writes_; }

  kube::Result<kube::ResourceInfo> resolve(const kube::ResourceType& type) override {
    return inner_.resolve(type);
  }
  kube::Result<kube::Json> get(const kube::ObjectRef& ref) override { return inner_.get(ref); }
  kube::Result<kube::ObjectList> list(const kube::ResourceType& type, const std::string& ns,
                                      const kube::ListOptions& options) override {
    return inner_.list(type, ns, options);
  }
  kube::Result<kube::Json> create(const kube::Json& object) override {
    if (dead()) return killed();
    return inner_.create(object);
  }
  kube::Result<kube::Json> update(const kube::Json& object) override {
    if (dead()) return killed();
    return inner_.update(object);
  }
  kube::Result<kube::Json> update_status(const kube::Json& object) override {
    if (dead()) return killed();
    return inner_.update_status(object);
  }
  kube::Result<kube::Json> patch(const kube::ObjectRef& ref, kube::PatchType type,
                                 const kube::Json& patch,
                                 const kube::PatchOptions& options) override {
    if (dead()) return killed();
    return inner_.patch(ref, type, patch, options);
  }
  kube::Status remove(const kube::ObjectRef& ref, const kube::DeleteOptions& options) override {
    if (dead()) return killed();
    return inner_.remove(ref, options);
  }
  kube::Result<std::unique_ptr<kube::WatchStream>> watch(
      const kube::ResourceType& type, const std::string& ns,
      const kube::WatchOptions& options) override {
    return inner_.watch(type, ns, options);
  }

 private:
  bool dead() {
    ++writes_;
    return die_at_ > 0 && writes_ >= die_at_;
  }
  static kube::ApiError killed() {
    return {kube::ErrorType::Transport, 0, "", "the operator was killed here"};
  }

  kube::Cluster& inner_;
  int die_at_ = 0;
  int writes_ = 0;
};

}  // namespace veer::controller::testing
