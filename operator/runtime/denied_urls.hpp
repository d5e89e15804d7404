// The URLs a Canary names that the outbound policy (--allowed-url-hosts, --deny-link-local)
// refuses, told as Kubernetes Warning events on the Canary: once when a URL becomes denied, not
// at every pass. The calls themselves are refused by the HTTP client (analysis/http), so a denied
// URL is never called; this is how a user learns why their webhook or metric query does nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/outbound_policy.hpp"
#include "model/canary.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/runtime/canary_events.hpp"

namespace veer::runtime {

struct DeniedUrl {
  // Where the URL is written: "spec.analysis.webhooks[0].url", "spec.metricsServer",
  // "MetricTemplate shop/latency spec.provider.address", "AlertProvider shop/on-call spec.address".
  std::string field;
  // The URL as shown: without userinfo or credential query values; an AlertProvider's address
  // (a chat webhook URL is itself a secret) only as scheme and host.
  std::string shown;
  std::string reason;  // the policy's sentence
};

// What a Canary names that the policy judges: its own URLs, and the MetricTemplates and
// AlertProviders ("ns/name") whose addresses it uses.
struct NamedUrls {
  struct Url {
    std::string field;
    std::string url;
  };
  std::vector<Url> urls;
  std::set<std::string> templates;
  std::set<std::string> providers;
};
NamedUrls urls_named_by(const model::Canary& canary);

// The denied ones among `named`, the referenced objects read from `objects` (the cache).
std::vector<DeniedUrl> denied_urls(const NamedUrls& named, kube::Cluster& objects,
                                   const http::OutboundPolicy& policy);

// The Canary's denied URLs: its own fields, and the addresses of the MetricTemplates and
// AlertProviders it references (read from `objects`, the cache). Addresses kept in Secrets are
// not looked at: they are secrets, and the client refuses them all the same.
std::vector<DeniedUrl> denied_urls(const model::Canary& canary, kube::Cluster& objects,
                                   const http::OutboundPolicy& policy);

// The event's message: "<field> names a URL the outbound policy denies, <shown>: <reason>; veer
// does not call it".
std::string denied_url_message(const DeniedUrl& denied);

class DeniedUrlEvents {
 public:
  DeniedUrlEvents(kube::Cluster& cluster, base::Clock& clock);

  // Writes a Warning event (reason OutboundURLDenied) for each denied URL of the Canary that was
  // not denied at its previous check; returns how many were written.
  int check(const nlohmann::json& canary_object);
  // The same for the Canary at `key` ("ns/name") whose cached resourceVersion is
  // `resource_version`; `read` returns the object. What a Canary names is parsed once per spec
  // (its uid and generation; status writes move only the resourceVersion), and the object is
  // read only when its resourceVersion is new: a read and a full parse at every pass cost more
  // CPU than the check. The policy and the referenced objects are looked at on every call.
  using Read = std::function<std::optional<nlohmann::json>()>;
  int check(const std::string& key, const std::string& resource_version, const Read& read);
  void forget(const std::string& ns, const std::string& name);

 private:
  struct Named {
    std::string resource_version;
    std::string spec_version;  // uid and generation, or the resourceVersion without a generation
    std::shared_ptr<const NamedUrls> urls;
  };
  kube::Cluster& cluster_;
  CanaryEvents events_;
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>> reported_;  // ns/name -> messages
  std::map<std::string, Named> named_;                     // ns/name -> what it names
};

}  // namespace veer::runtime
