#include "analysis/sequential_status.hpp"

#include <cmath>

namespace veer::analysis {

nlohmann::json to_json(const stats::SequentialState& s) {
  return {{"ratioOk", s.ratio_ok},
          {"logLikelihoodRatio", s.log_lr},
          {"canaryErrors", s.canary_errors},
          {"canaryTotal", s.canary_total},
          {"primaryErrors", s.primary_errors},
          {"primaryTotal", s.primary_total},
          {"looks", s.looks}};
}

Outcome<stats::SequentialState> parse_sequential_state(const nlohmann::json& json) {
  if (!json.is_object()) return fail("sequential state: not an object");
  stats::SequentialState s;
  auto number = [&](const char* key, double& out) -> bool {
    if (!json.contains(key) || !json[key].is_number()) return false;
    out = json[key].get<double>();
    return std::isfinite(out);
  };
  auto count = [&](const char* key, std::uint64_t& out) -> bool {
    if (!json.contains(key) || !json[key].is_number_unsigned()) return false;
    out = json[key].get<std::uint64_t>();
    return true;
  };
  for (const auto& [key, target] :
       {std::pair{"ratioOk", &s.ratio_ok}, std::pair{"logLikelihoodRatio", &s.log_lr}}) {
    if (!number(key, *target))
      return fail(std::string("sequential state: ") + key + " must be a number");
  }
  for (const auto& [key, target] :
       {std::pair{"canaryErrors", &s.canary_errors}, std::pair{"canaryTotal", &s.canary_total},
        std::pair{"primaryErrors", &s.primary_errors}, std::pair{"primaryTotal", &s.primary_total},
        std::pair{"looks", &s.looks}}) {
    if (!count(key, *target)) {
      return fail(std::string("sequential state: ") + key + " must be a non-negative integer");
    }
  }
  if (s.canary_errors > s.canary_total || s.primary_errors > s.primary_total) {
    return fail("sequential state: more errors than requests");
  }
  return s;
}

}  // namespace veer::analysis
