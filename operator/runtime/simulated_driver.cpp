#include "operator/runtime/simulated_driver.hpp"

#include <algorithm>
#include <thread>

namespace veer::runtime {

SimulatedDriver::SimulatedDriver(kube::MemoryCluster& cluster, base::SimulatedClock& clock,
                                 std::vector<Manager*> managers)
    : cluster_(cluster), clock_(clock), managers_(std::move(managers)) {}

std::string SimulatedDriver::resource_version() {
  // A write nobody watches moves the cluster's resourceVersion; an informer reaches it only
  // through a bookmark, which it handles after the handlers of every earlier event have run.
  auto marked = cluster_.patch(
      {{"", "v1", "namespaces", "Namespace"}, "", "default"}, kube::PatchType::Merge,
      {{"metadata",
        {{"annotations", {{"veer.dev/simulation-marker", std::to_string(++marks_)}}}}}});
  return marked ? kube::resource_version_of(*marked) : "";
}

std::string SimulatedDriver::current_version() {
  auto list = cluster_.list({"", "v1", "namespaces", "Namespace"}, "");
  return list ? list->resource_version : "";
}

bool SimulatedDriver::settle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto rv = resource_version();
    bool all = false;
    while (!all && std::chrono::steady_clock::now() < deadline) {
      cluster_.send_bookmarks();  // again each time: a watch re-opened meanwhile missed it
      all = true;
      for (auto* m : managers_) all = all && m->settled(rv);
      if (!all) std::this_thread::sleep_for(std::chrono::microseconds(200));  // poll interval
    }
    // Nobody wrote since the marker: every reconcile it caused has run, and nothing is left.
    if (all && current_version() == rv) return true;
  }
  return false;
}

void SimulatedDriver::step(base::Clock::Duration limit) {
  settle();
  const auto now = clock_.now();
  auto target = now + limit;
  // The queues' delayed keys too: a worker between two timed waits (woken by an earlier key
  // added meanwhile) has none on the clock, and a jump past its key would run it late.
  auto next = clock_.next_deadline();
  for (const auto* m : managers_)
    if (auto due = m->next_due(); due && (!next || *due < *next)) next = due;
  if (next && *next < target) target = std::max(*next, now + std::chrono::milliseconds(1));
  clock_.set(target);
}

bool SimulatedDriver::run_until(const std::function<bool()>& done, base::Clock::Duration limit,
                                const std::function<void()>& each_step) {
  const auto end = clock_.now() + limit;
  while (true) {
    if (each_step) each_step();
    settle();
    if (done()) return true;
    if (clock_.now() >= end) return false;
    step(std::min<base::Clock::Duration>(max_step, end - clock_.now()));
  }
}

void SimulatedDriver::run_for(base::Clock::Duration duration,
                              const std::function<void()>& each_step) {
  const auto end = clock_.now() + duration;
  while (clock_.now() < end) {
    if (each_step) each_step();
    step(std::min<base::Clock::Duration>(max_step, end - clock_.now()));
  }
  settle();
}

}  // namespace veer::runtime
