// The Cluster interface over a real kube-apiserver: any group/version/resource (resolved through
// cached discovery, so other projects' CRDs work), client-side rate limiting (QPS and burst), a
// timeout on every request, bearer tokens (fixed, rotated file, exec plugin) or client
// certificates, and watches as streams of JSON lines.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/kubeconfig.hpp"

namespace veer::kube {

class RestCluster final : public Cluster {
 public:
  // A bad server URL, CA or client certificate shows up on the first call as a Configuration
  // error; use `check()` to find it at start-up.
  RestCluster(const ClientConfig& config, base::Clock& clock);
  ~RestCluster() override;
  RestCluster(const RestCluster&) = delete;
  RestCluster& operator=(const RestCluster&) = delete;

  // Asks the server for its version: one clear error for an unreachable server, a bad token or
  // a TLS mismatch.
  Result<Json> check();

  Result<ResourceInfo> resolve(const ResourceType& type) override;
  Result<Json> get(const ObjectRef& ref) override;
  Result<ObjectList> list(const ResourceType& type, const std::string& ns,
                          const ListOptions& options = {}) override;
  Result<Json> create(const Json& object) override;
  Result<Json> update(const Json& object) override;
  Result<Json> update_status(const Json& object) override;
  Result<Json> patch(const ObjectRef& ref, PatchType type, const Json& patch,
                     const PatchOptions& options = {}) override;
  Status remove(const ObjectRef& ref, const DeleteOptions& options = {}) override;
  Result<std::unique_ptr<WatchStream>> watch(const ResourceType& type, const std::string& ns,
                                             const WatchOptions& options = {}) override;

  // The client-side rate limit from now on (`veer operator --kube-api-qps auto` follows the
  // fleet's need: runtime/fleet_rate.hpp).
  void set_rate(double qps, int burst);

  // Requests sent so far, by verb (benchmarks and idle-controller tests count them).
  std::map<std::string, std::size_t> request_counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace veer::kube
