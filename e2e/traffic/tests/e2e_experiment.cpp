// One A/B/n Experiment end to end on the real kube-apiserver (issue 16) with real requests: three
// Deployments, the upstream Istio VirtualService CRD, `veer operator` as its own process, and the
// traffic e2e's data plane in its Experiment mode (data_plane.hpp): one sample app per version,
// nginx weighted across them as the VirtualService says, the load generator's requests through
// nginx, and a real Prometheus scraping the apps' checkout_visits_total and
// checkout_orders_total. Each app converts a visit into an order with its version's probability
// (seeded): express 40%, one-page 15%, current 10%, so express is truly the best. It must win and
// be promoted (the baseline Deployment runs its pod template, the VirtualService sends the
// baseline all traffic), and the requests the apps served must follow the weights veer set.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "e2e/controller/tests/support/resource_types.hpp"
#include "e2e/traffic/tests/support/data_plane.hpp"
#include "e2e/traffic/tests/support/load_generator.hpp"
#include "e2e/traffic/tests/support/loopback.hpp"
#include "e2e/traffic/tests/support/routing.hpp"
#include "e2e/traffic/tests/support/traffic_rollout.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::e2e::traffic {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace sim = controller::simulation;

constexpr const char* kName = "checkout-redesign";
// The versions' images: the tag is the sample app's behaviour, a visit's chance to be an order.
constexpr const char* kCurrentImage = "example.com/checkout:converts-10";
constexpr const char* kOnePageImage = "example.com/checkout:converts-15";
constexpr const char* kExpressImage = "example.com/checkout:converts-40";
constexpr int kAbnRequestsPerSecond = 50;  // through nginx, from the load generator
constexpr std::uint64_t kAppSeed = 11;     // the sample apps' conversion draws
// The sample-ratio check: a version's share of the requests served, against the share the
// weights veer set gave it (see the case): per routing of at least kAbnSegmentRequests requests,
// and over the whole run.
constexpr long kAbnSegmentRequests = 300;
constexpr double kAbnSegmentPoints = 3.0;
constexpr double kAbnRatioTolerance = 0.02;

json version(const std::string& name, const std::string& deployment) {
  return {{"name", name},
          {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", deployment}}}};
}

// A/B/n on istio, Thompson sampling, a look every 10 s (the floor), promoteWinner.
json experiment(const std::string& ns) {
  return {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Experiment"},
      {"metadata", {{"name", kName}, {"namespace", ns}}},
      {"spec",
       {{"provider", "istio"},
        {"service", {{"name", "checkout"}, {"port", 8080}}},
        {"baseline", version("current", "checkout")},
        {"candidates", json::array({version("one-page", "checkout-one-page"),
                                    version("express", "checkout-express")})},
        // What the sample apps export (Prometheus adds kubernetes_namespace); the built-in
        // request-success-rate reads their istio_requests_total.
        {"metrics",
         json::array(
             {{{"name", "requests"},
               {"query",
                "sum(increase(checkout_visits_total{kubernetes_namespace=\"{{ namespace }}\","
                "app=\"{{ target }}\"}[{{ interval }}]))"}},
              {{"name", "request-success-rate"}},
              {{"name", "conversion-rate"},
               {"query",
                "sum(increase(checkout_orders_total{kubernetes_namespace=\"{{ namespace }}\","
                "app=\"{{ target }}\"}[{{ interval }}])) / "
                "sum(increase(checkout_visits_total{kubernetes_namespace=\"{{ namespace }}\","
                "app=\"{{ target }}\"}[{{ interval }}]))"}}})},
        // No request fails here; a limit of 95% (rather than 99%) is proven held after a few
        // hundred requests, which the winner has by its second look at 50 requests/s.
        {"criteria",
         {{"requestCount", "requests"},
          {"minRequestCount", 200},
          {"objectives", json::array({{{"metric", "request-success-rate"}, {"lowerLimit", 95}}})},
          {"rewards", json::array({{{"metric", "conversion-rate"}, {"preferred", "high"}}})}}},
        {"strategy",
         {{"testingPattern", "abn"},
          {"traffic", "thompson"},
          {"seed", 7},
          {"burnInIterations", 1},
          {"minWeight", 10},
          {"maxCandidateWeight", 60},
          {"maxCandidateWeightIncrement", 30}}},
        {"duration", {{"interval", "10s"}, {"iterations", 10}}},
        {"promoteWinner", true}}}};
}

// What the test saw at one moment: the Experiment's status and the VirtualService's weights.
struct Seen {
  std::string phase;
  int looks = 0;
  std::string winner;
  std::map<std::string, int> in_status;  // by version Service, as the route names them
  std::map<std::string, int> routed;
  std::string describe() const {
    std::string text = phase + " look " + std::to_string(looks) + " status:";
    for (const auto& [k, v] : in_status) text += " " + k + "=" + std::to_string(v);
    text += " route:";
    for (const auto& [k, v] : routed) text += " " + k + "=" + std::to_string(v);
    return text;
  }
};

Seen observe(kube::Cluster& api, const std::string& ns) {
  Seen seen;
  if (auto e = api.get({kExperiments, ns, kName})) {
    const auto status = e->value("status", json::object());
    seen.phase = status.value("phase", "");
    seen.looks = status.value("completedIterations", 0);
    seen.winner = status.value("winner", "");
    for (const auto& v : status.value("versions", json::array()))
      seen.in_status["checkout-" + v.value("name", "")] = v.value("weight", 0);
  }
  std::string why;
  if (auto routing = read_experiment_routing(api, ns, "checkout", why))
    seen.routed = routing->versions;
  return seen;
}

std::string image_of(kube::Cluster& api, const std::string& ns, const std::string& name) {
  auto d = api.get({kube::type_of("apps/v1", "Deployment"), ns, name});
  return d ? sim::image_of(*d) : "";
}

// The sample-ratio check over the whole run: for each workload, the requests its app served
// against the requests the weights in force would have sent it (each routing's segment: its
// requests times the workload's weight), both as shares of all requests served under a routing.
struct AbnRatio {
  long served = 0;
  double expected = 0;
};

std::map<std::string, AbnRatio> abn_ratios(const std::vector<Segment>& segments, long& total) {
  std::map<std::string, AbnRatio> out;
  total = 0;
  for (const auto& s : segments) {
    if (s.weights.empty()) continue;
    long all = 0;
    for (const auto& [workload, n] : s.served) all += n;
    total += all;
    for (const auto& [workload, n] : s.served) out[workload].served += n;
    for (const auto& [workload, w] : s.weights)
      out[workload].expected += static_cast<double>(all) * w / 100.0;
  }
  return out;
}

std::string abn_describe(const std::vector<Segment>& segments) {
  std::string text;
  for (const auto& s : segments) {
    text += to_string(s.routing) + " served:";
    for (const auto& [workload, n] : s.served) text += " " + workload + "=" + std::to_string(n);
    text += "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("istio A/B/n Experiment on the real API server: the known-best version wins, promoted") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  for (const char* program : {"/usr/sbin/nginx", "/usr/bin/prometheus", "/usr/bin/python3"})
    REQUIRE_MESSAGE(std::filesystem::exists(program), program << " is missing: scripts/setup e2e");
  const auto crds = install_crds(*cluster);
  REQUIRE_MESSAGE(crds.empty(), crds);
  auto& api = cluster->api();
  const auto started = std::chrono::steady_clock::now();
  const auto ns = unique_name("veer-e2e-abn");
  INFO("namespace " << ns);
  const auto dir = (std::filesystem::temp_directory_path() / ns).string();
  std::filesystem::create_directories(dir);
  REQUIRE(cluster->create_namespace(ns).empty());
  struct Cleanup {
    E2eCluster& cluster;
    std::string ns;
    std::string dir;
    ~Cleanup() {
      cluster.delete_namespace(ns);
      const char* keep = std::getenv("VEER_TRAFFIC_KEEP");  // 1: keep the logs and the TSDB
      std::error_code ignored;
      if (keep == nullptr || std::string(keep) != "1") std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{*cluster, ns, dir};
  for (const auto& [name, image] :
       std::vector<std::pair<std::string, std::string>>{{"checkout", kCurrentImage},
                                                        {"checkout-one-page", kOnePageImage},
                                                        {"checkout-express", kExpressImage}}) {
    if (auto made = api.create(sim::deployment(ns, name, image)); !made)
      FAIL(name << ": " << made.error().message);
  }
  NginxProcess nginx(dir + "/nginx");
  REQUIRE(nginx.start() == "");
  PrometheusProcess prometheus(dir + "/prometheus");
  REQUIRE(prometheus.start() == "");
  DataPlaneStandIn data_plane(api, "istio", ns, "checkout", dir, nginx, prometheus,
                              Routes::Experiment, kAppSeed);
  if (auto made = api.create(experiment(ns)); !made) FAIL(made.error().message);
  std::string why;
  const auto kubeconfig = cluster->operator_kubeconfig("veer-e2e-abn", why);
  REQUIRE_MESSAGE(!kubeconfig.empty(), why);
  OperatorProcess veer({kubeconfig, ns, "istio", prometheus.url(), dir + "/operator.log"});
  REQUIRE_MESSAGE(veer.start().empty(), veer.log_tail());
  // The load starts once nginx routes by the VirtualService veer wrote.
  REQUIRE_MESSAGE(wait_until([&] { return !data_plane.segments().empty(); }, 90s),
                  "nginx does not route by the Experiment's VirtualService within 90 s; "
                      << observe(api, ns).describe() << "\noperator log:\n"
                      << veer.log_tail());
  auto load = std::make_unique<LoadGenerator>(nginx.url(), kAbnRequestsPerSecond);

  // Follow it: every split the status names must reach the VirtualService, three versions wide.
  std::vector<Seen> trail;
  std::set<std::map<std::string, int>> routed_splits;
  bool three_way = false;
  const auto deadline = std::chrono::steady_clock::now() + 240s;
  Seen now;
  while (std::chrono::steady_clock::now() < deadline) {
    now = observe(api, ns);
    if (trail.empty() || trail.back().describe() != now.describe()) trail.push_back(now);
    if (now.phase == "Running" && now.in_status == now.routed) {
      routed_splits.insert(now.routed);
      int live = 0;
      for (const auto& [host, w] : now.routed) live += w > 0;
      three_way |= live == 3;
    }
    // Promoted, and nginx sends everything to the baseline's app, which runs the winner's image.
    const auto last = data_plane.segments().back();
    const bool promoted = now.phase == "Completed" &&
                          image_of(api, ns, "checkout") == kExpressImage &&
                          now.routed["checkout-current"] == 100 &&
                          data_plane.app_image("checkout") == kExpressImage &&
                          last.weights == std::map<std::string, int>{{"checkout", 100}};
    if (promoted || now.phase == "Failed" || now.phase == "Aborted") break;
    std::this_thread::sleep_for(200ms);
  }
  // A few more seconds of requests to the promoted baseline, then the load stops.
  std::this_thread::sleep_for(2s);
  const auto answers = load->answers();
  load.reset();
  const auto segments = data_plane.segments();
  std::string history;
  for (const auto& s : trail) history += s.describe() + "\n";
  INFO("seen:\n"
       << history << "nginx routed, and the apps served:\n"
       << abn_describe(segments) << "operator log:\n"
       << veer.log_tail());
  MESSAGE("the Experiment ended " << now.describe() << " after "
                                  << std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count()
                                  << " s");  // with the INFO above: the split at the apps
  CHECK(data_plane.problems().empty());
  CHECK_MESSAGE(three_way, "no look routed all three versions on the VirtualService");
  CHECK(routed_splits.size() >= 2);  // the strategy moved the traffic between looks
  REQUIRE(now.phase == "Completed");
  CHECK(now.winner == "express");
  CHECK(now.looks <= 10);
  // Promoted: the baseline runs the winner's pod template under its own labels, and takes all
  // the traffic back.
  auto baseline = api.get({kube::type_of("apps/v1", "Deployment"), ns, "checkout"});
  REQUIRE(baseline);
  CHECK(sim::image_of(*baseline) == kExpressImage);
  CHECK((*baseline)["spec"]["template"]["metadata"]["labels"]["app"] == "checkout");
  CHECK(now.routed == std::map<std::string, int>{{"checkout-current", 100},
                                                 {"checkout-one-page", 0},
                                                 {"checkout-express", 0}});
  CHECK(data_plane.app_image("checkout") == kExpressImage);
  // Real requests: every one answered 200, across every reload and the baseline's new app.
  INFO("answers: " << to_string(answers));
  CHECK(answers.size() == 1);
  CHECK(answers.count(200) == 1);
  // The sample-ratio check, at the apps. nginx's weighted round robin is exact over each 100
  // requests, so the only requests counted under another routing than the one that sent them are
  // those around a reload (the counters are read before it, the new configuration serves after
  // it; measured: at most 6 of a routing's requests). So each routing that held 300 requests or
  // more (a look holds about 500) gives each workload its weight within 3 points (6 of 300 is 2),
  // and over the whole run, where those few requests are a smaller part still, within 2 points.
  long total = 0;
  int judged = 0;
  for (const auto& s : segments) {
    long all = 0;
    for (const auto& entry : s.served) all += entry.second;
    if (s.weights.empty() || all < kAbnSegmentRequests) continue;
    ++judged;
    for (const auto& entry : s.served) {
      const auto weight = s.weights.count(entry.first) ? s.weights.at(entry.first) : 0;
      const double share = 100.0 * static_cast<double>(entry.second) / static_cast<double>(all);
      INFO("under " << to_string(s.routing) << ", " << entry.first << " served " << entry.second
                    << " of " << all);
      CHECK(std::abs(share - weight) <= kAbnSegmentPoints);
    }
  }
  CHECK(judged >= 2);  // the looks before the winner, at least
  const auto ratios = abn_ratios(segments, total);
  REQUIRE(total >= 2 * kAbnSegmentRequests);
  for (const auto& entry : ratios) {
    const auto& r = entry.second;
    const double served = static_cast<double>(r.served) / static_cast<double>(total);
    const double expected = r.expected / static_cast<double>(total);
    INFO(entry.first << " served " << r.served << " of " << total
                     << " requests, the weights gave it " << r.expected);
    CHECK(std::abs(served - expected) <= kAbnRatioTolerance);
  }
  for (const char* workload : {"checkout", "checkout-one-page", "checkout-express"})
    CHECK(ratios.count(workload) == 1);
  // Deleting it: veer holds its finalizer, and releases it (nothing to restore: veer created the
  // VirtualService), so the Experiment is gone while the operator runs.
  auto held = api.get({kExperiments, ns, kName});
  REQUIRE(held);
  CHECK((*held)["metadata"]["finalizers"] == json::array({"veer.dev/restore-routes"}));
  REQUIRE(api.remove({kExperiments, ns, kName}));
  bool gone = false;
  for (auto end = std::chrono::steady_clock::now() + 20s;
       !gone && std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(200ms))
    gone = api.get({kExperiments, ns, kName}).is(kube::ErrorType::NotFound);
  CHECK_MESSAGE(gone, "the deleted Experiment is still there after 20 s");
  CHECK(veer.terminate() == "exited with 0");
}

}  // namespace veer::e2e::traffic
