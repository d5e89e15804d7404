// MetricTemplate queries rendered with Flagger's variables ({{ name }}, {{ namespace }},
// {{ target }}, {{ service }}, {{ ingress }}, {{ route }}, {{ interval }}, {{ variables.x }})
// and, for a Knative target, {{ revision }}, once for the canary and once for the primary
// (target = <target>-primary, revision = the primary revision).
#pragma once

#include <map>
#include <string>

#include "analysis/outcome.hpp"

namespace veer::analysis {

struct TemplateContext {
  std::string name;        // the Canary's name
  std::string namespace_;  // the Canary's namespace
  std::string target;      // targetRef.name (the primary's context: <target>-primary)
  std::string service;     // service.name, default target
  std::string ingress;     // ingressRef.name
  std::string route;       // routeRef.name
  std::string interval;    // the metric's interval, as a PromQL duration ("1m")
  // A Knative target's revision of this side: the Service's latest created revision (the
  // canary), or in the primary's context the primary revision. {{ route }} falls back to it, as
  // Flagger sets route to the latest revision for Knative.
  std::string revision;
  std::string primary_revision;  // becomes `revision` in the primary's context
  // Why `revision` is empty ("" = the target is not a Knative Service): {{ revision }} is then
  // an error that says so, never an empty name that selects no series.
  std::string revision_problem;
  std::map<std::string, std::string> variables;  // templateVariables
};

// The same context with the primary's workload as the target and the primary revision as the
// revision.
TemplateContext primary_context(TemplateContext canary);

// Replaces each {{ variable }} (also {{ .variable }}, {{- variable -}}). An unknown variable or an
// unclosed action is an error naming `template_name` and the variable.
Outcome<std::string> render_query(const std::string& query, const TemplateContext& context,
                                  const std::string& template_name);

// A duration in milliseconds as PromQL writes it: 60000 -> "1m", 90000 -> "90s", 500 -> "500ms".
std::string promql_duration(long long milliseconds);

}  // namespace veer::analysis
