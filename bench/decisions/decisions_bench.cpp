// bench_decisions [--runs N] [--rpm 1000,5000,20000] [--k 1,1.5,2,5] [--tables main,outage,guard]
//                 [--fault-runs N]
// Issue 12, "How it is measured": whole rollouts closed through the real controller
// (CanaryReconciler and decide on the in-memory cluster, as `veer demo` runs it) and the real
// metrics checker (runtime::AnalysisMetricsChecker) against a simulated world:
//   - traffic: `rpm` requests a minute (Poisson), split by the weight the istio router wrote into
//     the VirtualService, over 2 primary and 2 canary pods; 5xx with probability p = 1% on the
//     primary and k * p on the canary;
//   - Prometheus (simulated_prometheus.hpp): per-pod counters scraped every 15 s at per-pod
//     offsets, `increase`/`rate` extrapolated as Prometheus does; a new revision's pods are new
//     series; one container restart (a counter reset) per run at a random time in the first 10
//     minutes; reconciles are late by 0-20 s in 15% of looks and by 60-120 s in 5%;
//   - the Canary: examples/istio/canary.yaml's analysis (1m interval, threshold 5, 10% steps to
//     50%, stepWeightPromotion 25) with request-success-rate compared by the sequential-binomial
//     test at its defaults (alpha 0.01, maxHold 90m), or, for Flagger's rule,
//     `thresholdRange: {min: 99}`.
// Each run index has its own seed, the same for both rules and every fault (the same streams
// until the rules' weights diverge). Seeded and deterministic.
//
// Fault tables: Prometheus down (queries fail, no scrapes) for 3 intervals starting 150 s into
// the rollout; a router that ignores the weight (a Service spreading requests over all 4 pods:
// the canary gets 50% whatever the weight, once it has any).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/decisions/number_list.hpp"
#include "bench/decisions/simulated_prometheus.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/metrics_checker.hpp"

using namespace std::chrono_literals;
using namespace veer;
using nlohmann::json;
namespace sim = veer::controller::simulation;

namespace {

constexpr const char* kNs = "test";
constexpr const char* kApp = "podinfo";
constexpr double kBaseErrorRate = 0.01;
constexpr double kScrapeSeconds = 15;
constexpr int kPodsPerSide = 2;
constexpr double kOutageStart = 150;   // seconds into the rollout
constexpr double kOutageLength = 180;  // 3 analysis intervals
constexpr double kCapSeconds = 6 * 3600;

enum class Rule { Sequential, Threshold };
enum class Fault { None, Outage, IgnoresWeight };
enum class End { Promoted, RolledBack, Undecided };

const char* name_of(Rule r) {
  return r == Rule::Sequential ? "veer sequential" : "Flagger threshold";
}

// The analysis of examples/istio/canary.yaml, its metric replaced by the one under test.
json bench_canary(Rule rule) {
  auto c = sim::canary(kNs, kApp, "istio");
  c["spec"]["progressDeadlineSeconds"] = 600;
  auto& a = c["spec"]["analysis"];
  a = {{"interval", "1m"},
       {"threshold", 5},
       {"maxWeight", 50},
       {"stepWeight", 10},
       {"stepWeightPromotion", 25}};
  json metric = {{"name", "request-success-rate"}, {"interval", "1m"}};
  if (rule == Rule::Sequential)
    metric["comparison"] = {{"test", "sequential-binomial"}};
  else
    metric["thresholdRange"] = {{"min", 99}};
  a["metrics"] = json::array({metric});
  return c;
}

// The real checker, noting what the guard said.
class RecordingChecker final : public controller::MetricsChecker {
 public:
  explicit RecordingChecker(controller::MetricsChecker& inner) : inner_(inner) {}
  controller::AnalysisResult analyze(const model::Canary& canary) override {
    auto result = inner_.analyze(canary);
    if (result.traffic_split && result.traffic_split->mismatch) mismatch = true;
    return result;
  }
  bool mismatch = false;

 private:
  controller::MetricsChecker& inner_;
};

struct Pod {
  std::string workload;
  int index = 0;
  bool canary = false;
  double total = 0, errors = 0;
  double next_scrape = 0;
};

struct RunResult {
  End end = End::Undecided;
  double canary_requests = 0;  // served to the canary from the new revision to the decision
  double minutes = 0;
  bool promoted_on_no_data = false;     // the promoting look had a NoData verdict
  bool rolled_back_on_no_data = false;  // the rollback names missing data
  bool mismatch = false;                // the traffic-split guard flagged the run
  std::string reason;
};

double unix_seconds(base::Clock::TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

class World {
 public:
  World(Rule rule, Fault fault, double rpm, double k, std::uint64_t seed)
      : fault_(fault), rpm_(rpm), k_(k), rng_(seed), canary_json_(bench_canary(rule)) {
    for (const auto& info : sim::served_types()) cluster_.add_type(info);
    cluster_.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}});
    std::uniform_real_distribution<double> offset(0, kScrapeSeconds);
    for (int side = 0; side < 2; ++side) {
      for (int i = 0; i < kPodsPerSide; ++i) {
        Pod pod{side ? std::string(kApp) : std::string(kApp) + "-primary", i, side == 1};
        pod.next_scrape = now() + offset(rng_);
        pods_.push_back(pod);
      }
    }
    last_ = now();
  }

  RunResult run() {
    RunResult r;
    cluster_.create(sim::deployment(kNs, kApp, "ghcr.io/stefanprodan/podinfo:6.0.0"));
    cluster_.create(canary_json_);
    runtime::AnalysisMetricsChecker real(cluster_, clock_, {"", 5s, &prometheus_});
    RecordingChecker checker(real);
    controller::ReconcilerSettings settings;
    settings.decide.default_provider = "istio";
    controller::CanaryReconciler reconciler(cluster_, clock_, hooks_, checker, alerts_, settings);
    const controller::ReconcileReport* last = nullptr;
    controller::ReconcileReport report;
    reconciler.on_report([&](const controller::ReconcileReport& rep) {
      report = rep;
      last = &report;
    });
    for (int i = 0; i < 100 && phase() != "Initialized"; ++i) step(reconciler);
    if (phase() != "Initialized") {
      r.reason = "did not initialize";
      return r;
    }
    new_revision();
    const double began = now();
    std::uniform_real_distribution<double> restart_at(began + 60, began + 600);
    restart_time_ = restart_at(rng_);
    restart_pod_ = std::uniform_int_distribution<int>(0, 2 * kPodsPerSide - 1)(rng_);
    if (fault_ == Fault::Outage)
      outage_ = {began + kOutageStart, began + kOutageStart + kOutageLength};
    while (now() - began < kCapSeconds) {
      last = nullptr;
      step(reconciler);
      if (!last) continue;
      const auto p = std::string(model::to_string(last->phase));
      const bool promoted = p == "Promoting" || p == "Finalising" || p == "Succeeded";
      if (!promoted && p != "Failed") continue;
      bool no_data = false;
      for (const auto& v : last->verdicts)
        no_data = no_data || v.outcome == controller::MetricOutcome::NoData;
      for (const auto& e : last->events) r.reason += (r.reason.empty() ? "" : " | ") + e.message;
      r.end = promoted ? End::Promoted : End::RolledBack;
      r.promoted_on_no_data = promoted && no_data;
      r.rolled_back_on_no_data =
          !promoted && (no_data || r.reason.find("no data") != std::string::npos ||
                        r.reason.find("no-data") != std::string::npos);
      break;
    }
    r.canary_requests = canary_requests_;
    r.minutes = (now() - began) / 60;
    r.mismatch = checker.mismatch;
    return r;
  }

 private:
  double now() const { return unix_seconds(clock_.now()); }

  std::string phase() {
    auto c = cluster_.get({controller::canary_type(), kNs, kApp});
    return c ? c->value("status", json::object()).value("phase", "") : "";
  }

  // The canary's weight as the router has it: the last HTTP route of the VirtualService.
  int router_weight() {
    auto vs =
        cluster_.get({kube::type_of("networking.istio.io/v1beta1", "VirtualService"), kNs, kApp});
    if (!vs) return 0;
    const auto& http = (*vs)["spec"].value("http", json::array());
    if (http.empty()) return 0;
    for (const auto& route : http.back().value("route", json::array())) {
      const auto host = route.value("destination", json::object()).value("host", "");
      if (host.find("-canary") != std::string::npos) return route.value("weight", 0);
    }
    return 0;
  }

  bool down(double t) const { return outage_ && t >= outage_->first && t < outage_->second; }

  // One reconcile, then the clock to the next one (late now and then), traffic flowing.
  void step(controller::CanaryReconciler& reconciler) {
    sim::kubelet_pass(cluster_, kNs);
    prometheus_.set_now(now());
    prometheus_.set_down(down(now()));
    auto result = reconciler.reconcile(std::string(kNs) + "/" + kApp);
    double delay = std::chrono::duration<double>(result.requeue_after.value_or(5s)).count();
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (u < 0.05)
      delay += std::uniform_real_distribution<double>(60, 120)(rng_);
    else if (u < 0.20)
      delay += std::uniform_real_distribution<double>(0, 20)(rng_);
    const double target = now() + delay;
    flow_until(target);
    clock_.advance(
        std::chrono::duration_cast<base::Clock::Duration>(std::chrono::duration<double>(delay)));
  }

  // Requests from last_ to `t` at the router's current weight, scrapes on the way.
  void flow_until(double t) {
    const int weight = router_weight();
    const double share = fault_ == Fault::IgnoresWeight ? (weight > 0 ? 0.5 : 0.0) : weight / 100.0;
    while (true) {
      auto next = std::min_element(pods_.begin(), pods_.end(), [](const Pod& a, const Pod& b) {
        return a.next_scrape < b.next_scrape;
      });
      const double event = std::min(next->next_scrape, restart_time_);
      if (event > t) break;
      serve(event, share);
      if (event == restart_time_) {  // a container restart: its counters start again at 0
        pods_[restart_pod_].total = pods_[restart_pod_].errors = 0;
        restart_time_ = 1e300;
        continue;
      }
      if (!down(event)) {
        const auto base = next->workload + "/" + std::to_string(next->index) + "/";
        prometheus_.scrape(base + "5xx", event, next->errors);
        prometheus_.scrape(base + "ok", event, next->total - next->errors);
      }
      next->next_scrape += kScrapeSeconds;
    }
    serve(t, share);
  }

  void serve(double until, double canary_share) {
    const double seconds = until - last_;
    last_ = until;
    if (seconds <= 0) return;
    for (auto& pod : pods_) {
      const double share = (pod.canary ? canary_share : 1 - canary_share) / kPodsPerSide;
      const double mean = rpm_ / 60 * seconds * share;
      if (mean <= 0) continue;
      const auto n = std::poisson_distribution<std::uint64_t>(mean)(rng_);
      const double p = pod.canary ? std::min(1.0, k_ * kBaseErrorRate) : kBaseErrorRate;
      const auto e = std::binomial_distribution<std::uint64_t>(n, p)(rng_);
      pod.total += static_cast<double>(n);
      pod.errors += static_cast<double>(e);
      if (pod.canary && counting_) canary_requests_ += static_cast<double>(n);
    }
  }

  // The new image: new canary pods (new series, counters from 0).
  void new_revision() {
    auto d = *cluster_.get({kube::type_of("apps/v1", "Deployment"), kNs, kApp});
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/stefanprodan/podinfo:6.0.1";
    cluster_.update(d);
    for (auto& pod : pods_) {
      if (pod.canary) pod.total = pod.errors = 0;
    }
    prometheus_.drop(kApp);
    counting_ = true;
  }

  Fault fault_;
  double rpm_, k_;
  std::mt19937_64 rng_;
  json canary_json_;
  base::SimulatedClock clock_;
  kube::MemoryCluster cluster_{clock_};
  sim::ApprovingHooks hooks_;
  sim::RecordingAlerts alerts_;
  bench::SimulatedPrometheus prometheus_;
  std::vector<Pod> pods_;
  double last_ = 0;
  double restart_time_ = 1e300;
  int restart_pod_ = 0;
  std::optional<std::pair<double, double>> outage_;
  bool counting_ = false;
  double canary_requests_ = 0;
};

std::uint64_t seed_of(double rpm, double k, int run) {
  return 0x9e3779b97f4a7c15ULL ^ (static_cast<std::uint64_t>(rpm) << 20) ^
         (static_cast<std::uint64_t>(k * 10) << 48) ^ static_cast<std::uint64_t>(run) * 7919;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1)))];
}

struct Cell {
  int runs = 0, promoted = 0, rolled_back = 0, undecided = 0;
  int promoted_on_no_data = 0, rolled_back_on_no_data = 0, mismatch = 0;
  int proven_worse = 0, hold_expired = 0, failed_checks = 0;  // rollbacks by reason
  std::vector<double> requests, minutes;
  std::string example_reason;

  std::string reasons() const {
    return std::to_string(proven_worse) + " / " + std::to_string(hold_expired) + " / " +
           std::to_string(failed_checks);
  }
};

Cell run_cell(Rule rule, Fault fault, double rpm, double k, int runs) {
  Cell c;
  for (int i = 0; i < runs; ++i) {
    World world(rule, fault, rpm, k, seed_of(rpm, k, i));
    auto r = world.run();
    ++c.runs;
    if (r.end == End::Promoted) ++c.promoted;
    if (r.end == End::RolledBack) {
      ++c.rolled_back;
      if (r.reason.find("hold budget exhausted") != std::string::npos)
        ++c.hold_expired;
      else if (r.reason.find("proven worse") != std::string::npos)
        ++c.proven_worse;
      else
        ++c.failed_checks;
    }
    if (r.end == End::Undecided) ++c.undecided;
    c.promoted_on_no_data += r.promoted_on_no_data;
    c.rolled_back_on_no_data += r.rolled_back_on_no_data;
    c.mismatch += r.mismatch;
    if (r.end != End::Undecided) {
      c.requests.push_back(r.canary_requests);
      c.minutes.push_back(r.minutes);
    }
    if (c.example_reason.empty() && r.end == End::RolledBack) c.example_reason = r.reason;
    if (std::getenv("BENCH_DECISIONS_REASONS") && r.end == End::RolledBack)
      std::cerr << "rollback: " << r.reason << "\n";
  }
  return c;
}

std::string pct(int n, int of) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", of ? 100.0 * n / of : 0.0);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string num1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

using veer::bench::parse_list;

int main(int argc, char** argv) {
  int runs = 2000, fault_runs = -1;
  std::vector<double> rpms{1000, 5000, 20000}, ks{1, 1.5, 2, 5};
  std::string tables = "main,outage,guard";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--runs" && has_value) {
      runs = std::atoi(argv[++i]);
    } else if (arg == "--fault-runs" && has_value) {
      fault_runs = std::atoi(argv[++i]);
    } else if (arg == "--rpm" && has_value) {
      rpms = parse_list(argv[++i]);
    } else if (arg == "--k" && has_value) {
      ks = parse_list(argv[++i]);
    } else if (arg == "--tables" && has_value) {
      tables = argv[++i];
    } else {
      std::cerr << "usage: bench_decisions [--runs N] [--fault-runs N] [--rpm a,b] [--k a,b] "
                   "[--tables main,outage,guard]\n";
      return 2;
    }
  }
  if (runs < 1) return 2;
  if (fault_runs < 0) fault_runs = runs;
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  bool ok = true;

  if (tables.find("main") != std::string::npos) {
    std::cout << "## Decisions (runs per cell: " << runs << ")\n\n"
              << "FR = good canary (k = 1) rolled back; MISS = bad canary (k > 1) promoted. "
                 "Requests = canary requests from the new revision to the decision (promotion "
                 "starts or rollback); minutes = simulated time to it. Undecided = no decision "
                 "in 6 simulated hours.\n\n"
              << "| rule | req/min | k | FR or MISS | promoted | rolled back | undecided | "
                 "rollbacks: proven worse / hold expired / failed checks | guard flagged | "
                 "requests median | requests p90 | minutes median | minutes p90 |\n"
              << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (double rpm : rpms) {
      for (double k : ks) {
        for (Rule rule : {Rule::Sequential, Rule::Threshold}) {
          auto c = run_cell(rule, Fault::None, rpm, k, runs);
          const int wrong = k == 1 ? c.rolled_back : c.promoted;
          std::cout << "| " << name_of(rule) << " | " << num(rpm) << " | " << k << " | "
                    << (k == 1 ? "FR " : "MISS ") << pct(wrong, c.runs) << " | " << c.promoted
                    << " | " << c.rolled_back << " | " << c.undecided << " | " << c.reasons()
                    << " | " << c.mismatch << " | " << num(quantile(c.requests, 0.5)) << " | "
                    << num(quantile(c.requests, 0.9)) << " | " << num1(quantile(c.minutes, 0.5))
                    << " | " << num1(quantile(c.minutes, 0.9)) << " |" << std::endl;
          std::cerr << "[" << num(seconds()) << " s] main " << name_of(rule) << " " << rpm << " "
                    << k << "\n";
        }
      }
    }
    std::cout << "\n";
  }

  if (tables.find("outage") != std::string::npos) {
    std::cout << "## Prometheus down for 3 intervals, 150 s into the rollout (runs per cell: "
              << fault_runs << ")\n\n"
              << "promoted on no data = a promotion decided at a look with a NoData verdict "
                 "(must be 0); rolled back on no data = a rollback whose look had a NoData "
                 "verdict or whose reason names missing data (must be 0 for veer: 3 looks are "
                 "within maxNoData 5); guard flagged = runs in which the traffic-split guard "
                 "flagged the correct router (must be 0).\n\n"
              << "| rule | req/min | k | promoted on no data | rolled back on no data | "
                 "guard flagged | FR or MISS | promoted | rolled back | undecided | "
                 "rollbacks: proven worse / hold expired / failed checks | minutes median |\n"
              << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (double rpm : rpms) {
      for (double k : ks) {
        for (Rule rule : {Rule::Sequential, Rule::Threshold}) {
          auto c = run_cell(rule, Fault::Outage, rpm, k, fault_runs);
          const int wrong = k == 1 ? c.rolled_back : c.promoted;
          if (rule == Rule::Sequential &&
              (c.promoted_on_no_data || c.rolled_back_on_no_data || c.mismatch))
            ok = false;
          std::cout << "| " << name_of(rule) << " | " << num(rpm) << " | " << k << " | "
                    << c.promoted_on_no_data << " | " << c.rolled_back_on_no_data << " | "
                    << c.mismatch << " | " << (k == 1 ? "FR " : "MISS ") << pct(wrong, c.runs)
                    << " | " << c.promoted << " | " << c.rolled_back << " | " << c.undecided
                    << " | " << c.reasons() << " | " << num1(quantile(c.minutes, 0.5)) << " |"
                    << std::endl;
          std::cerr << "[" << num(seconds()) << " s] outage " << name_of(rule) << " " << rpm << " "
                    << k << "\n";
        }
      }
    }
    std::cout << "\n";
  }

  if (tables.find("guard") != std::string::npos) {
    std::cout << "## A router that ignores the weight (canary gets 50% from the first step; "
                 "veer sequential; runs per cell: "
              << fault_runs << ")\n\n"
              << "held by the guard = the traffic-split guard flagged a mismatch in the run "
                 "(must be every run); promoted must be 0.\n\n"
              << "| req/min | k | runs | held by the guard | promoted | rolled back | undecided "
                 "| minutes median | a rollback's reason |\n"
              << "|---|---|---|---|---|---|---|---|---|\n";
    for (double rpm : rpms) {
      for (double k : ks) {
        auto c = run_cell(Rule::Sequential, Fault::IgnoresWeight, rpm, k, fault_runs);
        if (c.mismatch != c.runs || c.promoted) ok = false;
        std::cout << "| " << num(rpm) << " | " << k << " | " << c.runs << " | " << c.mismatch
                  << " | " << c.promoted << " | " << c.rolled_back << " | " << c.undecided << " | "
                  << num1(quantile(c.minutes, 0.5)) << " | " << c.example_reason.substr(0, 160)
                  << " |" << std::endl;
        std::cerr << "[" << num(seconds()) << " s] guard " << rpm << " " << k << "\n";
      }
    }
    std::cout << "\n";
  }
  std::cout << "wall time " << num(seconds()) << " s\n";
  return ok ? 0 : 1;
}
