// The examples for the routers Flagger users bring (examples/<router>/canary.yaml for contour,
// gloo, traefik, skipper, apisix, kuma and knative) render, through the router veer runs for
// them, objects that the router's own unmodified CRD accepts: each rendered object is validated
// against the upstream openAPIV3Schema (types, required fields, enums, bounds, patterns,
// lengths, unknown fields) after the schema's defaults, as the API server validates it, and the
// server would store it unchanged (no pruning, no default added). The user's objects in each
// example (the ApisixRoute, the Knative Service, the Gloo Upstream, ...) are validated too.
// Skipper renders a plain Ingress (no CRD): what applies of the Ingress's rules is checked here.
// Without the fixtures (VEER_UPSTREAM_CRDS, else ../shared/fixtures/upstream-crds) the cases
// report skipped, never passed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

// GCC 12 reports a false -Wmaybe-uninitialized inside <regex> at -O1 with sanitizers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include "meshes/from_canary.hpp"
#include "meshes/router.hpp"
#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/tests/support/openapi_schema.hpp"
#include "model/validate_document.hpp"
#include "support/crd_schema.hpp"
#include "support/scenarios.hpp"
#include "testing/skip.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The routers with no CRD of veer's in meshes/crds/, each with the kinds its router writes.
const std::map<std::string, std::multiset<std::string>>& example_routers() {
  static const std::map<std::string, std::multiset<std::string>> routers = {
      {"contour", {"HTTPProxy"}},      {"gloo", {"Upstream", "Upstream", "RouteTable"}},
      {"traefik", {"TraefikService"}}, {"skipper", {"Ingress"}},
      {"apisix", {"ApisixRoute"}},     {"kuma", {"TrafficRoute"}},
      {"knative", {"Service"}}};
  return routers;
}

const testing::CrdSchemas& example_schemas() {
  static const auto loaded = testing::CrdSchemas::load(testing::upstream_crds_dir());
  return loaded;
}

// The upstream openAPIV3Schemas by "apiVersion Kind", with apiVersion, kind and metadata declared
// at the root as every API server accepts them (some CRDs leave them out).
const std::map<std::string, json>& upstream_root_schemas() {
  static const std::map<std::string, json> loaded = [] {
    std::map<std::string, json> out;
    const fs::path dir = testing::upstream_crds_dir();
    if (!fs::is_directory(dir)) return out;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".yaml") continue;
      for (const auto& crd : model::read_documents_from_file(entry.path()).documents) {
        if (crd.kind != "CustomResourceDefinition") continue;
        const json spec = crd.json.value("spec", json::object());
        for (const auto& version : spec.value("versions", json::array())) {
          json schema = version.value("/schema/openAPIV3Schema"_json_pointer, json::object());
          if (!schema.contains("properties")) schema["properties"] = json::object();
          for (const char* name : {"apiVersion", "kind"})
            if (!schema["properties"].contains(name))
              schema["properties"][name] = {{"type", "string"}};
          if (!schema["properties"].contains("metadata"))
            schema["properties"]["metadata"] = {{"type", "object"}};
          out[spec.value("group", "") + "/" + version.value("name", "") + " " +
              spec.value("/names/kind"_json_pointer, "")] = std::move(schema);
        }
      }
    }
    return out;
  }();
  return loaded;
}

// The fields of `from` that `into` lacks, added (recursively; arrays item by item).
void add_missing(json& into, const json& from) {
  if (into.is_object() && from.is_object()) {
    for (const auto& [key, value] : from.items()) {
      if (into.contains(key)) {
        add_missing(into[key], value);
      } else {
        into[key] = value;
      }
    }
  } else if (into.is_array() && from.is_array() && into.size() == from.size()) {
    for (std::size_t i = 0; i < into.size(); ++i) add_missing(into[i], from[i]);
  }
}

// What the API server validates: the object with its CRD's defaults (it defaults before it
// validates), and nothing pruned, so that a field the schema does not know is reported.
json with_crd_defaults(const json& object) {
  json out = object;
  add_missing(out, example_schemas().stored(object));
  return out;
}

// As upstream_defaults_test.cpp: a clone without the fixtures skips; a folder named by
// VEER_UPSTREAM_CRDS must be there.
bool examples_skipped_without_crds() {
  const char* named = std::getenv("VEER_UPSTREAM_CRDS");
  if ((named && *named) || fs::is_directory(testing::upstream_crds_dir())) return false;
  veer::testing::skip_test("no upstream CRDs in " + testing::upstream_crds_dir() +
                           "; set VEER_UPSTREAM_CRDS to the folder of the upstream router CRDs");
  return true;
}

struct RouterExample {
  std::string path;
  model::Canary canary;
  std::vector<json> user_objects;  // the documents that are not veer's (Ingress, Upstream, ...)
};

RouterExample read_router_example(const std::string& router) {
  RouterExample out;
  out.path = std::string(VEER_SOURCE_DIR) + "/examples/" + router + "/canary.yaml";
  REQUIRE_MESSAGE(fs::exists(out.path), out.path << " does not exist");
  auto read = model::read_documents_from_file(out.path);
  REQUIRE_MESSAGE(read.errors.empty(), out.path << ": " << read.errors.front().message);
  int canaries = 0;
  for (const auto& document : read.documents) {
    if (!model::is_veer_document(document)) {
      out.user_objects.push_back(document.json);
    } else if (document.kind == "Canary") {
      ++canaries;
      auto parsed = model::parse_canary(document.json);
      std::string problems;
      for (const auto& error : parsed.errors) problems += model::to_string(error) + "; ";
      REQUIRE_MESSAGE(parsed.ok(), out.path << ": " << problems);
      out.canary = parsed.value;
    }
  }
  REQUIRE_MESSAGE(canaries == 1, out.path << " holds " << canaries << " Canaries, not one");
  CHECK_MESSAGE(out.canary.spec.provider == router,
                out.path << ": the Canary's provider is " << out.canary.spec.provider);
  return out;
}

// What the cluster holds before veer's first write: the user's objects as the server stores
// them, and for Knative the status its controller writes once the first revision is ready.
Observed cluster_of(const RouterExample& example) {
  Observed observed;
  for (auto object : example.user_objects) {
    object = example_schemas().stored(object);
    if (object.value("apiVersion", "") == "serving.knative.dev/v1" &&
        object.value("kind", "") == "Service") {
      object["metadata"]["generation"] = 1;
      object["status"] = {{"observedGeneration", 1},
                          {"latestCreatedRevisionName", "podinfo-00001"},
                          {"latestReadyRevisionName", "podinfo-00001"}};
    }
    observed.objects.push_back(object);
  }
  return observed;
}

// The steps of a canary run: the initialized split, the mirror step when the analysis mirrors,
// each step weight up to maxWeight, and the promoted split.
std::vector<Routes> run_of(const model::Canary& canary) {
  std::vector<Routes> steps = {routes_of(canary, 0, false)};
  const auto& analysis = *canary.spec.analysis;
  if (analysis.mirror) steps.push_back(routes_of(canary, 0, true));
  const int max = canary.spec.max_weight();
  for (int weight = analysis.step_weight; analysis.step_weight > 0 && weight <= max;
       weight += analysis.step_weight) {
    steps.push_back(routes_of(canary, weight, false));
  }
  steps.push_back(routes_of(canary, 0, false));
  return steps;
}

const std::regex& dns_subdomain() {
  static const std::regex re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  return re;
}

// ObjectMeta as the API server checks it for what veer writes: a DNS-1123 subdomain name,
// string labels and annotations, label values of at most 63 characters.
std::vector<std::string> metadata_problems(const json& object) {
  std::vector<std::string> out;
  const json& metadata = object.value("metadata", json::object());
  const std::string name = metadata.value("name", "");
  if (name.empty() || name.size() > 253 || !std::regex_match(name, dns_subdomain()))
    out.push_back("metadata.name '" + name + "' is not a DNS-1123 subdomain");
  for (const char* map : {"labels", "annotations"}) {
    const json entries = metadata.value(map, json::object());
    for (const auto& [key, value] : entries.items()) {
      if (!value.is_string()) {
        out.push_back(std::string("metadata.") + map + "." + key + " is not a string");
      } else if (std::string(map) == "labels" && value.get<std::string>().size() > 63) {
        out.push_back("metadata.labels." + key + " is longer than 63 characters");
      }
    }
  }
  return out;
}

// A networking.k8s.io/v1 Ingress, by what the API server's validation needs: every path has a
// pathType and a Service backend with a port number or name. Skipper's copy (`skipper_copy`) also
// by what Skipper needs: the backend-weights annotation is a JSON object of integer weights
// summing to 100 over exactly the Services the paths name, and the predicate starts with veer's.
std::vector<std::string> ingress_problems(const json& ingress, bool skipper_copy) {
  std::vector<std::string> out;
  std::set<std::string> backends;
  const json& rules = ingress.value("/spec/rules"_json_pointer, json::array());
  if (rules.empty()) out.push_back("spec.rules is empty");
  for (const auto& rule : rules) {
    for (const auto& path : rule.value("/http/paths"_json_pointer, json::array())) {
      const std::string type = path.value("pathType", "");
      if (type != "Exact" && type != "Prefix" && type != "ImplementationSpecific")
        out.push_back("pathType '" + type + "' is not Exact, Prefix or ImplementationSpecific");
      if (path.value("path", "").rfind('/', 0) != 0) out.push_back("a path does not start with /");
      const json& service = path.value("/backend/service"_json_pointer, json());
      if (!service.is_object() || !service.value("name", json()).is_string()) {
        out.push_back("a path has no backend.service.name");
        continue;
      }
      backends.insert(service["name"].get<std::string>());
      const json& port = service.value("port", json::object());
      const bool number = port.contains("number") && port["number"].is_number_integer() &&
                          port["number"].get<int>() >= 1 && port["number"].get<int>() <= 65535;
      const bool named = port.contains("name") && port["name"].is_string();
      if (number == named) out.push_back("a backend port needs a number in 1..65535 or a name");
    }
  }
  if (!skipper_copy) return out;
  const json& annotations = ingress.value("/metadata/annotations"_json_pointer, json::object());
  const json weights = json::parse(annotations.value("zalando.org/backend-weights", ""), nullptr,
                                   /*allow_exceptions=*/false);
  if (!weights.is_object()) {
    out.push_back("zalando.org/backend-weights is not a JSON object");
  } else {
    int sum = 0;
    std::set<std::string> weighted;
    for (const auto& [service, weight] : weights.items()) {
      weighted.insert(service);
      if (!weight.is_number_integer())
        out.push_back("the weight of " + service + " is no integer");
      else
        sum += weight.get<int>();
    }
    if (sum != 100) out.push_back("zalando.org/backend-weights sum to " + std::to_string(sum));
    if (weighted != backends)
      out.push_back("zalando.org/backend-weights name other Services than the paths");
  }
  const std::string predicate = annotations.value("zalando.org/skipper-predicate", "");
  if (predicate.rfind("Weight(100)", 0) != 0 && predicate.rfind("False()", 0) != 0)
    out.push_back("zalando.org/skipper-predicate '" + predicate +
                  "' does not start with Weight(100) or False()");
  return out;
}

// Every problem the API server (and, for Skipper's copy of an Ingress, Skipper) would have with
// `object`.
std::vector<std::string> upstream_problems(const json& object, bool rendered) {
  std::vector<std::string> out = metadata_problems(object);
  if (object.value("apiVersion", "") == "networking.k8s.io/v1" &&
      object.value("kind", "") == "Ingress") {
    for (auto& problem : ingress_problems(object, rendered)) out.push_back(std::move(problem));
    return out;
  }
  const auto found =
      upstream_root_schemas().find(object.value("apiVersion", "") + " " + object.value("kind", ""));
  if (found == upstream_root_schemas().end()) {
    out.push_back("no upstream CRD for " + object.value("apiVersion", "") + " " +
                  object.value("kind", ""));
    return out;
  }
  for (const auto& e :
       veer::testing::validate_against_schema(with_crd_defaults(object), found->second))
    out.push_back(e.path + ": " + e.reason);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  " + line;
  return out;
}

// The objects a whole run of the example writes (each step over what the step before wrote).
std::vector<json> rendered_run(const RouterExample& example) {
  const auto routing = routing_of(example.canary, "app", "podinfo");
  auto router = make_router(example.canary.spec.provider);
  REQUIRE(router.ok());
  Observed observed = cluster_of(example);
  std::vector<json> out;
  for (const auto& routes : run_of(example.canary)) {
    CAPTURE(routes.canary_weight);
    CAPTURE(routes.mirror);
    auto writes = router.value()->apply(routing, routes, observed);
    REQUIRE_MESSAGE(writes.ok(), example.path << ": " << testing::why(writes));
    for (const auto& w : writes.value())
      if (w.needs_write()) out.push_back(w.object);
    observed = testing::after(observed, writes.value());
  }
  return out;
}

}  // namespace

TEST_CASE("every router example renders objects its router's upstream CRD accepts unchanged") {
  if (examples_skipped_without_crds()) return;
  REQUIRE_MESSAGE(example_schemas().size() > 10, "no upstream CRDs in "
                                                     << testing::upstream_crds_dir()
                                                     << " (VEER_UPSTREAM_CRDS)");
  for (const auto& [name, kinds] : example_routers()) {
    const std::string router = name;
    CAPTURE(router);
    const auto example = read_router_example(router);
    const auto rendered = rendered_run(example);
    std::multiset<std::string> first_kinds;
    for (const auto& object : rendered) {
      const std::string what = object.value("kind", "") + " " +
                               object.value("/metadata/name"_json_pointer, std::string());
      if (first_kinds.size() < kinds.size()) first_kinds.insert(object.value("kind", ""));
      const auto problems = upstream_problems(object, true);
      CHECK_MESSAGE(problems.empty(), example.path << ": " << what << " (" << object.dump()
                                                   << "):" << joined(problems));
      if (!example_schemas().covers(object)) continue;
      const auto kept = example_schemas().stored(object);
      CHECK_MESSAGE(kept == object, example.path << ": the server would change " << what
                                                 << " (RFC 6902) "
                                                 << json::diff(object, kept).dump());
    }
    CHECK_MESSAGE(first_kinds == kinds,
                  example.path << ": the first render wrote other kinds than the router's");
  }
}

TEST_CASE("every user object in a router example is valid for its upstream CRD") {
  if (examples_skipped_without_crds()) return;
  REQUIRE_MESSAGE(upstream_root_schemas().size() > 10, "no upstream CRDs in "
                                                           << testing::upstream_crds_dir()
                                                           << " (VEER_UPSTREAM_CRDS)");
  int checked = 0;
  for (const auto& entry : example_routers()) {
    const std::string router = entry.first;
    CAPTURE(router);
    const auto example = read_router_example(router);
    for (const auto& object : example.user_objects) {
      const std::string what = object.value("apiVersion", "") + " " + object.value("kind", "");
      const bool ingress = what == "networking.k8s.io/v1 Ingress";
      if (!ingress && !example_schemas().covers(object)) {
        MESSAGE("examples/" << router << "/canary.yaml: " << what
                            << " has no upstream CRD in the fixtures: not checked");
        continue;
      }
      ++checked;
      const auto problems = upstream_problems(object, false);
      CHECK_MESSAGE(problems.empty(),
                    "examples/" << router << "/canary.yaml: " << what << joined(problems));
    }
  }
  CHECK(checked >= 6);
}

// The router-specific feature each example shows (examples/README.md, "also shows") is in what
// veer renders for it.
TEST_CASE("every router example's own feature is in what veer renders for it") {
  std::map<std::string, std::vector<json>> rendered;
  for (const auto& entry : example_routers())
    rendered[entry.first] = rendered_run(read_router_example(entry.first));
  auto any_of = [&](const std::string& router, const auto& predicate) {
    for (const auto& object : rendered[router])
      if (predicate(object)) return true;
    return false;
  };
  CHECK(any_of("contour", [](const json& o) {
    const json& route = o.value("/spec/routes/0"_json_pointer, json::object());
    return route.value("/timeoutPolicy/response"_json_pointer, "") == "15s" &&
           route.value("/retryPolicy/count"_json_pointer, 0) == 3 &&
           route.value("/retryPolicy/retryOn"_json_pointer, json()) ==
               json::array({"5xx", "gateway-error", "connect-failure"});
  }));
  CHECK(any_of("gloo", [](const json& o) {
    return o["kind"] == "Upstream" &&
           o.value("/spec/circuitBreakers/maxConnections"_json_pointer, 0) == 512 &&
           o.value("/spec/kube/serviceName"_json_pointer, "") == "podinfo-canary";
  }));
  CHECK(any_of("traefik", [](const json& o) {
    return o.value("/spec/mirroring/mirrors/0/percent"_json_pointer, 0) == 25;
  }));
  CHECK(any_of("skipper", [](const json& o) {
    return o.value("/metadata/annotations/zalando.org~1skipper-predicate"_json_pointer, "") ==
           "Weight(100) && Header(\"X-Forwarded-Proto\", \"https\")";
  }));
  CHECK(any_of("apisix", [](const json& o) {
    const json& http = o.value("/spec/http"_json_pointer, json::array());
    return http.size() == 1 && http[0].value("name", "") == "api" &&
           http[0].value("priority", 0) == 10000 && http[0].contains("plugins");
  }));
  CHECK(any_of("kuma", [](const json& o) { return o.value("mesh", "") == "staging"; }));
  CHECK(any_of("knative", [](const json& o) {
    return o.value("/spec/traffic/1/revisionName"_json_pointer, "") == "podinfo-00001";
  }));
}

}  // namespace veer::meshes
