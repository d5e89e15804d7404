#include "operator/runtime/metric_lookups.hpp"

#include "analysis/providers/factory.hpp"
#include "analysis/providers/prometheus.hpp"
#include "operator/kube/secret_data.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::runtime {

Lookups::Lookups(kube::Cluster& objects, std::string ns, std::string address,
                 std::chrono::milliseconds timeout, analysis::MetricsSource* given)
    : objects_(objects),
      ns_(std::move(ns)),
      address_(std::move(address)),
      timeout_(timeout),
      given_(given) {
  analysis::PrometheusConfig config;
  config.address = address_;
  config.timeout = timeout;
  if (!given_) default_source_ = std::make_unique<analysis::PrometheusSource>(config);
}

std::string Lookups::problem(const std::string& key) const {
  auto it = problems_.find(key);
  return it == problems_.end() ? "" : it->second;
}

const model::MetricTemplate* Lookups::find_template(const model::NamedReference& ref) {
  const std::string ns = ref.namespace_.empty() ? ns_ : ref.namespace_;
  const std::string key = ns + "/" + ref.name;
  if (auto it = templates_.find(key); it != templates_.end()) return &it->second;
  auto got = objects_.get({types::metric_templates(), ns, ref.name});
  if (!got) {
    if (!got.is(kube::ErrorType::NotFound)) problems_[key] = got.error().message;
    return nullptr;
  }
  auto parsed = model::parse_metric_template(*got);
  if (!parsed.ok()) {
    std::string text;
    for (const auto& e : parsed.errors) text += (text.empty() ? "" : "; ") + model::to_string(e);
    problems_[key] = "MetricTemplate " + key + " is invalid: " + text;
    return nullptr;
  }
  if (parsed.value.metadata.namespace_.empty()) parsed.value.metadata.namespace_ = ns;
  auto& stored = templates_[key] = parsed.value;
  template_namespace_[&stored.spec.provider] = ns;
  return &stored;
}

base::Outcome<analysis::MetricsSource*> Lookups::source_for(const model::MetricProvider& provider) {
  if (analysis::uses_default_source(provider, address_)) return &default_source();
  // Callers hand back the provider of the template find_template returned.
  auto ns_it = template_namespace_.find(&provider);
  const std::string ns = ns_it == template_namespace_.end() ? ns_ : ns_it->second;
  std::map<std::string, std::string> secret;
  if (!provider.secret_ref.empty()) {
    auto got = objects_.get({types::secrets(), ns, provider.secret_ref});
    if (!got) {
      return base::fail("Secret " + ns + "/" + provider.secret_ref +
                        " (provider.secretRef): " + got.error().message);
    }
    auto data = kube::secret_data(*got);
    if (!data) {
      return base::fail("Secret " + ns + "/" + provider.secret_ref +
                        " (provider.secretRef): " + data.error().message);
    }
    secret = std::move(data).value();
  }
  auto made = analysis::make_metrics_source(provider, secret, address_, timeout_);
  if (!made) return base::Error{made.error()};
  sources_.push_back(std::move(made).value());
  return sources_.back().get();
}

}  // namespace veer::runtime
