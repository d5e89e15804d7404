#include "analysis/verdict.hpp"

namespace veer::analysis {

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
      return "Pass";
    case Verdict::Fail:
      return "Fail";
    case Verdict::Inconclusive:
      return "Inconclusive";
    case Verdict::NoData:
      return "NoData";
  }
  return "NoData";
}

Verdict worst(const std::vector<Verdict>& verdicts) {
  auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::Pass:
        return 0;
      case Verdict::Inconclusive:
        return 1;
      case Verdict::NoData:
        return 2;
      case Verdict::Fail:
        return 3;
    }
    return 2;
  };
  Verdict out = Verdict::Pass;
  for (auto v : verdicts) {
    if (rank(v) > rank(out)) out = v;
  }
  return out;
}

nlohmann::json to_json(const Evidence& evidence) {
  nlohmann::json out = nlohmann::json::object();
  out["test"] = evidence.test;
  auto put = [&](const char* key, const std::optional<double>& v) {
    if (v) out[key] = *v;
  };
  put("statistic", evidence.statistic);
  put("p_value", evidence.p_value);
  put("p_value_worse", evidence.p_value_worse);
  put("e_value", evidence.e_value);
  put("probability_worse", evidence.probability_worse);
  put("estimate", evidence.estimate);
  put("ci_low", evidence.ci_low);
  put("ci_high", evidence.ci_high);
  put("confidence", evidence.confidence);
  put("margin", evidence.margin);
  put("value", evidence.value);
  put("baseline_value", evidence.baseline_value);
  put("n_baseline", evidence.n_baseline);
  put("n_candidate", evidence.n_candidate);
  put("window_start", evidence.window_start);
  put("window_end", evidence.window_end);
  if (!evidence.samples.empty()) out["samples"] = evidence.samples;
  if (!evidence.queries.empty()) out["queries"] = evidence.queries;
  if (!evidence.message.empty()) out["message"] = evidence.message;
  return out;
}

nlohmann::json to_json(const CheckResult& result) {
  nlohmann::json out = to_json(result.evidence);
  out["metric"] = result.metric;
  out["verdict"] = to_string(result.verdict);
  return out;
}

}  // namespace veer::analysis
