#include "model/validate_document.hpp"

#include <algorithm>

#include "model/alert_provider.hpp"
#include "model/canary.hpp"
#include "model/experiment.hpp"
#include "model/json_lookup.hpp"
#include "model/kind_header.hpp"
#include "model/mesh_providers.hpp"
#include "model/metric_template.hpp"

namespace veer::model {

namespace {

// Moves `gap` (a limit of veer, not of the document) from errors to notes in Flagger mode.
void demote(DocumentCheck& check, const FieldError& gap) {
  auto it = std::find_if(check.errors.begin(), check.errors.end(), [&](const FieldError& e) {
    return e.path == gap.path && e.reason == gap.reason;
  });
  if (it == check.errors.end()) return;
  check.notes.push_back({it->path, it->reason + " (Flagger runs it)", it->line});
  check.errors.erase(it);
}

DocumentCheck check_canary(const Document& document, const ValidationOptions& options) {
  DocumentCheck out;
  nlohmann::json object = document.json;
  std::string provider = json_text_at(object, {"spec", "provider"});
  if (provider.empty() && object.contains("spec") && object["spec"].is_object()) {
    if (!options.mesh_provider.empty()) {
      provider = options.mesh_provider;  // what the operator does (canary_reconciler.cpp)
    } else if (options.infer_provider) {
      auto guess = infer_provider(object, options.fallback_provider, options.ingress_classes);
      provider = guess.provider;
      out.notes.push_back({"spec.provider",
                           "not set: validated for provider " + provider + " (" + guess.because +
                               "); pass --mesh-provider to name the operator's",
                           0});
    }
    if (!provider.empty()) object["spec"]["provider"] = provider;
  }
  out.errors = parse_canary(object, options.flagger).errors;
  if (options.flagger) demote(out, {"spec.provider", router_gap(provider), 0});
  return out;
}

DocumentCheck check_metric_template(const Document& document, const ValidationOptions& options) {
  DocumentCheck out;
  out.errors = parse_metric_template(document.json, options.flagger).errors;
  // "" when absent (prometheus) or not a string (reported by the parse).
  std::string type = json_text_at(document.json, {"spec", "provider", "type"});
  const auto& measurable = measurable_metric_provider_types();
  const auto& known = metric_provider_types();
  if (type.empty() || std::find(known.begin(), known.end(), type) == known.end() ||
      std::find(measurable.begin(), measurable.end(), type) != measurable.end())
    return out;
  std::string list;
  for (const auto& t : measurable) list += (list.empty() ? "" : ", ") + t;
  FieldError gap{"spec.provider.type",
                 "veer cannot query " + type + " metrics: supported types are " + list +
                     " (a Canary using this template would never get a value)",
                 0};
  (options.flagger ? out.notes : out.errors).push_back(gap);
  if (options.flagger) out.notes.back().reason += " (Flagger runs it)";
  return out;
}

}  // namespace

bool is_veer_document(const Document& document) {
  return document.api_version.rfind(std::string(kApiGroup) + "/", 0) == 0;
}

bool is_flagger_document(const Document& document) {
  return document.api_version.rfind("flagger.app/", 0) == 0;
}

const std::vector<std::string>& measurable_metric_provider_types() {
  static const std::vector<std::string> types{"prometheus", "datadog", "graphite", "influxdb",
                                              "newrelic"};
  return types;
}

DocumentCheck check_document(const Document& document, const ValidationOptions& options) {
  DocumentCheck out;
  const auto& kind = document.kind;
  if (kind == "Canary")
    out = check_canary(document, options);
  else if (kind == "MetricTemplate")
    out = check_metric_template(document, options);
  else if (kind == "AlertProvider")
    out.errors = parse_alert_provider(document.json, options.flagger).errors;
  else if (kind == "Experiment" && is_veer_document(document))
    out.errors = parse_experiment(document.json).errors;
  else
    out.errors.push_back({"kind",
                          "\"" + kind +
                              "\" is not a veer kind: use Canary, MetricTemplate, "
                              "AlertProvider or Experiment",
                          0});
  document.locate(out.errors);
  document.locate(out.notes);
  return out;
}

std::vector<FieldError> validate_document(const Document& document) {
  return check_document(document, {}).errors;
}

}  // namespace veer::model
