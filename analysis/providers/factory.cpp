#include "analysis/providers/factory.hpp"

#include <vector>

#include "analysis/providers/datadog.hpp"
#include "analysis/providers/graphite.hpp"
#include "analysis/providers/influxdb.hpp"
#include "analysis/providers/newrelic.hpp"
#include "analysis/providers/prometheus.hpp"

namespace veer::analysis {
namespace {

std::vector<std::pair<std::string, std::string>> header_list(
    const model::MetricProvider& provider) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, values] : provider.headers) {
    for (const auto& value : values) out.emplace_back(name, value);
  }
  return out;
}

// "provider influxdb needs token and org in its secretRef" (naming the Secret when there is one).
Error missing_keys(const model::MetricProvider& provider, const std::string& keys) {
  return fail(
      "provider " + provider.type + " needs " + keys + " in its secretRef" +
      (provider.secret_ref.empty() ? " (it has none)" : " (Secret " + provider.secret_ref + ")"));
}

}  // namespace

std::optional<std::string> missing_secret_keys(const std::string& provider_type,
                                               const std::map<std::string, std::string>& secret) {
  auto has = [&](const char* key) { return secret.count(key) > 0; };
  if (provider_type == "prometheus" || provider_type.empty()) {
    if (has("token") || (has("username") && has("password"))) return std::nullopt;
    return "token, or username and password";
  }
  std::vector<const char*> wanted;
  if (provider_type == "graphite") wanted = {"username", "password"};
  if (provider_type == "datadog") wanted = {"datadog_api_key", "datadog_application_key"};
  if (provider_type == "influxdb") wanted = {"token", "org"};
  if (provider_type == "newrelic") wanted = {"newrelic_account_id", "newrelic_query_key"};
  std::string missing;
  for (const char* key : wanted) {
    if (!has(key)) missing += std::string(missing.empty() ? "" : " and ") + key;
  }
  if (missing.empty()) return std::nullopt;
  return missing;
}

bool uses_default_source(const model::MetricProvider& provider,
                         const std::string& default_address) {
  const bool prometheus = provider.type.empty() || provider.type == "prometheus";
  return prometheus && (provider.address.empty() || provider.address == default_address) &&
         provider.secret_ref.empty() && provider.headers.empty() && !provider.insecure_skip_verify;
}

Outcome<std::unique_ptr<MetricsSource>> make_metrics_source(
    const model::MetricProvider& provider, const std::map<std::string, std::string>& secret,
    const std::string& default_address, std::chrono::milliseconds timeout) {
  const std::string& address = provider.address;
  if (provider.type == "prometheus" || provider.type.empty()) {
    PrometheusConfig config;
    config.address = address.empty() ? default_address : address;
    if (config.address.empty()) {
      return fail("provider prometheus has no address and no default metrics server is set");
    }
    config.headers = header_list(provider);
    config.insecure_skip_verify = provider.insecure_skip_verify;
    config.timeout = timeout;
    apply_secret(config, secret);
    return std::unique_ptr<MetricsSource>(std::make_unique<PrometheusSource>(config));
  }
  if (provider.type == "datadog") {
    DatadogConfig config;
    if (!address.empty()) config.address = address;
    config.timeout = timeout;
    apply_datadog_secret(config, secret);
    if (config.api_key.empty() || config.application_key.empty()) {
      return missing_keys(provider, "datadog_api_key and datadog_application_key");
    }
    return std::unique_ptr<MetricsSource>(std::make_unique<DatadogSource>(config));
  }
  if (provider.type == "graphite") {
    if (address.empty()) return fail("provider graphite needs an address");
    GraphiteConfig config;
    config.address = address;
    config.timeout = timeout;
    auto user = secret.find("username");
    auto password = secret.find("password");
    if (user != secret.end() && password != secret.end()) {
      config.basic_auth = http::BasicAuth{user->second, password->second};
    }
    return std::unique_ptr<MetricsSource>(std::make_unique<GraphiteSource>(config));
  }
  if (provider.type == "influxdb") {
    if (address.empty()) return fail("provider influxdb needs an address");
    InfluxdbConfig config;
    config.address = address;
    config.headers = header_list(provider);
    config.insecure_skip_verify = provider.insecure_skip_verify;
    config.timeout = timeout;
    apply_influxdb_secret(config, secret);
    if (config.token.empty() || config.org.empty()) return missing_keys(provider, "token and org");
    return std::unique_ptr<MetricsSource>(std::make_unique<InfluxdbSource>(config));
  }
  if (provider.type == "newrelic") {
    NewRelicConfig config;
    if (!address.empty()) config.address = address;
    config.timeout = timeout;
    apply_newrelic_secret(config, secret);
    if (config.account_id.empty() || config.query_key.empty()) {
      return missing_keys(provider, "newrelic_account_id and newrelic_query_key");
    }
    return std::unique_ptr<MetricsSource>(std::make_unique<NewRelicSource>(config));
  }
  return fail("provider " + provider.type + " is not supported yet");
}

}  // namespace veer::analysis
