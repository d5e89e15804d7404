#include "operator/controller/simulated_versions.hpp"

#include <chrono>
#include <random>

namespace veer::controller::simulation {

using nlohmann::json;

namespace {

// The quoted value after `label=` or `label=~` in a PromQL selector; "" when absent.
std::string label_value(const std::string& query, const std::string& label) {
  auto at = query.find(label + "=");
  if (at == std::string::npos) return "";
  at += label.size() + 1;
  if (at < query.size() && query[at] == '~') ++at;
  if (at >= query.size() || query[at] != '"') return "";
  const auto end = query.find('"', at + 1);
  return end == std::string::npos ? "" : query.substr(at + 1, end - at - 1);
}

// The seconds of the first range selector ("[5m]", "[300s]"); 0 when there is none.
double window_seconds(const std::string& query) {
  const auto open = query.find('[');
  const auto close = query.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return 0;
  const auto text = query.substr(open + 1, close - open - 1);
  std::size_t used = 0;
  double n = 0;
  try {
    n = std::stod(text, &used);
  } catch (const std::exception&) {
    return 0;
  }
  const auto unit = text.substr(used);
  if (unit == "ms") return n / 1000;
  if (unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  return 0;
}

// FNV-1a: the same seed for a name on every platform (std::hash need not be).
std::uint64_t name_hash(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

VersionTraffic::VersionTraffic(kube::Cluster& cluster, base::Clock& clock, std::string ns,
                               std::string virtual_service,
                               std::map<std::string, SimulatedVersion> versions,
                               double requests_per_second, std::uint64_t seed)
    : cluster_(cluster),
      clock_(clock),
      ns_(std::move(ns)),
      virtual_service_(std::move(virtual_service)),
      versions_(std::move(versions)),
      requests_per_second_(requests_per_second),
      seed_(seed) {}

std::map<std::string, int> virtual_service_weights(kube::Cluster& cluster, const std::string& ns,
                                                   const std::string& name) {
  std::map<std::string, int> out;
  auto vs = cluster.get({kube::type_of("networking.istio.io/v1beta1", "VirtualService"), ns, name});
  if (!vs) return out;
  for (const auto& route : vs->value("/spec/http"_json_pointer, json::array()))
    for (const auto& d : route.value("route", json::array())) {
      const auto host = d.value("/destination/host"_json_pointer, json("")).get<std::string>();
      out[host.substr(0, host.find('.'))] += d.value("weight", 0);
    }
  return out;
}

const VersionTraffic::Window& VersionTraffic::window_of(const std::string& workload,
                                                        double seconds) {
  const auto now = clock_.now();
  auto& window = windows_[workload];
  // One look asks several queries within moments of each other: they share its counts.
  if (window.seconds == seconds && now - window.at < std::chrono::seconds(1)) return window;
  const auto& version = versions_.at(workload);
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::seed_seq seq{seed_, name_hash(workload), static_cast<std::uint64_t>(t)};
  std::mt19937_64 rng(seq);
  auto weights = virtual_service_weights(cluster_, ns_, virtual_service_);
  const double mean = requests_per_second_ * seconds * weights[version.host] / 100.0;
  const auto n = mean > 0 ? std::poisson_distribution<std::uint64_t>(mean)(rng) : 0;
  window = {
      now, seconds, static_cast<double>(n),
      static_cast<double>(std::binomial_distribution<std::uint64_t>(n, 1 - version.success)(rng)),
      static_cast<double>(std::binomial_distribution<std::uint64_t>(n, version.conversion)(rng))};
  return window;
}

base::Outcome<double> VersionTraffic::instant(const std::string& query, std::optional<double>) {
  const bool orders = query.find("checkout_orders_total") != std::string::npos;
  const auto workload = label_value(query, orders ? "app" : "destination_workload");
  if (!versions_.count(workload))
    return base::fail("the simulated Prometheus has no series for '" + workload + "': " + query);
  const auto seconds = window_seconds(query);
  if (seconds <= 0) return base::fail("the simulated Prometheus wants a [window]: " + query);
  std::lock_guard lock(mutex_);
  const auto& w = window_of(workload, seconds);
  if (orders) {
    if (w.requests == 0) return base::fail("no data: " + workload + " had no visits");
    return w.orders / w.requests;
  }
  if (query.find("istio_requests_total") == std::string::npos)
    return base::fail("the simulated Prometheus does not know this query: " + query);
  return query.find("response_code=~\"5") != std::string::npos ? w.errors : w.requests;
}

}  // namespace veer::controller::simulation
