// A cluster that notes every write the operator makes through it ("update_status Canary
// podinfo", "create Event podinfo.…"), so a test can count them by what they touched.
#pragma once

#include <string>
#include <vector>

#include "operator/kube/cluster.hpp"

namespace veer::controller::testing {

class WriteLog final : public kube::Cluster {
 public:
  explicit WriteLog(kube::Cluster& inner) : inner_(inner) {}

  std::vector<std::string> writes;  // "<verb> <kind>" in order
  std::size_t count(const std::string& prefix) const {
    std::size_t n = 0;
    for (const auto& w : writes) n += w.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

  kube::Result<kube::ResourceInfo> resolve(const kube::ResourceType& type) override {
    return inner_.resolve(type);
  }
  kube::Result<kube::Json> get(const kube::ObjectRef& ref) override { return inner_.get(ref); }
  kube::Result<kube::ObjectList> list(const kube::ResourceType& type, const std::string& ns,
                                      const kube::ListOptions& options) override {
    return inner_.list(type, ns, options);
  }
  kube::Result<kube::Json> create(const kube::Json& object) override {
    note("create", object.value("kind", ""));
    return inner_.create(object);
  }
  kube::Result<kube::Json> update(const kube::Json& object) override {
    note("update", object.value("kind", ""));
    return inner_.update(object);
  }
  kube::Result<kube::Json> update_status(const kube::Json& object) override {
    note("update_status", object.value("kind", ""));
    return inner_.update_status(object);
  }
  kube::Result<kube::Json> patch(const kube::ObjectRef& ref, kube::PatchType type,
                                 const kube::Json& patch,
                                 const kube::PatchOptions& options) override {
    note("patch", ref.type.kind);
    return inner_.patch(ref, type, patch, options);
  }
  kube::Status remove(const kube::ObjectRef& ref, const kube::DeleteOptions& options) override {
    note("delete", ref.type.kind);
    return inner_.remove(ref, options);
  }
  kube::Result<std::unique_ptr<kube::WatchStream>> watch(
      const kube::ResourceType& type, const std::string& ns,
      const kube::WatchOptions& options) override {
    return inner_.watch(type, ns, options);
  }

 private:
  void note(const char* verb, const std::string& kind) {
    writes.push_back(std::string(verb) + " " + kind);
  }
  kube::Cluster& inner_;
};

}  // namespace veer::controller::testing
