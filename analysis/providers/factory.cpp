#include "analysis/providers/factory.hpp"

#include "analysis/providers/datadog.hpp"
#include "analysis/providers/graphite.hpp"
#include "analysis/providers/prometheus.hpp"

namespace veer::analysis {

Outcome<std::unique_ptr<MetricsSource>> make_metrics_source(
    const model::MetricProvider& provider, const std::map<std::string, std::string>& secret,
    const std::string& default_address) {
  const std::string& address = provider.address;
  if (provider.type == "prometheus" || provider.type.empty()) {
    PrometheusConfig config;
    config.address = address.empty() ? default_address : address;
    if (config.address.empty()) {
      return fail("provider prometheus has no address and no default metrics server is set");
    }
    for (const auto& [name, values] : provider.headers) {
      for (const auto& value : values) config.headers.emplace_back(name, value);
    }
    config.insecure_skip_verify = provider.insecure_skip_verify;
    apply_secret(config, secret);
    return std::unique_ptr<MetricsSource>(std::make_unique<PrometheusSource>(config));
  }
  if (provider.type == "datadog") {
    DatadogConfig config;
    if (!address.empty()) config.address = address;
    apply_datadog_secret(config, secret);
    if (config.api_key.empty() || config.application_key.empty()) {
      return fail(
          "provider datadog needs datadog_api_key and datadog_application_key in its "
          "secretRef");
    }
    return std::unique_ptr<MetricsSource>(std::make_unique<DatadogSource>(config));
  }
  if (provider.type == "graphite") {
    if (address.empty()) return fail("provider graphite needs an address");
    GraphiteConfig config;
    config.address = address;
    auto user = secret.find("username");
    auto password = secret.find("password");
    if (user != secret.end() && password != secret.end()) {
      config.basic_auth = http::BasicAuth{user->second, password->second};
    }
    return std::unique_ptr<MetricsSource>(std::make_unique<GraphiteSource>(config));
  }
  return fail("provider " + provider.type + " is not supported yet");
}

}  // namespace veer::analysis
