// bench_scale --runtime N --api-process: the runtime against an API server in another process
// (process_bench.cpp).
#pragma once

#include <chrono>
#include <optional>

namespace veer::bench {

struct ProcessBenchOptions {
  int canaries = 100;
  std::chrono::seconds interval{30};             // the Canaries' analysis interval
  std::optional<double> client_qps;              // --kube-api-qps of the operator; nullopt: auto
  std::optional<int> client_burst;               // --kube-api-burst; nullopt: auto
  std::chrono::milliseconds api_latency{0};      // added by the stand-in to every answer
  double api_max_qps = 0;                        // the stand-in's own limit (429 beyond); 0 = none
  int api_burst = 400;                           // what that limit lets through at once
  std::chrono::milliseconds metrics_latency{0};  // each analysis waits this long
  int workers = 2;
  int metric_query_concurrency = 16;  // --metric-query-concurrency of the operator
  int max_outbound_calls = 32;        // --max-outbound-calls of the operator
  std::chrono::seconds timeout{600};  // the whole run, bounded
  // 0: every Deployment gets its new image at the same instant (the worst burst). S > 0: the
  // new images arrive in even batches over S seconds (a fleet whose rollouts start at any
  // moment; with S = the interval, steps fall due at an even rate).
  std::chrono::seconds stagger{0};
  // How many of the Canaries get a new image (the first N; the others stay idle, as most of a
  // fleet is at any moment); 0 = all of them.
  int rolling = 0;
  // With a value: the run fails (exit 1) unless every Canary succeeded with at most this many
  // API writes and no API reads per analysis step (the smoke run in the test command).
  std::optional<double> check_writes_per_step;
  // The operator's MemoryReturn interval (ManagerSettings::memory_return_interval); after the
  // rollout the bench waits for one more return and reports the RSS after it.
  std::chrono::seconds memory_return{30};
  // Stop after the idle memory is measured (no rollout): for memory runs.
  bool idle_only = false;
};

// Prints the numbers; 0, or 1 when the fleet did not finish within the timeout or a check failed.
int run_process_bench(const ProcessBenchOptions& options);

}  // namespace veer::bench
