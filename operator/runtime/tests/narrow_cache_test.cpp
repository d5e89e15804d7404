// What the operator keeps in memory: ConfigMaps and Secrets only by name (the ones read), cached
// objects without managedFields (and, where veer never writes them whole, without kubectl's
// last-applied annotation), and a rollout that still works on top of that.
#include <doctest/doctest.h>

#include <thread>

#include "operator/controller/simulation.hpp"
#include "operator/runtime/cached_cluster.hpp"
#include "operator/runtime/counting_cluster.hpp"
#include "operator/runtime/tests/support/simulated_operator.hpp"

using namespace veer;
using namespace std::chrono_literals;
namespace sim = veer::controller::simulation;
using nlohmann::json;

namespace {

const kube::ResourceType kSecret{"", "v1", "secrets", "Secret"};
const kube::ResourceType kDeployment{"apps", "v1", "deployments", "Deployment"};
constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

json secret(const std::string& ns, const std::string& name, const std::string& token) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"type", "Opaque"},
          {"data", {{"token", token}}}};
}

void add_unrelated_secrets(runtime::testing::World& w, int count) {
  for (int i = 0; i < count; ++i)
    REQUIRE(w.cluster.create(secret("shop", "unrelated-" + std::to_string(i), "c2VjcmV0")));
}

// Real time: the in-memory cluster's watch events reach informers on their own threads.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// The server's record of who set which field, in the shape kube-apiserver gives it.
json fields_of(const json& value) {
  json out = json::object();
  if (!value.is_object()) return out;
  for (const auto& [key, inner] : value.items()) {
    if (key == "containers" && inner.is_array()) {
      json list = json::object();
      for (const auto& c : inner)
        list["k:{\"name\":\"" + c.value("name", "") + "\"}"] = fields_of(c);
      out["f:" + key] = list;
    } else {
      out["f:" + key] = fields_of(inner);
    }
  }
  return out;
}

// A Deployment as `kubectl apply` and the controller manager leave it: the applied manifest in
// the last-applied annotation, managedFields for both writers, a status.
json applied_deployment(const std::string& ns, const std::string& name) {
  auto d = sim::deployment(ns, name, "ghcr.io/stefanprodan/podinfo:6.0.0");
  auto& container = d["spec"]["template"]["spec"]["containers"][0];
  container["resources"] = {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}};
  container["env"] = json::array({{{"name", "PODINFO_UI_COLOR"}, {"value", "#34577c"}}});
  container["livenessProbe"] = {{"httpGet", {{"path", "/healthz"}, {"port", 9898}}}};
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"},
                                  {kLastApplied, d.dump()}};
  d["metadata"]["managedFields"] = json::array(
      {{{"manager", "kubectl-client-side-apply"},
        {"operation", "Update"},
        {"apiVersion", "apps/v1"},
        {"time", "2026-11-20T10:00:00Z"},
        {"fieldsType", "FieldsV1"},
        {"fieldsV1",
         {{"f:metadata",
           {{"f:annotations", {{"f:" + std::string(kLastApplied), json::object()}}},
            {"f:labels", fields_of(d["metadata"]["labels"])}}},
          {"f:spec", fields_of(d["spec"])}}}},
       {{"manager", "kube-controller-manager"},
        {"operation", "Update"},
        {"apiVersion", "apps/v1"},
        {"time", "2026-11-20T10:00:05Z"},
        {"fieldsType", "FieldsV1"},
        {"subresource", "status"},
        {"fieldsV1",
         {{"f:metadata",
           {{"f:annotations", {{"f:deployment.kubernetes.io/revision", json::object()}}}}},
          {"f:status",
           {{"f:availableReplicas", json::object()},
            {"f:conditions", json::object()},
            {"f:observedGeneration", json::object()},
            {"f:readyReplicas", json::object()},
            {"f:replicas", json::object()},
            {"f:updatedReplicas", json::object()}}}}}}});
  return d;
}

std::size_t cached_bytes(const kube::Informer& informer) {
  std::size_t bytes = 0;
  for (const auto& object : informer.list()) bytes += object.dump().size();
  return bytes;
}

bool has_annotation(const json& object, const char* key) {
  const auto& meta = object.value("metadata", json::object());
  return meta.contains("annotations") && meta["annotations"].contains(key);
}

}  // namespace

TEST_CASE("Secrets are cached by name: 1000 unrelated ones are not held, a read one stays fresh") {
  runtime::testing::World w;
  w.add_namespace("shop");
  add_unrelated_secrets(w, 1000);
  REQUIRE(w.cluster.create(secret("shop", "app", "djE=")));
  runtime::CountingCluster api(w.cluster);
  runtime::CachedCluster cache(api, w.clock);
  std::string error;
  auto* informer = cache.watch_type(kSecret, error);
  REQUIRE(informer != nullptr);
  std::atomic<int> app_updates{0};
  informer->add_handlers({nullptr,
                          [&](const json&, const json& o) {
                            if (kube::name_of(o) == "app") ++app_updates;
                          },
                          nullptr});
  cache.start();
  REQUIRE(cache.wait_for_sync(10s));
  CHECK(informer->size() == 0);

  auto got = cache.get({kSecret, "shop", "app"});
  REQUIRE(got);
  CHECK((*got)["data"]["token"] == "djE=");
  CHECK(informer->size() == 1);
  const auto reads = api.reads();
  CHECK(cache.get({kSecret, "shop", "app"}));  // now from the cache
  CHECK(api.reads() == reads);

  // A change of the read Secret arrives through the watch; unrelated changes are dropped.
  auto unrelated = *w.cluster.get({kSecret, "shop", "unrelated-7"});
  unrelated["data"]["token"] = "b3RoZXI=";
  REQUIRE(w.cluster.update(unrelated));
  auto changed = *w.cluster.get({kSecret, "shop", "app"});
  changed["data"]["token"] = "djI=";
  REQUIRE(w.cluster.update(changed));
  CHECK(eventually([&] {
    return cache.get({kSecret, "shop", "app"})->at("data")["token"] == "djI=";
  }));
  CHECK(app_updates.load() >= 1);
  CHECK(informer->size() == 1);
  CHECK(api.reads() == reads);

  // A name read before it exists is seen once created.
  CHECK(cache.get({kSecret, "shop", "later"}).is(kube::ErrorType::NotFound));
  REQUIRE(w.cluster.create(secret("shop", "later", "eA==")));
  CHECK(eventually([&] { return cache.get({kSecret, "shop", "later"}).ok(); }));
  CHECK(informer->size() == 2);

  // Lists of a by-name type go to the API server, whole.
  auto listed = cache.list(kSecret, "shop");
  REQUIRE(listed);
  CHECK(listed->items.size() == 1002);
  cache.stop();
}

TEST_CASE("cached objects leave out managedFields, and last-applied where veer never writes them") {
  runtime::testing::World w;
  w.add_namespace("shop");
  constexpr int kDeployments = 1000;
  for (int i = 0; i < kDeployments; ++i)
    REQUIRE(w.cluster.create(applied_deployment("shop", "app-" + std::to_string(i))));
  auto canary = sim::canary("shop", "app-0", "istio");
  canary["metadata"]["annotations"] = {{kLastApplied, canary.dump()}};
  canary["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  REQUIRE(w.cluster.create(canary));

  std::size_t bytes[2] = {0, 0};
  for (bool trim : {false, true}) {
    runtime::CacheOptions options;
    options.trim = trim;
    runtime::CachedCluster cache(w.cluster, w.clock, options);
    std::string error;
    auto* deployments = cache.watch_type(kDeployment, error);
    auto* canaries = cache.watch_type(controller::canary_type(), error);
    REQUIRE(deployments != nullptr);
    REQUIRE(canaries != nullptr);
    cache.start();
    REQUIRE(cache.wait_for_sync(30s));
    REQUIRE(deployments->size() == kDeployments);
    bytes[trim] = cached_bytes(*deployments);
    auto d = deployments->get("shop", "app-1");
    auto c = canaries->get("shop", "app-0");
    REQUIRE(d);
    REQUIRE(c);
    CHECK(d->at("metadata").contains("managedFields") == !trim);
    CHECK(c->at("metadata").contains("managedFields") == !trim);
    CHECK(has_annotation(*c, kLastApplied) == !trim);
    // An Experiment's promotion updates a Deployment whole: the annotation must survive it.
    CHECK(has_annotation(*d, kLastApplied));
    CHECK(has_annotation(*d, "deployment.kubernetes.io/revision"));
    // Our own writes are read back trimmed too.
    auto written = cache.update(*c);
    REQUIRE(written);
    CHECK(cache.get(kube::ref_of(*c))->at("metadata").contains("managedFields") == !trim);
    cache.stop();
  }
  MESSAGE("cache bytes for " << kDeployments << " Deployments (JSON text): untrimmed " << bytes[0]
                             << ", trimmed " << bytes[1]);
  CHECK(bytes[1] * 10 < bytes[0] * 7);  // managedFields is more than 30% of such a Deployment
}

TEST_CASE("a rollout works on the trimmed cache and a mounted Secret's change starts one") {
  runtime::testing::World w;
  w.add_namespace("shop");
  add_unrelated_secrets(w, 1000);
  REQUIRE(w.cluster.create(secret("shop", "podinfo-env", "djE=")));
  auto d = applied_deployment("shop", "podinfo");
  d["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
      json::array({{{"secretRef", {{"name", "podinfo-env"}}}}});
  REQUIRE(w.cluster.create(d));
  auto c = sim::canary("shop", "podinfo", "istio");
  c["metadata"]["annotations"] = {{kLastApplied, c.dump()}};
  REQUIRE(w.cluster.create(c));

  runtime::testing::SimulatedOperator op(w, "shop");
  REQUIRE(op.run_until_phase("podinfo", "Initialized", 10min));
  CHECK(w.get("v1", "Secret", "shop", "podinfo-env-primary")["data"]["token"] == "djE=");

  auto& cache = dynamic_cast<runtime::CachedCluster&>(op.manager().cache());
  auto* secrets = cache.informer(kSecret);
  REQUIRE(secrets != nullptr);
  CHECK(secrets->size() <= 2);  // podinfo-env and its -primary copy

  auto changed = w.get("v1", "Secret", "shop", "podinfo-env");
  changed["data"]["token"] = "djI=";
  REQUIRE(w.cluster.update(changed));
  REQUIRE(op.run_until_phase("podinfo", "Succeeded", 30min));
  CHECK(w.get("v1", "Secret", "shop", "podinfo-env-primary")["data"]["token"] == "djI=");
  CHECK(secrets->size() <= 2);
  // The user's objects on the server keep what kubectl wrote.
  CHECK(has_annotation(w.get("apps/v1", "Deployment", "shop", "podinfo"), kLastApplied));
  CHECK(has_annotation(w.get("veer.dev/v1beta1", "Canary", "shop", "podinfo"), kLastApplied));
}
