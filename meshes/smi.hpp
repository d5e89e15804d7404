// SMI TrafficSplit <svc> (split.smi-spec.io v1alpha1..v1alpha4), as Flagger's linkerd and smi
// providers write it, also as "smi:<version>:<mesh>" (for mesh istio with spec.service.gateways,
// the gateways go into the annotation Istio's SMI adapter reads). Weights only: SMI has no header
// matches, mirroring or cookies here.
#pragma once

#include <map>
#include <optional>

#include "meshes/router.hpp"

namespace veer::meshes {

enum class SmiVersion { v1alpha1, v1alpha2, v1alpha3, v1alpha4 };

struct SmiBackend {
  std::string service;
  int weight = 0;
};

class SmiRouter final : public Router {
 public:
  // `mesh` is the third part of "smi:<version>:<mesh>" ("" when absent).
  SmiRouter(std::string provider, SmiVersion version, std::string mesh = "")
      : provider_(std::move(provider)), version_(version), mesh_(std::move(mesh)) {}
  std::string provider() const override { return provider_; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;

  // The TrafficSplit <apex> splitting between `backends`, owned by `owner`: apply() passes the
  // canary and primary Services, an Experiment's routes its two versions' Services.
  Write split(const CanaryRouting& owner, const std::vector<SmiBackend>& backends,
              const Observed& observed) const;
  // The weight of each Service the TrafficSplit lists (nullopt: not an integer weight).
  Expected<std::map<std::string, std::optional<int>>> backend_weights(
      const CanaryRouting& owner, const Observed& observed) const;

 private:
  std::string api_version() const;
  std::string provider_;
  SmiVersion version_;
  std::string mesh_;
};

}  // namespace veer::meshes
