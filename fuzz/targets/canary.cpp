// A Canary as YAML or JSON: parsing to the typed spec, validation, the status reader, the JSON
// written back, and `veer convert` of Flagger Canaries.
#include "model/canary.hpp"
#include "model/flagger_convert.hpp"
#include "support/documents.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = veer::fuzz::as_text(data, size);
  veer::fuzz::each_reading(text, [](const nlohmann::json& json) {
    for (bool flagger : {false, true}) {
      auto parsed = veer::model::parse_canary(json, flagger);
      (void)veer::model::validate_canary(parsed.value);
      (void)veer::model::to_json(parsed.value).dump();
    }
    if (json.is_object() && json.contains("status"))
      (void)veer::model::parse_canary_status(json["status"]);
  });
  (void)veer::model::convert_flagger_documents(text, "fuzz.yaml");
  return 0;
}
