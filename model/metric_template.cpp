#include "model/metric_template.hpp"

#include "model/document.hpp"
#include "model/field_reader.hpp"
#include "model/kind_header.hpp"

namespace veer::model {

const std::vector<std::string>& metric_provider_types() {
  static const std::vector<std::string> types{
      "prometheus", "influxdb", "datadog",   "externalmetrics", "stackdriver", "cloudwatch",
      "newrelic",   "graphite", "dynatrace", "keptn",           "splunk"};
  return types;
}

namespace {

MetricProvider read_provider(FieldReader& r) {
  MetricProvider p;
  if (!r.has("type")) r.error("type", "is required: e.g. prometheus");
  p.type = r.one_of("type", metric_provider_types(), "prometheus");
  p.address = r.string("address");
  bool url_provider = p.type == "prometheus" || p.type == "graphite" || p.type == "influxdb" ||
                      p.type == "splunk" || p.type == "dynatrace";
  if (!p.address.empty() && url_provider && !is_http_url(p.address))
    r.error("address", "\"" + p.address + "\" is not an http:// or https:// URL");
  if (p.type == "influxdb" && p.address.empty()) r.error("address", "is required for influxdb");
  auto headers = r.raw_object("headers");
  if (headers.is_object()) {
    for (const auto& [name, values] : headers.items()) {
      std::string path = child_path(r.path("headers"), name);
      if (values.is_string()) {
        p.headers[name].push_back(values.get<std::string>());
      } else if (values.is_array()) {
        for (const auto& v : values) {
          if (v.is_string())
            p.headers[name].push_back(v.get<std::string>());
          else
            r.errors().push_back({path, "header values must be strings", 0});
        }
      } else {
        r.errors().push_back({path, "must be a list of strings", 0});
      }
    }
  }
  r.object("secretRef", [&](FieldReader& s) {
    p.secret_ref = s.string("name");
    if (p.secret_ref.empty()) s.error("name", "is required");
  });
  p.region = r.string("region");
  if (p.type == "cloudwatch" && p.region.empty()) r.error("region", "is required for cloudwatch");
  p.insecure_skip_verify = r.boolean("insecureSkipVerify");
  return p;
}

}  // namespace

Parsed<MetricTemplate> parse_metric_template(const nlohmann::json& document, bool accept_flagger) {
  Parsed<MetricTemplate> out;
  FieldReader root(document, "", out.errors);
  read_kind_header(root, "MetricTemplate", accept_flagger);
  if (!root.object("metadata", [&](FieldReader& m) { out.value.metadata = read_object_meta(m); }))
    root.error("metadata", "is required (at least metadata.name)");
  if (!root.object("spec", [&](FieldReader& s) {
        if (!s.object("provider",
                      [&](FieldReader& p) { out.value.spec.provider = read_provider(p); }))
          s.error("provider", "is required: at least provider.type");
        out.value.spec.query = s.string("query");
        if (out.value.spec.query.empty())
          s.error("query", "is required: the query to run, e.g. PromQL for prometheus");
      }))
    root.error("spec", "is required");
  root.ignore({"status"});
  root.reject_unknown();
  return out;
}

nlohmann::json to_json(const MetricTemplate& t) {
  nlohmann::json provider = {{"type", t.spec.provider.type}};
  if (!t.spec.provider.address.empty()) provider["address"] = t.spec.provider.address;
  if (!t.spec.provider.headers.empty()) provider["headers"] = t.spec.provider.headers;
  if (!t.spec.provider.secret_ref.empty())
    provider["secretRef"] = {{"name", t.spec.provider.secret_ref}};
  if (!t.spec.provider.region.empty()) provider["region"] = t.spec.provider.region;
  if (t.spec.provider.insecure_skip_verify) provider["insecureSkipVerify"] = true;
  return {{"apiVersion", t.api_version},
          {"kind", t.kind},
          {"metadata", to_json(t.metadata)},
          {"spec", {{"provider", provider}, {"query", t.spec.query}}}};
}

}  // namespace veer::model
