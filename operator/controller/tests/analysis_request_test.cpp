// analysis_request_id (issue 19): an analysis result is used only for the question it answered,
// so the id moves with every field of the status and with the spec (through metadata.generation,
// or the spec itself when the Canary has no uid and generation), and stays put for what does not
// change the question (the resourceVersion, the labels).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "model/canary.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"

using namespace veer;

namespace {

// A status with every field to_json writes set.
nlohmann::json full_status() {
  return {{"phase", "Progressing"},
          {"failedChecks", 1},
          {"canaryWeight", 20},
          {"iterations", 2},
          {"sessionAffinityCookie", "c1"},
          {"previousSessionAffinityCookie", "c0"},
          {"primarySessionAffinityCookie", "p1"},
          {"trackedConfigs", {{"configmap/settings", "abc"}, {"secret/keys", "def"}}},
          {"lastAppliedSpec", "rev-2"},
          {"lastPromotedSpec", "rev-1"},
          {"lastTransitionTime", "2026-11-28T10:00:00Z"},
          {"conditions",
           nlohmann::json::array({{{"type", "Promoted"},
                                   {"status", "Unknown"},
                                   {"lastUpdateTime", "2026-11-28T10:00:00Z"},
                                   {"lastTransitionTime", "2026-11-28T09:00:00Z"},
                                   {"reason", "Progressing"},
                                   {"message", "Advance podinfo.shop canary weight 20"}}})},
          {"observedGeneration", 3},
          {"evidence", {{"error-rate", {{"decision", "continue"}, {"pValue", 0.4}}}}},
          {"rollout",
           {{"stepStartedAt", "2026-11-28T10:00:00Z"}, {"steps", nlohmann::json::array({1, 2})}}}};
}

model::Canary canary_with(const nlohmann::json& status, const std::string& uid = "u-1",
                          std::int64_t generation = 3) {
  auto parsed = model::parse_canary(controller::simulation::canary("shop", "podinfo", "istio"));
  REQUIRE(parsed.ok());
  auto canary = parsed.value;
  canary.metadata.uid = uid;
  canary.metadata.generation = generation;
  canary.metadata.resource_version = "100";
  auto read = model::parse_canary_status(status);
  REQUIRE(read.ok());
  canary.status = read.value;
  return canary;
}

// A different value of the same JSON type.
nlohmann::json changed(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>() + "x";
  if (value.is_number_integer()) return value.get<std::int64_t>() + 1;
  if (value.is_number_float()) return value.get<double>() + 0.5;
  if (value.is_object()) {
    nlohmann::json copy = value;
    copy["added"] = "x";
    return copy;
  }
  return value;
}

}  // namespace

TEST_CASE("the analysis request id moves with every field of the status") {
  const auto status = full_status();
  const auto base = controller::analysis_request_id(canary_with(status));
  // The sample sets every field: to_json writes back each key it was given.
  CHECK(model::to_json(canary_with(status).status).size() == status.size());
  CHECK(controller::analysis_request_id(canary_with(status)) == base);
  for (const auto& item : status.items()) {
    // Not a structured binding: CAPTURE's lambda cannot capture one (clang rejects it).
    const auto& key = item.key();
    const auto& value = item.value();
    CAPTURE(key);
    if (key == "conditions") {
      for (const auto& entry : value[0].items()) {
        const auto& field = entry.key();
        const auto& field_value = entry.value();
        CAPTURE(field);
        auto edited = status;
        edited["conditions"][0][field] = changed(field_value);
        CHECK_FALSE(controller::analysis_request_id(canary_with(edited)) == base);
      }
      auto added = status;
      added["conditions"].push_back({{"type", "Ready"}, {"status", "True"}});
      CHECK_FALSE(controller::analysis_request_id(canary_with(added)) == base);
      continue;
    }
    auto edited = status;
    edited[key] = key == "phase" ? nlohmann::json("WaitingPromotion") : changed(value);
    REQUIRE(edited[key] != value);
    CHECK_FALSE(controller::analysis_request_id(canary_with(edited)) == base);
  }
  // A value inside the controller's own parts (rollout, evidence) counts too.
  auto inner = status;
  inner["rollout"]["steps"][1] = 3;
  CHECK_FALSE(controller::analysis_request_id(canary_with(inner)) == base);
  inner = status;
  inner["evidence"]["error-rate"]["pValue"] = 0.41;
  CHECK_FALSE(controller::analysis_request_id(canary_with(inner)) == base);
}

TEST_CASE("the analysis request id moves with the spec, and not with the resourceVersion") {
  const auto status = full_status();
  const auto canary = canary_with(status);
  const auto base = controller::analysis_request_id(canary);

  auto rewritten = canary;  // a write that moved only the resourceVersion and the labels
  rewritten.metadata.resource_version = "101";
  rewritten.metadata.labels["team"] = "a";
  CHECK(controller::analysis_request_id(rewritten) == base);

  auto edited = canary;  // the API server moves the generation with the spec
  edited.spec.analysis->threshold += 1;
  edited.metadata.generation += 1;
  CHECK_FALSE(controller::analysis_request_id(edited) == base);

  auto recreated = canary;  // deleted and created again: generation 1 again, a new uid
  recreated.metadata.uid = "u-2";
  CHECK_FALSE(controller::analysis_request_id(recreated) == base);

  // Without a uid or generation (not read from a cluster) the spec itself is compared.
  for (const auto& [uid, generation] : {std::pair<std::string, std::int64_t>{"", 3},
                                        std::pair<std::string, std::int64_t>{"u-1", 0}}) {
    auto bare = canary_with(status, uid, generation);
    const auto bare_id = controller::analysis_request_id(bare);
    CHECK(controller::analysis_request_id(bare) == bare_id);
    bare.spec.analysis->threshold += 1;
    CHECK_FALSE(controller::analysis_request_id(bare) == bare_id);
    bare.spec.analysis->threshold -= 1;
    bare.spec.analysis->metrics.at(0).interval += std::chrono::milliseconds(1000);
    CHECK_FALSE(controller::analysis_request_id(bare) == bare_id);
  }
}
