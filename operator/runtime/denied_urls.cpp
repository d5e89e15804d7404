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

// What changes with the spec: the uid and generation (the API server counts spec changes in
// it); an object without a generation changes with every write.
std::string spec_version(const nlohmann::json& object) {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object() || !meta->contains("generation") ||
      !(*meta)["generation"].is_number_integer())
    return "rv " + kube::resource_version_of(object);
  return meta->value("uid", "") + " " + std::to_string((*meta)["generation"].get<std::int64_t>());
}

std::string namespace_or(const model::NamedReference& ref, const std::string& ns) {
  return ref.namespace_.empty() ? ns : ref.namespace_;
}

}  // namespace

NamedUrls urls_named_by(const model::Canary& canary) {
  NamedUrls named;
  const auto& ns = canary.metadata.namespace_;
  const auto& spec = canary.spec;
  named.urls.push_back({"spec.metricsServer", spec.metrics_server});
  if (!spec.analysis) return named;
  const auto& analysis = *spec.analysis;
  for (std::size_t i = 0; i < analysis.webhooks.size(); ++i)
    named.urls.push_back(
        {"spec.analysis.webhooks[" + std::to_string(i) + "].url", analysis.webhooks[i].url});
  auto add_template = [&](const std::optional<model::NamedReference>& ref) {
    if (ref) named.templates.insert(namespace_or(*ref, ns) + "/" + ref->name);
  };
  for (const auto& metric : analysis.metrics) {
    add_template(metric.template_ref);
    if (metric.comparison) {
      if (metric.comparison->errors) add_template(metric.comparison->errors->template_ref);
      if (metric.comparison->total) add_template(metric.comparison->total->template_ref);
    }
  }
  for (const auto& alert : analysis.alerts)
    named.providers.insert(namespace_or(alert.provider_ref, ns) + "/" + alert.provider_ref.name);
  return named;
}

std::vector<DeniedUrl> denied_urls(const NamedUrls& named, kube::Cluster& objects,
                                   const http::OutboundPolicy& policy) {
  Checker checker{policy, {}};
  for (const auto& url : named.urls) checker.check(url.field, url.url, false);
  for (const auto& key : named.templates) {
    const auto slash = key.find('/');
    auto got =
        objects.get({types::metric_templates(), key.substr(0, slash), key.substr(slash + 1)});
    if (!got) continue;  // a missing template is reported where the metric is checked
    auto parsed = model::parse_metric_template(*got);
    checker.check("MetricTemplate " + key + " spec.provider.address",
                  parsed.value.spec.provider.address, false);
  }
  for (const auto& key : named.providers) {
    const auto slash = key.find('/');
    auto got = objects.get({types::alert_providers(), key.substr(0, slash), key.substr(slash + 1)});
    if (!got) continue;
    auto parsed = model::parse_alert_provider(*got);
    checker.check("AlertProvider " + key + " spec.address", parsed.value.spec.address, true);
  }
  return checker.out;
}

std::vector<DeniedUrl> denied_urls(const model::Canary& canary, kube::Cluster& objects,
                                   const http::OutboundPolicy& policy) {
  return denied_urls(urls_named_by(canary), objects, policy);
}

std::string denied_url_message(const DeniedUrl& denied) {
  return denied.field + " names a URL the outbound policy denies, " + denied.shown + ": " +
         denied.reason + "; veer does not call it";
}

DeniedUrlEvents::DeniedUrlEvents(kube::Cluster& cluster, base::Clock& clock)
    : cluster_(cluster), events_(cluster, clock, base::Clock::Duration::zero()) {}

int DeniedUrlEvents::check(const nlohmann::json& canary_object) {
  return check(kube::key_of(kube::namespace_of(canary_object), kube::name_of(canary_object)),
               kube::resource_version_of(canary_object),
               [&]() -> std::optional<nlohmann::json> { return canary_object; });
}

int DeniedUrlEvents::check(const std::string& key, const std::string& resource_version,
                           const Read& read) {
  std::optional<nlohmann::json> object;
  std::optional<model::Canary> canary;  // parsed only when its spec is not known yet
  auto parse = [&]() -> bool {
    if (!object) object = read();
    if (!object) return false;
    canary = model::parse_canary(*object).value;
    return !canary->metadata.name.empty();
  };
  std::shared_ptr<const NamedUrls> named;
  {
    std::lock_guard guard(mutex_);
    if (auto it = named_.find(key);
        it != named_.end() && it->second.resource_version == resource_version)
      named = it->second.urls;
  }
  if (!named) {
    object = read();
    if (!object) return 0;
    const auto version = spec_version(*object);
    {
      std::lock_guard guard(mutex_);
      if (auto it = named_.find(key); it != named_.end() && it->second.spec_version == version) {
        it->second.resource_version = resource_version;
        named = it->second.urls;
      }
    }
    if (!named) {
      if (!parse()) return 0;
      named = std::make_shared<const NamedUrls>(urls_named_by(*canary));
      std::lock_guard guard(mutex_);
      named_[key] = {resource_version, version, named};
    }
  }
  std::set<std::string> now;
  for (const auto& denied : denied_urls(*named, cluster_, http::outbound_policy()))
    now.insert(denied_url_message(denied));
  std::set<std::string> fresh;
  {
    std::lock_guard guard(mutex_);
    auto& reported = reported_[key];
    for (const auto& message : now)
      if (!reported.count(message)) fresh.insert(message);
    reported = now;
    if (now.empty()) reported_.erase(key);
  }
  if (fresh.empty() || (!canary && !parse())) return 0;
  int written = 0;
  for (const auto& message : fresh)
    if (events_.write(*canary, true, "OutboundURLDenied", message)) ++written;
  return written;
}

void DeniedUrlEvents::forget(const std::string& ns, const std::string& name) {
  std::lock_guard guard(mutex_);
  reported_.erase(ns + "/" + name);
  named_.erase(ns + "/" + name);
}

}  // namespace veer::runtime
