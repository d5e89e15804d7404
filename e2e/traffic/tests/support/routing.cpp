#include "e2e/traffic/tests/support/routing.hpp"

#include <cctype>

namespace veer::e2e::traffic {

using nlohmann::json;

namespace {

// An Istio route's weights by destination host (one destination without a weight takes all).
Split istio_split(const json& route, const std::string& name) {
  Split split;
  for (const auto& entry : route) {
    const auto host = entry.at("destination").value("host", std::string());
    const int weight =
        entry.contains("weight") ? entry["weight"].get<int>() : (route.size() == 1 ? 100 : 0);
    if (host == name + "-primary") split.primary += weight;
    if (host == name + "-canary") split.canary += weight;
  }
  return split;
}

// The header conditions of an Istio rule's `match` (one header per entry; a `uri` of prefix "/"
// adds nothing); nullopt with `why` for anything else.
std::optional<std::vector<RequestMatch>> istio_headers(const json& matches, std::string& why) {
  std::vector<RequestMatch> out;
  for (const auto& m : matches) {
    for (const auto& [key, value] : m.items()) {
      if (key == "headers") continue;
      if (key == "uri" && value == json{{"prefix", "/"}}) continue;
      why = "the stand-in does not route by " + key + ": " + m.dump();
      return std::nullopt;
    }
    const auto headers = m.value("headers", json::object());
    if (headers.size() != 1) {
      why = "the stand-in routes by one header per match entry: " + m.dump();
      return std::nullopt;
    }
    for (const auto& [header, condition] : headers.items()) {
      RequestMatch r{header, condition.value("exact", ""), condition.value("regex", "")};
      for (auto& c : r.header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (r.exact.empty() == r.regex.empty()) {
        why = "the stand-in routes by exact or regex headers: " + m.dump();
        return std::nullopt;
      }
      out.push_back(r);
    }
  }
  return out;
}

std::optional<Routing> istio_ab(const json& http, const std::string& name, std::string& why) {
  Routing routing;
  auto match = istio_headers(http.at(0).at("match"), why);
  if (!match) return std::nullopt;
  routing.match = *match;
  routing.matched = istio_split(http.at(0).at("route"), name);
  routing.rest = istio_split(http.back().at("route"), name);
  return routing;
}

std::optional<Routing> nginx_ab(const json& annotations, std::string& why) {
  const std::string p = "nginx.ingress.kubernetes.io/";
  auto get = [&](const std::string& key) { return annotations.value(p + key, std::string()); };
  Routing routing;
  if (const auto header = get("canary-by-header"); !header.empty()) {
    RequestMatch m{header, get("canary-by-header-value"), get("canary-by-header-pattern")};
    for (auto& c : m.header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (m.exact.empty() && m.regex.empty()) m.exact = "always";
    routing.match.push_back(m);
  }
  if (const auto cookie = get("canary-by-cookie"); !cookie.empty())
    routing.match.push_back({"cookie", "", "(^|;)\\s*" + cookie + "=always(;|$)"});
  try {
    const int canary = std::stoi(get("canary-weight"));
    routing.rest = {100 - canary, canary};
  } catch (const std::exception&) {
    why = "canary-weight is not a number: " + annotations.dump();
    return std::nullopt;
  }
  routing.matched = {0, 100};
  return routing;
}

}  // namespace

std::optional<Routing> read_routing(kube::Cluster& cluster, const std::string& provider,
                                    const std::string& ns, const std::string& name,
                                    std::string& why) {
  try {
    if (provider == "istio") {
      auto vs =
          cluster.get({kube::type_of("networking.istio.io/v1beta1", "VirtualService"), ns, name});
      if (!vs) {
        why = "VirtualService " + ns + "/" + name + ": " + vs.error().message;
        return std::nullopt;
      }
      const auto& http = vs->at("spec").at("http");
      if (http.size() >= 2 && http.at(0).contains("match") &&
          http.at(0).at("match").dump().find("\"headers\"") != std::string::npos)
        return istio_ab(http, name, why);
    }
    if (provider == "nginx") {
      auto ingress =
          cluster.get({kube::type_of("networking.k8s.io/v1", "Ingress"), ns, name + "-canary"});
      if (!ingress) {
        why = "Ingress " + ns + "/" + name + "-canary: " + ingress.error().message;
        return std::nullopt;
      }
      const auto annotations = ingress->at("metadata").value("annotations", json::object());
      const std::string p = "nginx.ingress.kubernetes.io/";
      if (annotations.contains(p + "canary-by-header") ||
          annotations.contains(p + "canary-by-cookie"))
        return nginx_ab(annotations, why);
    }
  } catch (const std::exception& e) {
    why = provider + " objects of " + ns + "/" + name + " are not as expected: " + e.what();
    return std::nullopt;
  }
  auto split = read_split(cluster, provider, ns, name, why);
  if (!split) return std::nullopt;
  return Routing{*split, {}, {}, {}};
}

std::optional<Routing> read_experiment_routing(kube::Cluster& cluster, const std::string& ns,
                                               const std::string& service, std::string& why) {
  auto vs =
      cluster.get({kube::type_of("networking.istio.io/v1beta1", "VirtualService"), ns, service});
  if (!vs) {
    why = "VirtualService " + ns + "/" + service + ": " + vs.error().message;
    return std::nullopt;
  }
  try {
    const auto& http = vs->at("spec").at("http");
    if (http.size() != 1 || http.at(0).contains("match")) {
      why = "the stand-in splits all requests of an Experiment by one HTTP rule: " + http.dump();
      return std::nullopt;
    }
    Routing routing;
    const auto& route = http.at(0).at("route");
    for (const auto& entry : route) {
      auto host = entry.at("destination").at("host").get<std::string>();
      host = host.substr(0, host.find('.'));  // <svc>-<version>[.<ns>.svc.cluster.local]
      routing.versions[host] +=
          entry.contains("weight") ? entry["weight"].get<int>() : (route.size() == 1 ? 100 : 0);
    }
    return routing;
  } catch (const std::exception& e) {
    why = "VirtualService " + ns + "/" + service + " is not as expected: " + e.what();
    return std::nullopt;
  }
}

std::string to_string(const Routing& routing) {
  if (!routing.versions.empty()) {
    std::string text;
    for (const auto& [service, weight] : routing.versions)
      text += (text.empty() ? "" : " ") + service + "=" + std::to_string(weight);
    return text;
  }
  auto text = e2e::to_string(routing.rest);
  if (routing.match.empty()) return text;
  std::string conditions;
  for (const auto& m : routing.match)
    conditions += (conditions.empty() ? "" : " or ") + m.header +
                  (m.exact.empty() ? "~" + m.regex : "=" + m.exact);
  return text + ", " + conditions + ": " + e2e::to_string(routing.matched);
}

}  // namespace veer::e2e::traffic
