// docs/crd-fields.md is rendered from crds/ and must be current (VEER_UPDATE_DOCS=1 rewrites it).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/document.hpp"
#include "model/tests/support/crd_reference.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kSource = VEER_SOURCE_DIR;

std::vector<nlohmann::json> crds_in_order() {
  std::vector<nlohmann::json> out;
  for (const char* file :
       {"canary.yaml", "metric_template.yaml", "alert_provider.yaml", "experiment.yaml"}) {
    auto docs = veer::model::read_documents_from_file(kSource / "crds" / file);
    REQUIRE(docs.errors.empty());
    REQUIRE(docs.documents.size() == 1);
    out.push_back(docs.documents.front().json);
  }
  return out;
}

}  // namespace

TEST_CASE("CRD field reference: docs/crd-fields.md is rendered from the current CRDs") {
  const auto crds = crds_in_order();
  // Every CRD in crds/ is on the page (a new kind must be added to the order above).
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "crds"))
    if (entry.path().extension() == ".yaml") ++files;
  CHECK(files == crds.size());

  const std::string rendered = veer::testing::render_crd_reference(crds);
  const fs::path page = kSource / "docs" / "crd-fields.md";
  const char* update = std::getenv("VEER_UPDATE_DOCS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(page) << rendered;
  }
  std::ifstream in(page);
  std::stringstream current;
  current << in.rdbuf();
  INFO("docs/crd-fields.md is not current; regenerate it as its header says");
  CHECK(current.str() == rendered);
}

TEST_CASE("CRD field reference: a field's type, default, rules and description are rendered") {
  const auto crd = nlohmann::json::parse(R"({
    "spec": {"group": "veer.dev", "scope": "Namespaced",
      "names": {"kind": "Thing", "plural": "things"},
      "versions": [{"name": "v1", "storage": true, "schema": {"openAPIV3Schema": {
        "type": "object", "properties": {
          "kind": {"type": "string"},
          "spec": {"type": "object", "required": ["port"], "properties": {
            "port": {"type": "integer", "minimum": 1, "maximum": 65535, "description": "Port | number"},
            "mode": {"type": "string", "enum": ["", "a", "b"], "default": "a"},
            "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1},
            "steps": {"type": "array", "items": {"type": "object", "properties": {
              "weight": {"type": "integer"}}}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}}]}})");
  const std::string page = veer::testing::render_crd_reference({crd});
  CHECK(page.find("## Thing") != std::string::npos);
  CHECK(page.find("| `spec.port` | integer |  | required; >= 1; <= 65535 | Port \\| number |") !=
        std::string::npos);
  CHECK(page.find("| `spec.mode` | string | `\"a\"` | one of `\"\"`, `a`, `b` |  |") !=
        std::string::npos);
  CHECK(page.find("| `spec.ratio` | number |  | > 0; <= 1 |") != std::string::npos);
  CHECK(page.find("| `spec.steps[].weight` | integer |") != std::string::npos);
  CHECK(page.find("| `spec.labels` | map of string |") != std::string::npos);
  CHECK(page.find("`kind`") == std::string::npos);  // apiVersion, kind, metadata are not fields
}
