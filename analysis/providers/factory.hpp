// One MetricsSource for a MetricTemplate's provider: prometheus, datadog, graphite, influxdb and
// newrelic are implemented; every other type validates but reports "provider X is not supported
// yet". Missing credentials are errors naming the Secret keys wanted.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "analysis/outcome.hpp"
#include "analysis/providers/metrics_source.hpp"
#include "model/metric_template.hpp"

namespace veer::analysis {

// `secret` is the decoded data of provider.secretRef (empty when none); `default_address` is the
// operator's --metrics-server, used by prometheus templates without an address; `timeout` bounds
// each query.
Outcome<std::unique_ptr<MetricsSource>> make_metrics_source(
    const model::MetricProvider& provider, const std::map<std::string, std::string>& secret,
    const std::string& default_address,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

// True when `provider` is the Prometheus at `default_address` with nothing of its own (no other
// address, Secret, headers or TLS choice): its queries go to the shared default source, so the
// operator and `veer analyze` make no second client for it.
bool uses_default_source(const model::MetricProvider& provider, const std::string& default_address);

// What a provider type needs from the Secret in its secretRef and `secret` lacks, in words
// ("org", "token, or username and password"); nothing when the Secret is complete.
std::optional<std::string> missing_secret_keys(const std::string& provider_type,
                                               const std::map<std::string, std::string>& secret);

}  // namespace veer::analysis
