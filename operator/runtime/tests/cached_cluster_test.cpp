// Reads from informers' caches: watched types are served from memory (no GET or LIST reaches the
// API server), a type read for the first time gets its own informer, our own writes are read
// back at once, and what is outside the watched namespace or never cached goes to the server.
#include <doctest/doctest.h>

#include <functional>
#include <mutex>
#include <thread>

#include "operator/controller/simulation.hpp"
#include "operator/runtime/cached_cluster.hpp"
#include "operator/runtime/counting_cluster.hpp"
#include "operator/runtime/tests/support/world.hpp"

using namespace veer;
using namespace std::chrono_literals;
namespace sim = veer::controller::simulation;

namespace {

const kube::ResourceType kDeployment{"apps", "v1", "deployments", "Deployment"};
const kube::ResourceType kVirtualService{"networking.istio.io", "v1beta1", "virtualservices",
                                         "VirtualService"};

nlohmann::json virtual_service(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "networking.istio.io/v1beta1"},
          {"kind", "VirtualService"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"hosts", nlohmann::json::array({name})}}}};
}

}  // namespace

TEST_CASE("watched types are read from the cache, and our own writes are read back at once") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create(sim::deployment("shop", "podinfo", "podinfo:1")));
  runtime::CountingCluster api(w.cluster);
  runtime::CachedCluster cache(api, w.clock);
  std::string error;
  REQUIRE(cache.watch_type(kDeployment, error) != nullptr);
  cache.start();
  REQUIRE(cache.wait_for_sync(10s));
  const auto reads = api.reads();

  auto got = cache.get({kDeployment, "shop", "podinfo"});
  REQUIRE(got);
  CHECK(sim::image_of(*got) == "podinfo:1");
  CHECK(cache.get({kDeployment, "shop", "nope"}).is(kube::ErrorType::NotFound));
  kube::ListOptions podinfo;
  podinfo.label_selector = "app=podinfo";
  auto listed = cache.list(kDeployment, "shop", podinfo);
  REQUIRE(listed);
  CHECK(listed->items.size() == 1);
  kube::ListOptions other;
  other.label_selector = "app=other";
  CHECK(cache.list(kDeployment, "", other)->items.empty());
  CHECK(api.reads() == reads);

  // Every write is read back as written (or newer), never as the state before it.
  auto d = *got;
  for (int i = 2; i < 12; ++i) {
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "podinfo:" + std::to_string(i);
    auto written = cache.update(d);
    REQUIRE(written);
    d = *written;
    auto read = cache.get({kDeployment, "shop", "podinfo"});
    REQUIRE(read);
    CHECK(kube::compare_resource_versions(kube::resource_version_of(*read),
                                          kube::resource_version_of(*written)) >= 0);
  }
  CHECK(api.reads() == reads);
  CHECK(api.count("update") == 10);
  cache.stop();
}

TEST_CASE("a type read for the first time gets an informer, others go to the API server") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_namespace("other");
  REQUIRE(w.cluster.create(virtual_service("shop", "podinfo")));
  REQUIRE(w.cluster.create(virtual_service("other", "podinfo")));
  runtime::CountingCluster api(w.cluster);
  runtime::CacheOptions options;
  options.ns = "shop";
  options.lazy = true;
  runtime::CachedCluster cache(api, w.clock, options);
  cache.start();

  REQUIRE(cache.get({kVirtualService, "shop", "podinfo"}));
  REQUIRE(cache.informer(kVirtualService) != nullptr);
  CHECK(api.count("get") == 0);  // the informer's list answered it
  const auto lists = api.count("list");
  for (int i = 0; i < 5; ++i) REQUIRE(cache.get({kVirtualService, "shop", "podinfo"}));
  CHECK(api.count("list") == lists);
  CHECK(api.count("get") == 0);

  // Outside the watched namespace, and types never cached (Events): the API server.
  REQUIRE(cache.get({kVirtualService, "other", "podinfo"}));
  CHECK(api.count("get") == 1);
  REQUIRE(cache.list(kube::type_of("v1", "Event"), "shop"));
  CHECK(cache.informer(kube::type_of("v1", "Event")) == nullptr);
  // A type the server does not serve is not watched, and reads say what is missing.
  auto missing = cache.get({{"example.com", "v1", "widgets", "Widget"}, "shop", "w"});
  CHECK_FALSE(missing);
  cache.stop();
}

TEST_CASE(
    "a refused watch (of a type, or of one ConfigMap's name) is warned at once, naming the call "
    "and the server's message, and once only while it stays refused") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create(sim::deployment("shop", "podinfo", "podinfo:1")));
  REQUIRE(w.cluster.create({{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "podinfo-config"}, {"namespace", "shop"}}},
                            {"data", {{"color", "blue"}}}}));
  std::mutex mutex;
  std::vector<std::string> warned;
  auto warnings = [&] {
    std::lock_guard guard(mutex);
    return warned;
  };
  runtime::CacheOptions options;
  options.ns = "shop";
  options.warn = [&](const std::string& message) {
    std::lock_guard guard(mutex);
    warned.push_back(message);
  };
  runtime::CachedCluster cache(w.cluster, w.clock, options);
  std::string error;
  REQUIRE(cache.watch_type(kDeployment, error) != nullptr);
  REQUIRE(cache.watch_names(kube::type_of("v1", "ConfigMap"), error) != nullptr);
  auto refusal = [](const std::string& resource, const std::string& group) {
    return kube::ApiError{kube::ErrorType::Forbidden, 403, "Forbidden",
                          resource + " is forbidden: User \"veer\" cannot watch resource \"" +
                              resource + "\" in API group \"" + group +
                              "\" in the namespace \"shop\""};
  };
  w.cluster.fail_next("watch", refusal("deployments", "apps"), 3);
  cache.start();
  REQUIRE(cache.wait_for_sync(10s));  // the list works: the cache looks fine
  // Moves the simulated time to each backoff's end until `done` (or 30 s of real time).
  auto drive = [&](const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + 30s;
    while (!done() && std::chrono::steady_clock::now() < limit) {
      if (auto next = w.clock.next_deadline(); next && *next > w.clock.now())
        w.clock.advance(*next - w.clock.now());
      std::this_thread::yield();
    }
    return done();
  };
  REQUIRE(drive([&] { return w.cluster.open_watches() == 1; }));  // after three refusals
  auto seen = warnings();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].find("watch of deployments.apps/v1 in namespace shop failed (Forbidden)") !=
        std::string::npos);
  CHECK(seen[0].find("cannot watch resource \"deployments\" in API group \"apps\"") !=
        std::string::npos);

  // A name's watch (ConfigMaps are watched by name) refused the same way (once: the injected
  // failure is the next watch call's, whichever type's; the Deployments' watch stays open).
  w.cluster.fail_next("watch", refusal("configmaps", ""), 1);
  REQUIRE(cache.get({kube::type_of("v1", "ConfigMap"), "shop", "podinfo-config"}));
  // Told before any time passes (moving time could end the Deployments' watch, whose reopening
  // would take the injected failure instead).
  const auto limit = std::chrono::steady_clock::now() + 30s;
  while (warnings().size() < 2 && std::chrono::steady_clock::now() < limit)
    std::this_thread::yield();
  REQUIRE(drive([&] { return w.cluster.open_watches() == 2; }));
  seen = warnings();
  INFO(seen.back());
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].find("watch of configmaps (v1) (metadata.name=podinfo-config) in namespace shop") !=
        std::string::npos);
  CHECK(seen[1].find("cannot watch resource \"configmaps\"") != std::string::npos);
  cache.stop();
}

TEST_CASE(
    "a write is kept for reading back only until the watch delivers it, also when it is never "
    "read again (a Canary's last status, the routes at the end of a rollout)") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create(sim::deployment("shop", "podinfo", "podinfo:1")));
  runtime::CachedCluster cache(w.cluster, w.clock);
  std::string error;
  REQUIRE(cache.watch_type(kDeployment, error) != nullptr);
  cache.start();
  REQUIRE(cache.wait_for_sync(10s));
  auto d = *cache.get({kDeployment, "shop", "podinfo"});
  for (int i = 2; i < 6; ++i) {
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "podinfo:" + std::to_string(i);
    auto written = cache.update(d);
    REQUIRE(written);
    d = *written;
  }
  // Not read since: only the watch's delivery can let it go.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (cache.unsettled_writes() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  CHECK(cache.unsettled_writes() == 0);
  auto read = cache.get({kDeployment, "shop", "podinfo"});
  REQUIRE(read);
  CHECK(sim::image_of(*read) == "podinfo:5");
  cache.stop();
}
