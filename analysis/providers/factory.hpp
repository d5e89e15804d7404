// One MetricsSource for a MetricTemplate's provider: prometheus, datadog and graphite are
// implemented; every other type validates but reports "provider X is not supported yet".
#pragma once

#include <map>
#include <memory>
#include <string>

#include "analysis/outcome.hpp"
#include "analysis/providers/metrics_source.hpp"
#include "model/metric_template.hpp"

namespace veer::analysis {

// `secret` is the decoded data of provider.secretRef (empty when none); `default_address` is the
// operator's --metrics-server, used by prometheus templates without an address.
Outcome<std::unique_ptr<MetricsSource>> make_metrics_source(
    const model::MetricProvider& provider, const std::map<std::string, std::string>& secret,
    const std::string& default_address);

}  // namespace veer::analysis
