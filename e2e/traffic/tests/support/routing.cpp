#include "e2e/traffic/tests/support/routing.hpp"

#include <cctype>
#include <cmath>

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
  for (const auto& entry : http.back().at("route"))
    if (entry.at("destination").value("host", std::string()) == name + "-canary")
      routing.canary_set_cookie =
          entry.value(json::json_pointer("/headers/response/add/Set-Cookie"), std::string());
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

// A Gateway API rule's backendRefs as a split (a missing weight is the API's default, 1; weights
// that do not add up to 100 are made percentages).
Split httproute_split(const json& rule, const std::string& name) {
  int primary = 0;
  int canary = 0;
  for (const auto& ref : rule.value("backendRefs", json::array())) {
    const auto service = ref.value("name", std::string());
    const int weight = ref.value("weight", 1);
    if (service == name + "-primary") primary += weight;
    if (service == name + "-canary") canary += weight;
  }
  const int total = primary + canary;
  if (total == 0 || total == 100) return {primary, canary};
  const int primary_percent = static_cast<int>(std::lround(100.0 * primary / total));
  return {primary_percent, 100 - primary_percent};
}

// The header conditions of one HTTPRouteMatch: none for a match of every request (no headers, and
// a path, if any, of PathPrefix /); nullopt with `why` for what the stand-in does not route by
// (another path, a method, query parameters, several headers ANDed, another match type).
std::optional<std::vector<RequestMatch>> httproute_headers(const json& match, std::string& why) {
  for (const auto& [key, value] : match.items()) {
    if (key == "headers") continue;
    if (key == "path" && value.value("type", "PathPrefix") == "PathPrefix" &&
        value.value("value", "/") == "/")
      continue;
    why = "the stand-in does not route by " + key + ": " + match.dump();
    return std::nullopt;
  }
  const auto headers = match.value("headers", json::array());
  if (headers.size() > 1) {
    why = "the stand-in routes by one header per HTTPRouteMatch: " + match.dump();
    return std::nullopt;
  }
  std::vector<RequestMatch> out;
  for (const auto& h : headers) {
    RequestMatch r{h.value("name", std::string()), "", ""};
    for (auto& c : r.header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto type = h.value("type", std::string("Exact"));  // the API's default
    if (type == "Exact") {
      r.exact = h.value("value", std::string());
    } else if (type == "RegularExpression") {
      r.regex = h.value("value", std::string());
    } else {
      why = "the stand-in routes by Exact or RegularExpression headers: " + match.dump();
      return std::nullopt;
    }
    if (r.header.empty() || (r.exact.empty() && r.regex.empty())) {
      why = "a header match without a name or value: " + match.dump();
      return std::nullopt;
    }
    out.push_back(r);
  }
  return out;
}

// An HTTPRoute as a Gateway API implementation routes it: a request takes the rule of its most
// precise matching HTTPRouteMatch, and with equal paths the match with more header conditions
// wins, whatever the order of the rules. So a rule whose matches all name a header takes the
// requests that meet one of them (`matched`), and a rule that matches every request takes the
// rest; any other shape (two rules of one kind, a rule mixing both) is refused with `why`.
std::optional<Routing> gatewayapi_routing(const json& rules, const std::string& name,
                                          std::string& why) {
  std::optional<Split> rest;
  std::optional<Split> matched;
  std::vector<RequestMatch> conditions;
  for (const auto& rule : rules) {
    // The API server defaults a rule without matches to one match of PathPrefix /.
    const auto matches = rule.value("matches", json::array({json::object()}));
    std::size_t with_headers = 0;
    std::vector<RequestMatch> rule_conditions;
    for (const auto& m : matches) {
      auto headers = httproute_headers(m, why);
      if (!headers) return std::nullopt;
      if (!headers->empty()) ++with_headers;
      rule_conditions.insert(rule_conditions.end(), headers->begin(), headers->end());
    }
    if (with_headers != 0 && with_headers != matches.size()) {
      why = "a rule matching both every request and some headers: " + rule.dump();
      return std::nullopt;
    }
    auto& slot = with_headers == 0 ? rest : matched;
    if (slot) {
      why = "the stand-in routes by one rule for every request and at most one by headers: " +
            rules.dump();
      return std::nullopt;
    }
    slot = httproute_split(rule, name);
    if (with_headers != 0) conditions = rule_conditions;
  }
  if (!rest) {
    why = "no rule of the HTTPRoute matches every request: " + rules.dump();
    return std::nullopt;
  }
  return Routing{*rest, conditions, matched.value_or(Split{}), {}, {}, {}};
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
    if (provider.rfind("gatewayapi", 0) == 0) {
      auto route =
          cluster.get({kube::type_of("gateway.networking.k8s.io/v1", "HTTPRoute"), ns, name});
      if (!route) {
        why = "HTTPRoute " + ns + "/" + name + ": " + route.error().message;
        return std::nullopt;
      }
      return gatewayapi_routing(route->at("spec").at("rules"), name, why);
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
  return Routing{*split, {}, {}, {}, {}, {}};
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
  if (routing.apex)
    text +=
        " (the apex Service selects " + (routing.apex->empty() ? "nothing" : *routing.apex) + ")";
  if (routing.match.empty()) return text;
  if (!routing.canary_set_cookie.empty()) text += " (the canary sets a cookie)";
  std::string conditions;
  for (const auto& m : routing.match)
    conditions += (conditions.empty() ? "" : " or ") + m.header +
                  (m.exact.empty() ? "~" + m.regex : "=" + m.exact);
  return text + ", " + conditions + ": " + e2e::to_string(routing.matched);
}

}  // namespace veer::e2e::traffic
