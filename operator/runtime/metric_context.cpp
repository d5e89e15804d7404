#include "operator/runtime/metric_context.hpp"

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

}  // namespace veer::runtime
