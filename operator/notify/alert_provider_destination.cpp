#include "operator/notify/alert_provider_destination.hpp"

#include "base/base64.hpp"

#include <optional>

namespace veer::notify {
namespace {

// The value of `key` in a Secret: `stringData` as is, `data` base64-decoded.
std::variant<std::string, std::monostate, std::nullptr_t> secret_value(const nlohmann::json& secret,
                                                                       const std::string& key) {
  if (auto s = secret.find("stringData"); s != secret.end() && s->is_object()) {
    if (auto v = s->find(key); v != s->end() && v->is_string()) return v->get<std::string>();
  }
  if (auto d = secret.find("data"); d != secret.end() && d->is_object()) {
    if (auto v = d->find(key); v != d->end() && v->is_string()) {
      if (auto decoded = base::decode_base64(v->get<std::string>())) return *decoded;
      return nullptr;  // present but not base64
    }
  }
  return std::monostate{};
}

}  // namespace

Severity to_severity(model::AlertSeverity s) {
  switch (s) {
    case model::AlertSeverity::Info:
      return Severity::info;
    case model::AlertSeverity::Warn:
      return Severity::warn;
    case model::AlertSeverity::Error:
      return Severity::error;
  }
  return Severity::info;
}

std::variant<Destination, std::string> destination_for(const model::AlertProvider& provider,
                                                       const nlohmann::json* secret) {
  const std::string who =
      "AlertProvider " + provider.metadata.namespace_ + "/" + provider.metadata.name;
  const auto type = parse_provider_type(provider.spec.type);
  if (!type) {
    return who + ": spec.type \"" + provider.spec.type + "\" is not one of " +
           std::string(kProviderTypeNames);
  }
  Destination d;
  d.type = *type;
  d.address = provider.spec.address;
  d.channel = provider.spec.channel;
  d.username = provider.spec.username;
  d.proxy = provider.spec.proxy;
  d.label = who;
  if (!provider.spec.secret_ref.empty()) {
    if (secret == nullptr) {
      return who + ": spec.secretRef: Secret " + provider.spec.secret_ref + " not found";
    }
    for (const char* key : {"address", "token"}) {
      const auto value = secret_value(*secret, key);
      if (std::holds_alternative<std::nullptr_t>(value)) {
        return who + ": Secret " + provider.spec.secret_ref + " key \"" + key +
               "\" is not valid base64";
      }
      if (const auto* text = std::get_if<std::string>(&value)) {
        (std::string(key) == "address" ? d.address : d.token) = *text;
      }
    }
  }
  if (d.address.empty() && !(d.type == ProviderType::slack && !d.token.empty())) {
    return who + ": no address: set spec.address or the key \"address\" in spec.secretRef";
  }
  return d;
}

ResolvedAlerts resolve_alerts(
    const std::vector<model::CanaryAlert>& alerts, const std::string& canary_namespace,
    const std::function<const model::AlertProvider*(const std::string&, const std::string&)>&
        find_provider,
    const std::function<const nlohmann::json*(const std::string&, const std::string&)>&
        find_secret) {
  ResolvedAlerts out;
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    const auto& alert = alerts[i];
    const std::string ns =
        alert.provider_ref.namespace_.empty() ? canary_namespace : alert.provider_ref.namespace_;
    const model::AlertProvider* provider = find_provider(ns, alert.provider_ref.name);
    if (provider == nullptr) {
      out.errors.push_back("spec.analysis.alerts[" + std::to_string(i) +
                           "].providerRef: AlertProvider " + ns + "/" + alert.provider_ref.name +
                           " not found");
      continue;
    }
    const nlohmann::json* secret =
        provider->spec.secret_ref.empty() ? nullptr : find_secret(ns, provider->spec.secret_ref);
    auto resolved = destination_for(*provider, secret);
    if (auto* error = std::get_if<std::string>(&resolved)) {
      out.errors.push_back(std::move(*error));
      continue;
    }
    out.routes.push_back({std::get<Destination>(std::move(resolved)), to_severity(alert.severity)});
  }
  return out;
}

}  // namespace veer::notify
