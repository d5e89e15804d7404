// An Experiment as YAML or JSON: parsing to the typed spec and status, and validation.
#include "model/experiment.hpp"
#include "support/documents.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  veer::fuzz::each_reading(veer::fuzz::as_text(data, size), [](const nlohmann::json& json) {
    auto parsed = veer::model::parse_experiment(json);
    (void)veer::model::to_json(parsed.value.status).dump();
    if (json.is_object() && json.contains("status"))
      (void)veer::model::parse_experiment_status(json["status"]);
  });
  return 0;
}
