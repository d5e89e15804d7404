#include "model/flagger_convert.hpp"

#include <algorithm>
#include <sstream>

#include "model/canary.hpp"
#include "model/json_lookup.hpp"
#include "model/kind_header.hpp"
#include "model/validate_document.hpp"

namespace veer::model {

namespace {

bool is_converted_kind(const std::string& kind) {
  return kind == "Canary" || kind == "MetricTemplate" || kind == "AlertProvider";
}

void canary_differences(const nlohmann::json& j, std::vector<FieldError>& out) {
  // A provider veer has no router for is a validation error, reported as such.
  if (!json_at(j, {"spec", "provider"}))
    out.push_back({"spec.provider",
                   "not set: the Canary runs on veer operator's --mesh-provider (default "
                   "kubernetes), Flagger's default is istio; set it, or pass the operator's value "
                   "to veer validate --mesh-provider",
                   0});
  if (json_at(j, {"spec", "canaryAnalysis"}))
    out.push_back(
        {"spec.canaryAnalysis", "deprecated alias: veer reads it, but rename it to analysis", 0});
  const auto* analysis = json_at(j, {"spec", "analysis"});
  if (!analysis) analysis = json_at(j, {"spec", "canaryAnalysis"});
  if (analysis && analysis->contains("metrics") && (*analysis)["metrics"].is_array()) {
    const auto& metrics = (*analysis)["metrics"];
    for (std::size_t i = 0; i < metrics.size(); ++i)
      if (metrics[i].is_object() && metrics[i].contains("threshold") &&
          !metrics[i].contains("thresholdRange"))
        out.push_back({index_path("spec.analysis.metrics", i) + ".threshold",
                       "deprecated: veer keeps Flagger's meaning (minimum for "
                       "request-success-rate, maximum otherwise); prefer thresholdRange",
                       0});
  }
  if (j.contains("status"))
    out.push_back({"status",
                   "Flagger's status is not resumed: veer hashes pod templates differently "
                   "(canonical JSON), so it initializes this Canary afresh",
                   0});
}

}  // namespace

std::vector<FieldError> flagger_differences(const Document& document) {
  std::vector<FieldError> out;
  const auto& j = document.json;
  if (document.kind == "Canary") canary_differences(j, out);
  // MetricTemplate types veer cannot query are validation errors (validate_document).
  if (document.kind == "AlertProvider" && !json_at(j, {"spec", "username"}))
    out.push_back({"spec.username",
                   "not set: veer posts as \"veer\" where Flagger posted as \"flagger\"", 0});
  document.locate(out);
  return out;
}

Conversion convert_flagger_documents(std::string_view text, const std::string& source) {
  Conversion out;
  out.text = std::string(text);
  auto docs = read_documents(text, source);
  out.errors = docs.errors;
  if (!docs.errors.empty()) return out;
  // The lines to edit, 1-based.
  std::vector<int> lines;
  for (const auto& doc : expand_lists(docs.documents)) {
    if (doc.api_version.rfind("flagger.app/", 0) == 0 && doc.api_version != kFlaggerApiVersion) {
      out.warnings.push_back({doc.line, doc.kind + " " + doc.display_name(), "apiVersion",
                              "only flagger.app/v1beta1 is converted; left unchanged"});
      continue;
    }
    if (doc.api_version != kFlaggerApiVersion || !is_converted_kind(doc.kind)) continue;
    auto it = doc.lines.find("apiVersion");
    if (it == doc.lines.end()) continue;
    lines.push_back(it->second);
    ++out.converted;
    std::string object = doc.kind + " " + doc.display_name();
    for (const auto& d : flagger_differences(doc))
      out.warnings.push_back({d.line, object, d.path, d.reason});
    // Problems veer validate would report once converted.
    Document converted = doc;
    converted.json["apiVersion"] = kApiVersion;
    converted.api_version = kApiVersion;
    for (const auto& e : validate_document(converted))
      out.warnings.push_back({e.line, object, e.path, "veer validate: " + e.reason});
  }
  std::sort(lines.begin(), lines.end());  // searched once per line of text below
  std::istringstream in(out.text);
  std::string result;
  std::string line;
  int number = 0;
  const std::string from = kFlaggerApiVersion;
  while (std::getline(in, line)) {
    ++number;
    if (std::binary_search(lines.begin(), lines.end(), number)) {
      auto at = line.find(from);
      if (at != std::string::npos) line.replace(at, from.size(), kApiVersion);
    }
    result += line;
    if (!in.eof()) result += "\n";
  }
  if (!out.text.empty() && out.text.back() == '\n' && (result.empty() || result.back() != '\n'))
    result += "\n";
  out.text = result;
  return out;
}

}  // namespace veer::model
