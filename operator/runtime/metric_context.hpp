// The analysis context of a Canary (template variables name, namespace, target, service,
// ingress, route), shared by the operator's metrics checker and, ideally, `veer analyze`.
#pragma once

#include <string>

#include "analysis/templates.hpp"
#include "model/canary.hpp"

namespace veer::runtime {

// `default_namespace` is used when the Canary has none (a file read by `veer analyze`).
analysis::TemplateContext template_context(const model::Canary& canary,
                                           const std::string& default_namespace = "default");

}  // namespace veer::runtime
