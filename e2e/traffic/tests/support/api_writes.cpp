#include "e2e/traffic/tests/support/api_writes.hpp"

#include <regex>
#include <set>
#include <sstream>

#include "http/client.hpp"

namespace veer::e2e::traffic {

namespace {

// One sample line of Prometheus' text format: its labels and its value.
struct MetricSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::optional<MetricSample> parse_metric_sample(const std::string& line,
                                                const std::string& metric) {
  if (line.rfind(metric + "{", 0) != 0) return std::nullopt;
  const auto close = line.rfind('}');
  if (close == std::string::npos) return std::nullopt;
  MetricSample sample;
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  const std::string inside = line.substr(metric.size() + 1, close - metric.size() - 1);
  for (std::sregex_iterator it(inside.begin(), inside.end(), label), end; it != end; ++it)
    sample.labels[(*it)[1]] = (*it)[2];
  try {
    sample.value = std::stod(line.substr(close + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return sample;
}

template <typename Keep>
WriteCounts count_samples(const std::string& text, const std::string& metric, Keep keep) {
  WriteCounts counts;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto sample = parse_metric_sample(line, metric);
    if (!sample) continue;
    if (auto key = keep(sample->labels); !key.empty())
      counts[key] += static_cast<long>(sample->value);
  }
  return counts;
}

// The kube-apiserver's apiserver_request_total by "VERB group/resource[/subresource]", of the
// verbs in `verbs` (every verb when empty).
std::optional<WriteCounts> apiserver_counts(const E2eCluster& cluster,
                                            const std::set<std::string>& verbs, std::string& why) {
  auto metrics = cluster.kubectl({"get", "--raw", "/metrics"});
  if (metrics.status != 0) {
    why = "kubectl get --raw /metrics: " + metrics.out;
    return std::nullopt;
  }
  auto counts = count_samples(metrics.out, "apiserver_request_total",
                              [&](const std::map<std::string, std::string>& labels) -> std::string {
                                const auto verb = labels.count("verb") ? labels.at("verb") : "";
                                if (!verbs.empty() && verbs.count(verb) == 0) return "";
                                auto at = [&](const char* key) {
                                  return labels.count(key) ? labels.at(key) : std::string();
                                };
                                std::string what = at("group").empty() ? "" : at("group") + "/";
                                what += at("resource");
                                if (!at("subresource").empty()) what += "/" + at("subresource");
                                return verb + " " + what;
                              });
  if (metrics.out.find("apiserver_request_total{") == std::string::npos) {
    why = "the kube-apiserver's /metrics has no apiserver_request_total";
    return std::nullopt;
  }
  return counts;
}

// veer's veer_api_requests_total by verb, of the verbs in `verbs` (every verb when empty).
std::optional<WriteCounts> operator_counts(int operator_port, const std::set<std::string>& verbs,
                                           std::string& why) {
  http::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(operator_port) + "/metrics";
  request.timeout = std::chrono::seconds(5);
  auto response = http::send(request);
  if (!response || response->status != 200) {
    why = request.url + ": " +
          (response ? "HTTP " + std::to_string(response->status) : response.error().message);
    return std::nullopt;
  }
  if (response->body.find("veer_api_requests_total{") == std::string::npos) {
    why = "veer's /metrics has no veer_api_requests_total";
    return std::nullopt;
  }
  return count_samples(response->body, "veer_api_requests_total",
                       [&](const std::map<std::string, std::string>& labels) -> std::string {
                         const auto verb = labels.count("verb") ? labels.at("verb") : "";
                         return verbs.empty() || verbs.count(verb) ? verb : "";
                       });
}

}  // namespace

std::optional<WriteCounts> apiserver_writes(const E2eCluster& cluster, std::string& why) {
  return apiserver_counts(cluster, {"POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY"},
                          why);
}

std::optional<WriteCounts> operator_writes(int operator_port, std::string& why) {
  return operator_counts(operator_port, {"create", "update", "patch", "delete"}, why);
}

std::optional<WriteCounts> operator_requests(int operator_port, std::string& why) {
  return operator_counts(operator_port, {}, why);
}

WriteCounts grown(const WriteCounts& before, const WriteCounts& after) {
  WriteCounts out;
  for (const auto& [key, n] : after) {
    const auto was = before.count(key) ? before.at(key) : 0;
    if (n > was) out[key] = n - was;
  }
  return out;
}

long total(const WriteCounts& counts) {
  long n = 0;
  for (const auto& [key, value] : counts) n += value;
  return n;
}

std::string to_string(const WriteCounts& counts) {
  if (counts.empty()) return "none";
  std::string text;
  for (const auto& [key, n] : counts)
    text += (text.empty() ? "" : ", ") + key + ": " + std::to_string(n);
  return text;
}

}  // namespace veer::e2e::traffic
