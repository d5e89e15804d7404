#include "bench/decisions/simulated_prometheus.hpp"

#include <cmath>
#include <regex>

namespace veer::bench {

std::optional<double> increase(const std::vector<Sample>& samples, double end, double range) {
  const double start = end - range;
  std::vector<Sample> in;
  for (const auto& s : samples) {
    if (s.t > start && s.t <= end) in.push_back(s);
  }
  if (in.size() < 2) return std::nullopt;  // Prometheus: no result for this series
  double result = in.back().v - in.front().v;
  for (std::size_t i = 1; i < in.size(); ++i) {
    if (in[i].v < in[i - 1].v) result += in[i - 1].v;  // a reset: the new value is all new
  }
  const double sampled = in.back().t - in.front().t;
  const double average_gap = sampled / static_cast<double>(in.size() - 1);
  double to_start = in.front().t - start;
  const double to_end = end - in.back().t;
  if (result > 0 && in.front().v >= 0) {
    const double to_zero = sampled * (in.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average_gap * 1.1;
  double extrapolated = sampled;
  extrapolated += to_start < threshold ? to_start : average_gap / 2;
  extrapolated += to_end < threshold ? to_end : average_gap / 2;
  return result * (extrapolated / sampled);
}

void SimulatedPrometheus::drop(const std::string& workload) {
  for (auto it = series_.begin(); it != series_.end();) {
    it = it->first.rfind(workload + "/", 0) == 0 ? series_.erase(it) : std::next(it);
  }
}

base::Outcome<std::optional<double>> SimulatedPrometheus::sum_increase(const std::string& term,
                                                                       double at) {
  static const std::regex shape(R"((increase|rate)\((\w+)\{([^}]*)\}\[(\d+)([smh])\]\))");
  static const std::regex workload(R"re(destination_workload=~"([^"]+)")re");
  std::smatch m;
  if (!std::regex_search(term, m, shape))
    return base::fail("simulated Prometheus: unsupported query " + term);
  const std::string selector = m[3];
  const double unit = m[5] == "s" ? 1 : m[5] == "m" ? 60 : 3600;
  const double range = std::stod(m[4]) * unit;
  std::smatch w;
  if (!std::regex_search(selector, w, workload))
    return base::fail("simulated Prometheus: no destination_workload in " + term);
  const bool only_5xx = selector.find(R"(response_code=~"5.*")") != std::string::npos;
  const bool only_ok = selector.find(R"(response_code!~"5.*")") != std::string::npos;
  const std::string prefix = std::string(w[1]) + "/";
  std::optional<double> sum;
  for (const auto& [name, samples] : series_) {
    if (name.rfind(prefix, 0) != 0 || name.find('/', prefix.size()) == std::string::npos) continue;
    const bool is_5xx = name.size() >= 4 && name.compare(name.size() - 4, 4, "/5xx") == 0;
    if ((only_5xx && !is_5xx) || (only_ok && is_5xx)) continue;
    if (auto v = increase(samples, at, range))
      sum = sum.value_or(0) + (m[1] == "rate" ? *v / range : *v);
  }
  return sum;
}

base::Outcome<double> SimulatedPrometheus::instant(const std::string& query,
                                                   std::optional<double> at_unix_seconds) {
  ++queries_;
  if (down_) return base::fail("simulated outage: Prometheus unreachable");
  const double at = at_unix_seconds.value_or(now_);
  if (at > now_) return base::fail("simulated Prometheus: query in the future");
  const auto slash = query.find(" / ");
  if (slash != std::string::npos) {  // the success-rate value: ok rate / all rate * 100
    auto ok = sum_increase(query.substr(0, slash), at);
    if (!ok) return base::Error{ok.error()};
    auto all = sum_increase(query.substr(slash), at);
    if (!all) return base::Error{all.error()};
    if (!*ok || !*all || **all <= 0) return base::fail("no values found for " + query);
    return **ok / **all * 100;
  }
  auto sum = sum_increase(query, at);
  if (!sum) return base::Error{sum.error()};
  if (*sum) return **sum;
  if (query.find("or vector(0)") != std::string::npos) return 0.0;
  return base::fail("no values found for " + query);
}

}  // namespace veer::bench
