// Golden files: the exact objects each router writes per strategy (UPDATE_GOLDEN=1 rewrites
// them; review the diff before committing). Plus the properties every router must have:
// idempotent rendering, read-back of what was applied, and every weight 0..100 round-tripping.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "meshes/router.hpp"
#include "meshes/services.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;
using testing::Scenario;

std::vector<Write> render(const Scenario& s, const Observed& observed) {
  auto router = make_router(s.provider);
  REQUIRE_MESSAGE(router.ok(), testing::why(router));
  auto services = apply_services(s.canary, observed);
  REQUIRE_MESSAGE(services.ok(), testing::why(services));
  auto writes = router.value()->apply(s.canary, s.routes, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  std::vector<Write> all = services.value();
  all.insert(all.end(), writes.value().begin(), writes.value().end());
  return all;
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing golden file " << path << " (run with UPDATE_GOLDEN=1)");
  return json::parse(in);
}

// The API server's view after a write: generation bumps when the spec changes, and (for
// HTTPRoutes) the parents accept that generation, as a Gateway controller would.
Observed server_after(const Observed& before, const std::vector<Write>& writes) {
  Observed result = testing::after(before, writes);
  for (auto& object : result.objects) {
    if (object.value("kind", "") != "HTTPRoute") continue;
    auto generation = object.value("/metadata/generation"_json_pointer, 0) + 1;
    object["metadata"]["generation"] = generation;
    json parents = json::array();
    for (const auto& ref : object["spec"]["parentRefs"]) {
      parents.push_back({{"parentRef", ref},
                         {"controllerName", "example.com/gateway"},
                         {"conditions",
                          {{{"type", "Accepted"},
                            {"status", "True"},
                            {"reason", "Accepted"},
                            {"observedGeneration", generation}}}}});
    }
    object["status"] = {{"parents", parents}};
  }
  return result;
}

TEST_CASE("golden: each router writes exactly the committed objects per strategy") {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& s : testing::golden_scenarios()) {
    CAPTURE(s.golden_path());
    auto writes = render(s, s.observed);
    for (const auto& w : writes) {
      // Objects the user made (a Knative Service) are updated; the rest are veer's to create.
      const ObjectRef ref{w.object.value("apiVersion", ""), w.object.value("kind", ""),
                          w.object.value("/metadata/name"_json_pointer, std::string())};
      CHECK(w.action == (s.observed.find(ref) ? Write::Action::update : Write::Action::create));
    }
    json list = testing::as_list(writes);
    if (update) {
      std::filesystem::create_directories(std::filesystem::path(s.golden_path()).parent_path());
      std::ofstream(s.golden_path()) << list.dump(2) << "\n";
      continue;
    }
    json expected = read_json(s.golden_path());
    CHECK_MESSAGE(list == expected, "difference (RFC 6902): " << json::diff(expected, list).dump());
  }
}

TEST_CASE("rendering again from what was written makes no write") {
  for (const auto& s : testing::golden_scenarios()) {
    CAPTURE(s.golden_path());
    auto cluster = server_after(s.observed, render(s, s.observed));
    for (const auto& w : render(s, cluster)) {
      CAPTURE(w.object.dump());
      CHECK(w.action == Write::Action::unchanged);
    }
  }
}

TEST_CASE("read returns the weights and mirroring that were applied") {
  for (const auto& s : testing::golden_scenarios()) {
    CAPTURE(s.golden_path());
    auto cluster = server_after(s.observed, render(s, s.observed));
    auto routes = make_router(s.provider).value()->read(s.canary, cluster);
    REQUIRE_MESSAGE(routes.ok(), testing::why(routes));
    CHECK(routes->primary_weight == s.routes.primary_weight);
    CHECK(routes->canary_weight == s.routes.canary_weight);
    CHECK(routes->mirror == s.routes.mirror);
    CHECK(routes->mirror_percentage == s.routes.mirror_percentage);
  }
}

TEST_CASE("every weight 0..100 round-trips through apply and read, from scratch and in place") {
  for (const auto& s : testing::golden_scenarios()) {
    if (s.strategy != "canary" && s.strategy != "tcp") continue;
    CAPTURE(s.provider);
    auto router = make_router(s.provider).value();
    Observed in_place = s.observed;
    for (int weight = 0; weight <= 100; ++weight) {
      CAPTURE(weight);
      Routes wanted;
      wanted.canary_weight = weight;
      wanted.primary_weight = 100 - weight;
      auto writes = router->apply(s.canary, wanted, in_place);
      REQUIRE(writes.ok());
      in_place = server_after(in_place, writes.value());
      auto read = router->read(s.canary, in_place);
      REQUIRE_MESSAGE(read.ok(), testing::why(read));
      CHECK(read->primary_weight == wanted.primary_weight);
      CHECK(read->canary_weight == wanted.canary_weight);
      auto fresh = router->apply(s.canary, wanted, s.observed);
      REQUIRE(fresh.ok());
      auto from_scratch = router->read(s.canary, server_after(s.observed, fresh.value()));
      REQUIRE(from_scratch.ok());
      CHECK(from_scratch->canary_weight == weight);
    }
  }
}

TEST_CASE("golden files exist only for scenarios that are tested") {
  std::set<std::string> expected;
  for (const auto& s : testing::golden_scenarios()) expected.insert(s.golden_path());
  for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::golden_root())) {
    if (entry.is_regular_file()) CHECK_MESSAGE(expected.count(entry.path().string()), entry.path());
  }
}

}  // namespace
}  // namespace veer::meshes
