// SMI TrafficSplit <svc> (split.smi-spec.io v1alpha1..v1alpha4), as Flagger's linkerd and smi
// providers write it. Weights only: SMI has no header matches, mirroring or cookies here.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

enum class SmiVersion { v1alpha1, v1alpha2, v1alpha3, v1alpha4 };

class SmiRouter final : public Router {
 public:
  SmiRouter(std::string provider, SmiVersion version)
      : provider_(std::move(provider)), version_(version) {}
  std::string provider() const override { return provider_; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;

 private:
  std::string api_version() const;
  std::string provider_;
  SmiVersion version_;
};

}  // namespace veer::meshes
