#include "operator/runtime/denied_urls.hpp"

#include <curl/curl.h>

#include <memory>

#include "http/redact.hpp"
#include "model/alert_provider.hpp"
#include "model/metric_template.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::runtime {
namespace {

// "scheme://host" of a URL, or "" when it does not parse.
std::string origin_of(const std::string& url) {
  struct Free {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
  };
  std::unique_ptr<CURLU, Free> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(),
                              CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return "";
  auto part = [&](CURLUPart which) {
    char* text = nullptr;
    if (curl_url_get(handle.get(), which, &text, 0) != CURLUE_OK || !text) return std::string();
    std::string out(text);
    curl_free(text);
    return out;
  };
  return part(CURLUPART_SCHEME) + "://" + part(CURLUPART_HOST);
}

struct Checker {
  const http::OutboundPolicy& policy;
  std::vector<DeniedUrl> out;

  void check(const std::string& field, const std::string& url, bool whole_url_is_secret) {
    if (url.empty()) return;
    auto reason = http::refuse_url(policy, url);
    if (!reason) return;
    std::string shown = whole_url_is_secret ? origin_of(url) : http::redact(url);
    if (shown.empty()) shown = "<a URL that does not parse>";
    out.push_back({field, shown, *reason});
  }
};

std::string namespace_or(const model::NamedReference& ref, const std::string& ns) {
  return ref.namespace_.empty() ? ns : ref.namespace_;
}

}  // namespace

std::vector<DeniedUrl> denied_urls(const model::Canary& canary, kube::Cluster& objects,
                                   const http::OutboundPolicy& policy) {
  Checker checker{policy, {}};
  const auto& ns = canary.metadata.namespace_;
  const auto& spec = canary.spec;
  checker.check("spec.metricsServer", spec.metrics_server, false);
  if (!spec.analysis) return checker.out;
  const auto& analysis = *spec.analysis;
  for (std::size_t i = 0; i < analysis.webhooks.size(); ++i)
    checker.check("spec.analysis.webhooks[" + std::to_string(i) + "].url", analysis.webhooks[i].url,
                  false);

  std::set<std::string> templates;
  auto add_template = [&](const std::optional<model::NamedReference>& ref) {
    if (ref) templates.insert(namespace_or(*ref, ns) + "/" + ref->name);
  };
  for (const auto& metric : analysis.metrics) {
    add_template(metric.template_ref);
    if (metric.comparison) {
      if (metric.comparison->errors) add_template(metric.comparison->errors->template_ref);
      if (metric.comparison->total) add_template(metric.comparison->total->template_ref);
    }
  }
  for (const auto& key : templates) {
    const auto slash = key.find('/');
    auto got =
        objects.get({types::metric_templates(), key.substr(0, slash), key.substr(slash + 1)});
    if (!got) continue;  // a missing template is reported where the metric is checked
    auto parsed = model::parse_metric_template(*got);
    checker.check("MetricTemplate " + key + " spec.provider.address",
                  parsed.value.spec.provider.address, false);
  }

  std::set<std::string> providers;
  for (const auto& alert : analysis.alerts)
    providers.insert(namespace_or(alert.provider_ref, ns) + "/" + alert.provider_ref.name);
  for (const auto& key : providers) {
    const auto slash = key.find('/');
    auto got = objects.get({types::alert_providers(), key.substr(0, slash), key.substr(slash + 1)});
    if (!got) continue;
    auto parsed = model::parse_alert_provider(*got);
    checker.check("AlertProvider " + key + " spec.address", parsed.value.spec.address, true);
  }
  return checker.out;
}

std::string denied_url_message(const DeniedUrl& denied) {
  return denied.field + " names a URL the outbound policy denies, " + denied.shown + ": " +
         denied.reason + "; veer does not call it";
}

DeniedUrlEvents::DeniedUrlEvents(kube::Cluster& cluster, base::Clock& clock)
    : cluster_(cluster), events_(cluster, clock, base::Clock::Duration::zero()) {}

int DeniedUrlEvents::check(const nlohmann::json& canary_object) {
  auto parsed = model::parse_canary(canary_object);
  const auto& canary = parsed.value;
  if (canary.metadata.name.empty()) return 0;
  std::set<std::string> now;
  for (const auto& denied : denied_urls(canary, cluster_, http::outbound_policy()))
    now.insert(denied_url_message(denied));
  const auto key = canary.metadata.namespace_ + "/" + canary.metadata.name;
  std::set<std::string> fresh;
  {
    std::lock_guard guard(mutex_);
    auto& reported = reported_[key];
    for (const auto& message : now)
      if (!reported.count(message)) fresh.insert(message);
    reported = now;
    if (now.empty()) reported_.erase(key);
  }
  int written = 0;
  for (const auto& message : fresh)
    if (events_.write(canary, true, "OutboundURLDenied", message)) ++written;
  return written;
}

void DeniedUrlEvents::forget(const std::string& ns, const std::string& name) {
  std::lock_guard guard(mutex_);
  reported_.erase(ns + "/" + name);
}

}  // namespace veer::runtime
