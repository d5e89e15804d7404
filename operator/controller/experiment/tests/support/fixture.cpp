#include "operator/controller/experiment/tests/support/fixture.hpp"

#include <doctest/doctest.h>

namespace veer::controller::experiment::testing {

using nlohmann::json;

json experiment_json(const std::string& provider) {
  auto version = [](const std::string& name, const std::string& deployment) {
    return json{
        {"name", name},
        {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", deployment}}}};
  };
  return {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Experiment"},
      {"metadata",
       {{"name", "checkout-redesign"},
        {"namespace", "shop"},
        {"uid", "0f0e-uid"},
        {"generation", 1}}},
      {"spec",
       {{"provider", provider},
        {"service", {{"name", "checkout"}, {"port", 8080}}},
        {"baseline", version("current", "checkout")},
        {"candidates", json::array({version("one-page", "checkout-one-page"),
                                    version("express", "checkout-express")})},
        {"metrics",
         json::array(
             {{{"name", "requests"}, {"query", "requests{app=\"{{ target }}\"}"}},
              {{"name", "request-success-rate"}},
              {{"name", "conversion-rate"}, {"query", "conversion{app=\"{{ target }}\"}"}}})},
        {"criteria",
         {{"requestCount", "requests"},
          {"minRequestCount", 100},
          {"objectives", json::array({{{"metric", "request-success-rate"}, {"lowerLimit", 99}}})},
          {"rewards", json::array({{{"metric", "conversion-rate"}, {"preferred", "high"}}})}}},
        {"strategy",
         {{"testingPattern", "abn"},
          {"traffic", "progressive"},
          {"maxCandidateWeight", 60},
          {"maxCandidateWeightIncrement", 20},
          {"burnInIterations", 1},
          {"minWeight", 5}}},
        {"duration", {{"interval", "1m"}, {"iterations", 30}}}}}};
}

json user_virtual_service() {
  return {
      {"apiVersion", "networking.istio.io/v1beta1"},
      {"kind", "VirtualService"},
      {"metadata", {{"name", "checkout"}, {"namespace", "shop"}}},
      {"spec",
       {{"hosts", {"checkout"}},
        {"http", {{{"route", {{{"destination", {{"host", "checkout"}}}, {"weight", 100}}}}}}}}}};
}

json performance_json() {
  auto doc = experiment_json();
  auto& spec = doc["spec"];
  spec["metrics"].push_back(
      {{"name", "slow-requests"}, {"query", "slow{app=\"{{ target }}\",le=\"0.3\"}"}});
  spec["criteria"] = {
      {"requestCount", "requests"},
      {"minRequestCount", 100},
      {"objectives", json::array({{{"metric", "request-success-rate"}, {"lowerLimit", 99}},
                                  {{"metric", "slow-requests"}, {"upperLimit", 0.05}}})}};
  spec["strategy"] = {{"testingPattern", "performance"}};
  spec["duration"] = {{"interval", "1m"}, {"iterations", 10}};
  return doc;
}

model::Experiment parsed(const json& document) {
  auto p = model::parse_experiment(document);
  std::string errors;
  for (const auto& e : p.errors) errors += model::to_string(e) + "; ";
  REQUIRE_MESSAGE(p.ok(), errors);
  return p.value;
}

}  // namespace veer::controller::experiment::testing
