// The analysis context of a Canary (template variables name, namespace, target, service,
// ingress, route and, for a Knative target, revision), shared by the operator's metrics checker
// and `veer analyze`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/templates.hpp"
#include "model/canary.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::runtime {

// `default_namespace` is used when the Canary has none (a file read by `veer analyze`).
analysis::TemplateContext template_context(const model::Canary& canary,
                                           const std::string& default_namespace = "default");

// The revisions of a Knative target's Service, as the controller names them: the canary's is
// status.latestCreatedRevisionName (what Flagger measures too), the primary's the revision the
// router keeps as primary in this phase (controller::knative_primary_revision). A Service
// without a revision yet leaves them empty and says so in revision_problem.
void set_knative_revisions(analysis::TemplateContext& context, const model::Canary& canary,
                           const nlohmann::json& service);

// template_context, and for a Knative target the revisions of its Service read from `objects`
// (the operator's cache). A failed read is not taken for "no revision": its reason goes to
// revision_problem, so a query naming {{ revision }} is NoData with that reason.
analysis::TemplateContext template_context(const model::Canary& canary, kube::Cluster& objects);

}  // namespace veer::runtime
