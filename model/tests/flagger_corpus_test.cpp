// Flagger's own published documents (model/tests/corpus/flagger, see PROVENANCE.md) checked as
// `veer validate --flagger` does: no crash, no false rejection, and every rejection or note
// names a field path.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "model/document.hpp"
#include "model/kind_header.hpp"
#include "model/validate_document.hpp"

using namespace veer::model;

namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(VEER_SOURCE_DIR) / "model/tests/corpus/flagger";

std::vector<Document> corpus_documents() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Document> out;
  for (const auto& f : files) {
    auto docs = read_documents_from_file(f);
    for (const auto& e : docs.errors) FAIL_CHECK(e.source << ":" << e.line << ": " << e.message);
    auto expanded = expand_lists(docs.documents);
    out.insert(out.end(), expanded.begin(), expanded.end());
  }
  return out;
}

bool has_string(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  const nlohmann::json* at = &j;
  for (const char* k : keys) {
    if (!at->is_object() || !at->contains(k)) return false;
    at = &(*at)[k];
  }
  return at->is_string() || at->is_object();
}

// A snippet the docs shorten ("# omitted for brevity"): it lacks a field Flagger's CRD requires
// at the top (metadata.name, a Canary's targetRef, a MetricTemplate's provider type or query),
// so the API server would refuse it too. veer must refuse it as well, naming a field.
bool is_fragment(const Document& d) {
  if (!has_string(d.json, {"metadata", "name"})) return true;
  if (d.kind == "Canary") return !has_string(d.json, {"spec", "targetRef"});
  if (d.kind == "MetricTemplate")
    return !has_string(d.json, {"spec", "query"}) ||
           !has_string(d.json, {"spec", "provider", "type"});
  return false;
}

// Complete documents Flagger refuses too, by source file and object: the field veer names.
const std::map<std::string, std::string> kTrueRefusals{
    // Flagger's AlertProvider CRD is a oneOf of address and secretRef: both is refused.
    {"docs/gitbook/usage/alerting.yaml flagger/on-call", "spec.secretRef"},
    // A snippet about service ports: Flagger's CRD requires spec.analysis.
    {"docs/gitbook/faq.yaml test/podinfo", "spec.analysis"},
    // Flagger's influxdb provider fails at run time without an address.
    {"docs/gitbook/usage/metrics.yaml test/not-found", "spec.provider.address"},
};

}  // namespace

TEST_CASE("Flagger's published documents pass veer validate --flagger") {
  auto docs = corpus_documents();
  ValidationOptions options;
  options.flagger = true;
  options.infer_provider = true;
  options.fallback_provider = "istio";  // Flagger's default -mesh-provider
  options.ingress_classes = ingress_classes(docs);
  std::map<std::string, int> kinds;
  int skipped = 0, fragments = 0, notes = 0, true_refusals = 0;
  std::set<std::string> refused;
  for (const auto& d : docs) {
    REQUIRE(is_flagger_document(d));
    if (d.api_version != kFlaggerApiVersion) {  // veer validate skips it, saying so
      ++skipped;
      continue;
    }
    ++kinds[d.kind];
    auto check = check_document(d, options);
    for (const auto& e : check.errors) CHECK_MESSAGE(!e.path.empty(), to_string(e));
    for (const auto& n : check.notes) CHECK_MESSAGE(!n.path.empty(), n.reason);
    notes += static_cast<int>(check.notes.size());
    if (is_fragment(d)) {
      ++fragments;
      CHECK_MESSAGE(!check.errors.empty(), d.source << ":" << d.line);
      continue;
    }
    std::string key = fs::relative(d.source, kCorpus).string() + " " + d.display_name();
    auto expected = kTrueRefusals.find(key);
    for (const auto& e : check.errors) {
      if (expected != kTrueRefusals.end() && e.path == expected->second) {
        refused.insert(key);
        continue;
      }
      // Anything else is a false rejection: these are Flagger's own examples.
      FAIL_CHECK(key << " (line " << e.line << "): " << to_string(e));
    }
  }
  true_refusals = static_cast<int>(refused.size());
  CHECK(true_refusals == static_cast<int>(kTrueRefusals.size()));
  MESSAGE("corpus: " << docs.size() << " documents (" << kinds["Canary"] << " Canary, "
                     << kinds["MetricTemplate"] << " MetricTemplate, " << kinds["AlertProvider"]
                     << " AlertProvider checked; " << skipped << " of another version skipped), "
                     << fragments << " doc fragments refused as Flagger's CRD would, "
                     << true_refusals << " complete documents refused as Flagger refuses them, "
                     << notes << " notes");
  CHECK(docs.size() >= 100);
  CHECK(kinds["Canary"] >= 70);
}
