// What the document targets share: an input reaches veer as YAML text through the bounded
// reading layer (veer validate, convert, analyze -f) and as JSON from the API server (the
// operator's informers parse it with nlohmann::json). Both paths are taken for every input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/document.hpp"
#include "model/validate_document.hpp"

namespace veer::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `parse(json)` on every document of the YAML reading and on the JSON reading, and the
// whole of `veer validate`'s checks (plain, Flagger and with provider inference) on each YAML
// document.
template <class Parse>
void each_reading(std::string_view text, Parse parse) {
  const auto read = model::read_documents(text, "fuzz.yaml");
  for (const auto& document : model::expand_lists(read.documents)) {
    parse(document.json);
    (void)model::check_document(document, {});
    model::ValidationOptions flagger;
    flagger.flagger = true;
    flagger.infer_provider = true;
    (void)model::check_document(document, flagger);
  }
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_discarded()) parse(json);
}

}  // namespace veer::fuzz
