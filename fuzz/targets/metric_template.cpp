// A MetricTemplate as YAML or JSON: parsing to the typed spec, validation, the JSON written back.
#include "model/metric_template.hpp"
#include "support/documents.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  veer::fuzz::each_reading(veer::fuzz::as_text(data, size), [](const nlohmann::json& json) {
    for (bool flagger : {false, true}) {
      auto parsed = veer::model::parse_metric_template(json, flagger);
      (void)veer::model::to_json(parsed.value).dump();
    }
  });
  return 0;
}
