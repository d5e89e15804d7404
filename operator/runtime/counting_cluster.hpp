// A Cluster decorator that counts the requests passing through it, by Kubernetes verb (get, list,
// watch, create, update, patch, delete), for /metrics (veer_api_requests_total) and for tests
// and benchmarks that check what an idle operator costs the API server.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::runtime {

class CountingCluster final : public kube::Cluster {
 public:
  explicit CountingCluster(kube::Cluster& inner) : inner_(inner) {}

  std::map<std::string, std::size_t> counts() const;
  std::size_t count(const std::string& verb) const;
  std::size_t reads() const { return count("get") + count("list"); }
  std::size_t writes() const;

  kube::Result<kube::ResourceInfo> resolve(const kube::ResourceType& type) override;
  kube::Result<kube::Json> get(const kube::ObjectRef& ref) override;
  kube::Result<kube::ObjectList> list(const kube::ResourceType& type, const std::string& ns,
                                      const kube::ListOptions& options = {}) override;
  kube::Result<kube::Json> create(const kube::Json& object) override;
  kube::Result<kube::Json> update(const kube::Json& object) override;
  kube::Result<kube::Json> update_status(const kube::Json& object) override;
  kube::Result<kube::Json> patch(const kube::ObjectRef& ref, kube::PatchType type,
                                 const kube::Json& patch,
                                 const kube::PatchOptions& options = {}) override;
  kube::Status remove(const kube::ObjectRef& ref, const kube::DeleteOptions& options = {}) override;
  kube::Result<std::unique_ptr<kube::WatchStream>> watch(
      const kube::ResourceType& type, const std::string& ns,
      const kube::WatchOptions& options = {}) override;

 private:
  enum Verb { Get, List, Watch, Create, Update, Patch, Delete, VerbCount };
  static const char* name_of(int verb);

  kube::Cluster& inner_;
  std::array<std::atomic<std::size_t>, VerbCount> counts_{};
};

}  // namespace veer::runtime
