// The MetricTemplate kind: a named query against a metrics provider (Flagger field names).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/object_meta.hpp"
#include "model/validation.hpp"

namespace veer::model {

struct MetricProvider {
  // prometheus | influxdb | datadog | externalmetrics | stackdriver | cloudwatch | newrelic |
  // graphite | dynatrace | keptn | splunk
  std::string type = "prometheus";
  std::string address;                                      // "" = the operator's --metrics-server
  std::map<std::string, std::vector<std::string>> headers;  // extra HTTP headers
  std::string secret_ref;  // name of a Secret in the template's namespace, "" when none
  std::string region;      // cloudwatch
  bool insecure_skip_verify = false;
};

struct MetricTemplateSpec {
  MetricProvider provider;
  // A Go text/template with {{ name }}, {{ namespace }}, {{ target }}, {{ service }},
  // {{ ingress }}, {{ route }}, {{ interval }} and {{ variables.x }}.
  std::string query;
};

struct MetricTemplate {
  std::string api_version = "veer.dev/v1beta1";
  std::string kind = "MetricTemplate";
  ObjectMeta metadata;
  MetricTemplateSpec spec;
};

const std::vector<std::string>& metric_provider_types();

Parsed<MetricTemplate> parse_metric_template(const nlohmann::json& document,
                                             bool accept_flagger = false);
nlohmann::json to_json(const MetricTemplate& metric_template);

}  // namespace veer::model
