#include "operator/runtime/fleet_rate.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "model/duration.hpp"

namespace veer::runtime {

namespace {

constexpr std::chrono::milliseconds kDefaultInterval{60'000};

std::chrono::milliseconds interval_at(const kube::Json& object,
                                      const kube::Json::json_pointer& at) {
  if (!object.contains(at) || !object.at(at).is_string()) return kDefaultInterval;
  auto parsed = model::parse_duration_ms(object.at(at).get<std::string>());
  return parsed && parsed->count() > 0 ? *parsed : kDefaultInterval;
}

}  // namespace

std::chrono::milliseconds canary_step_interval(const kube::Json& canary) {
  static const kube::Json::json_pointer at("/spec/analysis/interval");
  return interval_at(canary, at);
}

std::chrono::milliseconds experiment_step_interval(const kube::Json& experiment) {
  static const kube::Json::json_pointer at("/spec/duration/interval");
  return interval_at(experiment, at);
}

FleetRate::FleetRate(FleetRateSettings settings, Apply apply)
    : settings_(settings), apply_(std::move(apply)) {
  std::lock_guard guard(mutex_);
  applied_ = rate_locked();
  if (apply_) apply_(applied_);
}

ClientRate FleetRate::rate_locked() const {
  ClientRate rate;
  if (settings_.qps) {
    rate.qps = *settings_.qps;
  } else {
    rate.qps = kFloorQps;
    for (const auto& [interval, count] : by_interval_) {
      const double seconds = std::chrono::duration<double>(interval).count();
      rate.qps += kWritesPerStep * static_cast<double>(count) / seconds;
    }
  }
  rate.burst = settings_.burst ? *settings_.burst
                               : std::max(1, static_cast<int>(std::ceil(rate.qps * kBurstPerQps)));
  return rate;
}

ClientRate FleetRate::rate() const {
  std::lock_guard guard(mutex_);
  return applied_;
}

void FleetRate::changed_locked() {
  const auto rate = rate_locked();
  if (rate == applied_) return;
  applied_ = rate;
  if (apply_) apply_(applied_);
}

void FleetRate::set(const std::string& key, std::chrono::milliseconds interval) {
  interval = std::max(interval, settings_.min_interval);
  std::lock_guard guard(mutex_);
  auto [it, added] = intervals_.try_emplace(key, interval);
  if (!added) {
    if (it->second == interval) return;
    if (--by_interval_[it->second] == 0) by_interval_.erase(it->second);
    it->second = interval;
  }
  ++by_interval_[interval];
  changed_locked();
}

void FleetRate::forget(const std::string& key) {
  std::lock_guard guard(mutex_);
  auto it = intervals_.find(key);
  if (it == intervals_.end()) return;
  if (--by_interval_[it->second] == 0) by_interval_.erase(it->second);
  intervals_.erase(it);
  changed_locked();
}

std::string FleetRate::prometheus_text() const {
  const auto rate = this->rate();
  std::ostringstream out;
  out << "# HELP veer_kube_api_qps_limit The client's rate limit to the API server, requests a "
         "second (--kube-api-qps; auto follows the Canaries and Experiments watched).\n"
      << "# TYPE veer_kube_api_qps_limit gauge\n"
      << "veer_kube_api_qps_limit " << rate.qps << "\n"
      << "# HELP veer_kube_api_burst_limit The client's burst to the API server "
         "(--kube-api-burst).\n"
      << "# TYPE veer_kube_api_burst_limit gauge\n"
      << "veer_kube_api_burst_limit " << rate.burst << "\n";
  return out.str();
}

}  // namespace veer::runtime
