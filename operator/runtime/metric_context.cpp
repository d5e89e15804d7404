#include "operator/runtime/metric_context.hpp"

#include "operator/controller/knative_target.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::runtime {

analysis::TemplateContext template_context(const model::Canary& canary,
                                           const std::string& default_namespace) {
  analysis::TemplateContext context;
  context.name = canary.metadata.name;
  context.namespace_ =
      canary.metadata.namespace_.empty() ? default_namespace : canary.metadata.namespace_;
  context.target = canary.spec.target_ref.name;
  context.service = canary.spec.service_name();
  if (canary.spec.ingress_ref) context.ingress = canary.spec.ingress_ref->name;
  if (canary.spec.route_ref) context.route = canary.spec.route_ref->name;
  return context;
}

void set_knative_revisions(analysis::TemplateContext& context, const model::Canary& canary,
                           const nlohmann::json& service) {
  const auto latest =
      service.value("/status/latestCreatedRevisionName"_json_pointer, nlohmann::json());
  context.revision = latest.is_string() ? latest.get<std::string>() : "";
  context.primary_revision =
      controller::knative_primary_revision(service, canary.status.phase, canary.status);
  context.revision_problem = context.revision.empty()
                                 ? "Knative Service " + context.namespace_ + "/" +
                                       canary.spec.target_ref.name +
                                       " has no revision yet (status.latestCreatedRevisionName "
                                       "is empty)"
                                 : "";
}

analysis::TemplateContext template_context(const model::Canary& canary, kube::Cluster& objects) {
  auto context = template_context(canary);
  if (!controller::is_knative_target(canary.spec)) return context;
  const kube::ObjectRef ref{types::knative_services(), context.namespace_,
                            canary.spec.target_ref.name};
  auto service = objects.get(ref);
  if (!service) {
    context.revision_problem = "reading Knative Service " + context.namespace_ + "/" + ref.name +
                               " failed: " + service.error().message;
    return context;
  }
  set_knative_revisions(context, canary, *service);
  return context;
}

}  // namespace veer::runtime
