// What `veer status` shows: one row per Canary from its status (phase, weight, failed checks,
// the last verdict and what it waits for), as a table or as a live line with a weight bar.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::controller {

struct CanaryRow {
  std::string ns;
  std::string name;
  std::string phase;
  int weight = 0;
  int failed_checks = 0;
  int iterations = 0;
  std::string verdict;  // "request-success-rate: pass, latency: no-data"
  std::string note;     // what it waits for, or the latest message
  std::string last_transition;
};

CanaryRow row_of(const nlohmann::json& canary);
std::string render_table(const std::vector<CanaryRow>& rows);
// "shop/podinfo  Progressing  [##........]  20%  request-success-rate: pass"
std::string render_line(const CanaryRow& row);

}  // namespace veer::controller
