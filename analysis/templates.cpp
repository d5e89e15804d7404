#include "analysis/templates.hpp"

namespace veer::analysis {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\n");
  return text.substr(first, last - first + 1);
}

const std::string* lookup(const std::string& variable, const TemplateContext& c) {
  if (variable == "name") return &c.name;
  if (variable == "namespace") return &c.namespace_;
  if (variable == "target") return &c.target;
  if (variable == "service") return &c.service;
  if (variable == "ingress") return &c.ingress;
  if (variable == "route") return c.route.empty() && !c.revision.empty() ? &c.revision : &c.route;
  if (variable == "revision") return &c.revision;
  if (variable == "interval") return &c.interval;
  const std::string prefix = "variables.";
  if (variable.rfind(prefix, 0) == 0) {
    auto found = c.variables.find(variable.substr(prefix.size()));
    if (found != c.variables.end()) return &found->second;
  }
  return nullptr;
}

}  // namespace

TemplateContext primary_context(TemplateContext canary) {
  canary.target += "-primary";
  if (!canary.revision.empty() && canary.primary_revision.empty())
    canary.revision_problem = "no primary revision is known (the Knative Service names none)";
  canary.revision = canary.primary_revision;
  return canary;
}

Outcome<std::string> render_query(const std::string& query, const TemplateContext& context,
                                  const std::string& template_name) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const auto open = query.find("{{", at);
    if (open == std::string::npos) {
      out += query.substr(at);
      return out;
    }
    const auto close = query.find("}}", open + 2);
    if (close == std::string::npos) {
      return fail("template " + template_name + ": \"{{\" at offset " + std::to_string(open) +
                  " is never closed");
    }
    out += query.substr(at, open - at);
    std::string action = query.substr(open + 2, close - open - 2);
    // Go's whitespace trimming markers: "{{- x -}}".
    if (!action.empty() && action.front() == '-') action.erase(0, 1);
    if (!action.empty() && action.back() == '-') action.pop_back();
    std::string variable = trim(action);
    if (!variable.empty() && variable.front() == '.') variable.erase(0, 1);
    const std::string* value = lookup(variable, context);
    if (!value) {
      return fail("template " + template_name + ": unknown variable \"" + variable +
                  "\" (known: name, namespace, target, service, ingress, route, interval, "
                  "revision, variables.<key> from templateVariables)");
    }
    if (variable == "revision" && value->empty()) {
      return fail("template " + template_name + ": {{ revision }} has no value: " +
                  (context.revision_problem.empty()
                       ? "only a Knative Service target (serving.knative.dev) has revisions"
                       : context.revision_problem));
    }
    out += *value;
    at = close + 2;
  }
}

std::string promql_duration(long long milliseconds) {
  if (milliseconds > 0 && milliseconds % 3'600'000 == 0) {
    return std::to_string(milliseconds / 3'600'000) + "h";
  }
  if (milliseconds > 0 && milliseconds % 60'000 == 0) {
    return std::to_string(milliseconds / 60'000) + "m";
  }
  if (milliseconds % 1000 == 0) return std::to_string(milliseconds / 1000) + "s";
  return std::to_string(milliseconds) + "ms";
}

}  // namespace veer::analysis
