// Rewrites Flagger (flagger.app/v1beta1) Canary, MetricTemplate and AlertProvider documents to
// veer.dev/v1beta1 by editing only the apiVersion line, so comments and layout survive, and
// lists what veer treats differently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/document.hpp"

namespace veer::model {

struct ConversionWarning {
  int line = 0;
  std::string object;  // "Canary test/podinfo"
  std::string path;    // field path, "" for the whole object
  std::string message;
};

struct Conversion {
  std::string text;  // the input with converted apiVersions
  int converted = 0;
  std::vector<ConversionWarning> warnings;
  std::vector<SourceError> errors;  // YAML syntax errors: the text is then returned unchanged
};

Conversion convert_flagger_documents(std::string_view text, const std::string& source);

// What veer does differently for one Flagger document (before or after conversion).
std::vector<FieldError> flagger_differences(const Document& document);

}  // namespace veer::model
