#include "operator/loadgen/slo.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "analysis/stats/math_guard.hpp"
#include "model/duration.hpp"

namespace veer::loadgen {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// A whole decimal number (no sign, no exponent), or nothing.
std::optional<double> plain_number(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos ||
      text.find('.') != text.rfind('.') || text == ".")
    return std::nullopt;
  return std::stod(text);
}

std::string format(double value) {
  std::ostringstream out;
  out << std::setprecision(4) << value;
  return out.str();
}

base::Outcome<Slo> parse_one(const std::string& item) {
  const auto op = item.find("<=");
  if (op == std::string::npos) {
    const bool other = item.find_first_of("<>=") != std::string::npos;
    return base::fail(other ? "only <= is supported (an objective is an upper limit)"
                            : "expected NAME<=LIMIT");
  }
  Slo slo;
  slo.text = item;
  const std::string name = trim(item.substr(0, op));
  const std::string limit = trim(item.substr(op + 2));
  if (limit.empty()) return base::fail("the limit after <= is missing");
  if (name == "error-rate") {
    slo.kind = Slo::Kind::ErrorRate;
    const bool percent = limit.back() == '%';
    const auto value = plain_number(percent ? limit.substr(0, limit.size() - 1) : limit);
    if (!value) return base::fail("\"" + limit + "\" is not a rate (e.g. 0.1% or 0.001)");
    slo.limit = percent ? *value / 100 : *value;
    if (slo.limit <= 0 || slo.limit >= 1)
      return base::fail("\"" + limit + "\" must lie strictly between 0 and 100%");
    return slo;
  }
  if (name.rfind("latency-p", 0) == 0) {
    slo.kind = Slo::Kind::LatencyQuantile;
    const std::string percentile = name.substr(9);
    const auto q = plain_number(percentile);
    if (!q || *q <= 0 || *q >= 100)
      return base::fail("\"" + name + "\": the percentile must be a number in (0, 100), e.g. " +
                        "latency-p95 or latency-p99.9");
    slo.quantile = *q / 100;
    const auto duration = model::parse_go_duration(limit);
    if (!duration) {
      const bool bare = plain_number(limit).has_value();
      return base::fail("\"" + limit + "\" is not a duration" +
                        (bare ? " (give a unit: us, ms or s)" : " (e.g. 300ms, 1.5s)"));
    }
    if (duration->count() <= 0) return base::fail("\"" + limit + "\" must be above zero");
    slo.limit = static_cast<double>(duration->count()) / 1e6;
    return slo;
  }
  return base::fail("unknown objective \"" + name +
                    "\" (known: error-rate, latency-pNN such as latency-p95)");
}

}  // namespace

base::Outcome<std::vector<Slo>> parse_slos(const std::string& text) {
  std::vector<Slo> out;
  std::istringstream items(text);
  std::string item;
  int position = 0;
  while (std::getline(items, item, ',')) {
    ++position;
    item = trim(item);
    if (item.empty()) return base::fail("item " + std::to_string(position) + " is empty");
    auto slo = parse_one(item);
    if (!slo)
      return base::fail("item " + std::to_string(position) + " \"" + item +
                        "\": " + slo.error().message);
    out.push_back(*slo);
  }
  if (out.empty()) return base::fail("no objective given");
  return out;
}

const char* to_string(SloVerdict verdict) {
  switch (verdict) {
    case SloVerdict::Pass:
      return "pass";
    case SloVerdict::Fail:
      return "fail";
    case SloVerdict::Inconclusive:
      break;
  }
  return "inconclusive";
}

double binomial_upper_bound(std::uint64_t events, std::uint64_t trials, double confidence) {
  if (events >= trials) return 1;
  return boost::math::ibeta_inv(static_cast<double>(events + 1),
                                static_cast<double>(trials - events), confidence);
}

double binomial_lower_bound(std::uint64_t events, std::uint64_t trials, double confidence) {
  if (events == 0 || trials == 0) return 0;
  return boost::math::ibeta_inv(static_cast<double>(events),
                                static_cast<double>(trials - events + 1), 1 - confidence);
}

// P(X_(k) >= ξ_q) = P(Binomial(n, q) <= k - 1): the smallest k where that reaches the confidence.
std::optional<std::uint64_t> quantile_upper_rank(std::uint64_t n, double q, double confidence) {
  if (n == 0) return std::nullopt;
  const boost::math::binomial_distribution<double> below(static_cast<double>(n), q);
  auto covers = [&](std::uint64_t k) {
    return boost::math::cdf(below, static_cast<double>(k - 1)) >= confidence;
  };
  if (!covers(n)) return std::nullopt;
  std::uint64_t low = 1, high = n;  // covers(high) holds; find the smallest
  while (low < high) {
    const std::uint64_t mid = low + (high - low) / 2;
    if (covers(mid))
      high = mid;
    else
      low = mid + 1;
  }
  return low;
}

// P(X_(k) <= ξ_q) = P(Binomial(n, q) >= k): the largest k where that reaches the confidence.
std::optional<std::uint64_t> quantile_lower_rank(std::uint64_t n, double q, double confidence) {
  if (n == 0) return std::nullopt;
  const boost::math::binomial_distribution<double> below(static_cast<double>(n), q);
  auto covers = [&](std::uint64_t k) {
    return boost::math::cdf(boost::math::complement(below, static_cast<double>(k - 1))) >=
           confidence;
  };
  if (!covers(1)) return std::nullopt;
  std::uint64_t low = 1, high = n;  // covers(low) holds; find the largest
  while (low < high) {
    const std::uint64_t mid = low + (high - low + 1) / 2;
    if (covers(mid))
      low = mid;
    else
      high = mid - 1;
  }
  return low;
}

std::uint64_t requests_to_bound_quantile(double q, double confidence) {
  return static_cast<std::uint64_t>(std::ceil(std::log(1 - confidence) / std::log(q) - 1e-9));
}

SloAssessment assess(const Slo& slo, const UrlCounts& counts, double confidence) {
  SloAssessment out;
  const std::string level = format(confidence * 100) + "%";
  if (slo.kind == Slo::Kind::ErrorRate) {
    out.requests = counts.requests;
    if (counts.requests == 0) {
      out.reason = "no requests were made";
      return out;
    }
    out.estimate = static_cast<double>(counts.errors) / static_cast<double>(counts.requests);
    const auto bounds = analysis::stats::guard_math(
        {"error-rate bounds", std::to_string(counts.requests) + " requests"}, [&] {
          return std::pair{binomial_lower_bound(counts.errors, counts.requests, confidence),
                           binomial_upper_bound(counts.errors, counts.requests, confidence)};
        });
    if (!bounds) {
      out.reason = bounds.error().message;
      return out;
    }
    out.bound_low = bounds->first;
    out.bound_high = bounds->second;
    const std::string seen = std::to_string(counts.errors) + " errors in " +
                             std::to_string(counts.requests) + " requests";
    if (*out.bound_high <= slo.limit) {
      out.verdict = SloVerdict::Pass;
      out.reason = seen + ": the rate is below " + format(*out.bound_high * 100) + "% with " +
                   level + " confidence";
    } else if (*out.bound_low > slo.limit) {
      out.verdict = SloVerdict::Fail;
      out.reason = seen + ": the rate is above " + format(*out.bound_low * 100) + "% with " +
                   level + " confidence";
    } else {
      out.reason = seen + ": too few to tell whether the rate is under " + format(slo.limit * 100) +
                   "% (" + level + " bounds " + format(*out.bound_low * 100) + "%.." +
                   format(*out.bound_high * 100) + "%)";
    }
    return out;
  }
  const LatencyHistogram empty;
  const LatencyHistogram& h = counts.latency ? *counts.latency : empty;
  const std::uint64_t n = h.count();
  out.requests = n;
  out.estimate = h.quantile_ms(slo.quantile);
  const std::string name = "p" + format(slo.quantile * 100);
  const auto ranks = analysis::stats::guard_math(
      {"latency quantile bounds", std::to_string(n) + " timed latencies"}, [&] {
        return std::pair{quantile_upper_rank(n, slo.quantile, confidence),
                         quantile_lower_rank(n, slo.quantile, confidence)};
      });
  if (!ranks) {
    out.reason = ranks.error().message;
    return out;
  }
  const auto& [upper, lower] = *ranks;
  if (upper) out.bound_high = h.rank_range(*upper).high_ms;
  if (lower) out.bound_low = h.rank_range(*lower).low_ms;
  const std::string seen = std::to_string(n) + " timed latencies";
  if (out.bound_high && *out.bound_high <= slo.limit) {
    out.verdict = SloVerdict::Pass;
    out.reason = seen + ": " + name + " is at most " + format(*out.bound_high) + " ms with " +
                 level + " confidence";
  } else if (out.bound_low && *out.bound_low > slo.limit) {
    out.verdict = SloVerdict::Fail;
    out.reason = seen + ": " + name + " is above " + format(*out.bound_low) + " ms with " + level +
                 " confidence";
  } else if (!upper) {
    out.reason = seen + " are too few to bound " + name + " at " + level + " confidence (needs " +
                 std::to_string(requests_to_bound_quantile(slo.quantile, confidence)) + ")";
  } else {
    out.reason = seen + ": too few to tell whether " + name + " is under " + format(slo.limit) +
                 " ms (" + level + " bounds " + format(out.bound_low.value_or(0)) + ".." +
                 format(*out.bound_high) + " ms)";
  }
  return out;
}

}  // namespace veer::loadgen
