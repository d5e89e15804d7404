// What an Experiment is judged on: per version, cumulative counts since the experiment started
// (the controller sums each interval's counts into them).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace veer::analysis::experiment {

// A ratio metric as counts: `events` out of `trials` (successes of requests, conversions of
// visits, requests slower than a bucket boundary of all requests).
struct RatioCounts {
  std::uint64_t events = 0;
  std::uint64_t trials = 0;
  bool operator==(const RatioCounts&) const = default;
};

struct VersionCounts {
  std::string name;
  std::uint64_t requests = 0;                  // all requests the version served
  std::map<std::string, RatioCounts> metrics;  // by spec.metrics name
};

}  // namespace veer::analysis::experiment
