// NGINX ingress: the `<ingress>-canary` Ingress, a copy of the user's Ingress (spec.ingressRef)
// whose backend is the canary Service, with the canary annotations. The user's Ingress is never
// changed; it must send traffic to the apex Service.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class NginxRouter final : public Router {
 public:
  explicit NginxRouter(std::string annotation_prefix) : prefix_(std::move(annotation_prefix)) {}
  std::string provider() const override { return "nginx"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;

  // The `<ingress>-canary` Ingress sending `weight` percent of the requests to `backend` instead
  // of the apex Service; with `match` (named `match_field` in errors), every matching request
  // while `weight` is above 0, and none else. apply() passes the canary Service and
  // spec.analysis.match, an Experiment's routes its candidate and spec.strategy.match.
  Expected<Write> canary_ingress(const CanaryRouting& owner, const std::string& backend, int weight,
                                 const nlohmann::json& match, const std::string& match_field,
                                 const Observed& observed) const;
  // The canary Ingress's share: its weight, or 100 while it routes by a header or a cookie.
  Expected<int> canary_share(const CanaryRouting& owner, const Observed& observed) const;

 private:
  std::string annotation(const char* name) const { return prefix_ + "/" + name; }
  std::string prefix_;  // "nginx.ingress.kubernetes.io" unless the operator says otherwise
};

}  // namespace veer::meshes
