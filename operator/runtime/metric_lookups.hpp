// The MetricTemplates, Secrets and metric sources one look reads (the Canary's metrics checker
// and the Experiment's counts source share them): templates from the cache by reference, and
// for each template's provider the source to query (the default Prometheus at --metrics-server,
// or one made from the provider's type, address and Secret). Kept for one look only: templates
// and Secrets may change between looks; the cache makes reading them again free.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/providers/factory.hpp"
#include "analysis/providers/metrics_source.hpp"
#include "model/metric_template.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::runtime {

class Lookups {
 public:
  // `given`: answers instead of a Prometheus at `address` when set (demo, tests); not owned.
  Lookups(kube::Cluster& objects, std::string ns, std::string address,
          std::chrono::milliseconds timeout, analysis::MetricsSource* given);

  analysis::MetricsSource& default_source() { return given_ ? *given_ : *default_source_; }
  // Why the template "<ns>/<name>" could not be read ("" when it could, or is just absent).
  std::string problem(const std::string& key) const;
  // Null when absent or invalid (problem() says why).
  const model::MetricTemplate* find_template(const model::NamedReference& ref);
  base::Outcome<analysis::MetricsSource*> source_for(const model::MetricProvider& provider);

 private:
  kube::Cluster& objects_;
  std::string ns_;
  std::string address_;
  std::chrono::milliseconds timeout_;  // each query's, the default source's and the templates'
  analysis::MetricsSource* given_;
  std::unique_ptr<analysis::MetricsSource> default_source_;
  std::map<std::string, model::MetricTemplate> templates_;  // node-based: pointers stay valid
  std::map<const model::MetricProvider*, std::string> template_namespace_;
  std::map<std::string, std::string> problems_;
  std::vector<std::unique_ptr<analysis::MetricsSource>> sources_;
};

}  // namespace veer::runtime
