// Knative Serving: the user's Service (serving.knative.dev/v1, named by spec.targetRef) splits its
// traffic between the latest revision (the canary) and the primary revision, whose name veer keeps
// in the annotation veer.dev/primary-revision: the controller's recorded primary
// (CanaryRouting::primary_revision), else the annotation as it is (Flagger's
// flagger.app/primary-revision is honoured), else the latest ready revision. veer owns only
// spec.traffic and that annotation.
// Weights only.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class KnativeRouter final : public Router {
 public:
  std::string provider() const override { return "knative"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
