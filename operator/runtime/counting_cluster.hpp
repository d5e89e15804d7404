// A Cluster decorator that counts the requests passing through it, by Kubernetes verb (get, list,
// watch, create, update, patch, delete), for /metrics (veer_api_requests_total) and for tests
// and benchmarks that check what an idle operator costs the API server.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <string>

#include <optional>

#include "operator/kube/cluster_decorator.hpp"

namespace veer::runtime {

class CountingCluster final : public kube::ClusterDecorator {
 public:
  explicit CountingCluster(kube::Cluster& inner) : ClusterDecorator(inner) {}

  std::map<std::string, std::size_t> counts() const;
  std::size_t count(const std::string& verb) const;
  std::size_t reads() const { return count("get") + count("list"); }
  std::size_t writes() const;

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override;

 private:
  enum Verb { Get, List, Watch, Create, Update, Patch, Delete, VerbCount };
  static const char* name_of(int verb);

  std::array<std::atomic<std::size_t>, VerbCount> counts_{};
};

}  // namespace veer::runtime
