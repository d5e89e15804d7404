#include "model/validate_document.hpp"

#include "model/alert_provider.hpp"
#include "model/canary.hpp"
#include "model/experiment.hpp"
#include "model/kind_header.hpp"
#include "model/metric_template.hpp"

namespace veer::model {

bool is_veer_document(const Document& document) {
  return document.api_version.rfind(std::string(kApiGroup) + "/", 0) == 0;
}

std::vector<FieldError> validate_document(const Document& document) {
  std::vector<FieldError> errors;
  const auto& kind = document.kind;
  if (kind == "Canary")
    errors = parse_canary(document.json).errors;
  else if (kind == "MetricTemplate")
    errors = parse_metric_template(document.json).errors;
  else if (kind == "AlertProvider")
    errors = parse_alert_provider(document.json).errors;
  else if (kind == "Experiment")
    errors = parse_experiment(document.json).errors;
  else
    errors.push_back({"kind",
                      "\"" + kind +
                          "\" is not a veer kind: use Canary, MetricTemplate, "
                          "AlertProvider or Experiment",
                      0});
  document.locate(errors);
  return errors;
}

}  // namespace veer::model
