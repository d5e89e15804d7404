// What the operator keeps in memory and what the API server sends it: ConfigMaps and Secrets only
// by name (one field-selected watch per referenced name, ended when the reference goes), cached
// objects without managedFields (and, where veer never writes them whole, without kubectl's
// last-applied annotation), and a rollout that still works on top of that.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "operator/controller/simulation.hpp"
#include "operator/kube/rest_cluster.hpp"
#include "operator/runtime/cached_cluster.hpp"
#include "operator/runtime/counting_cluster.hpp"
#include "operator/runtime/tests/support/simulated_operator.hpp"
#include "testing/http_server.hpp"

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

// A cluster that records which Secrets reached veer (list items, get answers, watch events),
// the selectors of its Secret lists and watches, and how many Secret watches are open.
class SecretDeliveries final : public kube::Cluster {
 public:
  explicit SecretDeliveries(kube::Cluster& inner) : inner_(inner) {}

  std::multiset<std::string> delivered() const {
    std::lock_guard guard(state_->mutex);
    return state_->delivered;
  }
  std::set<std::string> delivered_names() const {
    auto all = delivered();
    return {all.begin(), all.end()};
  }
  // "list ns fieldSelector" or "watch ns fieldSelector" of each Secret list and watch.
  std::vector<std::string> requests() const {
    std::lock_guard guard(state_->mutex);
    return state_->requests;
  }
  int open_watches() const { return state_->open.load(); }

  kube::Result<kube::ResourceInfo> resolve(const kube::ResourceType& type) override {
    return inner_.resolve(type);
  }
  kube::Result<json> get(const kube::ObjectRef& ref) override {
    auto got = inner_.get(ref);
    if (got && secret(ref.type)) state_->deliver(*got);
    return got;
  }
  kube::Result<kube::ObjectList> list(const kube::ResourceType& type, const std::string& ns,
                                      const kube::ListOptions& options) override {
    auto listed = inner_.list(type, ns, options);
    if (listed && secret(type)) {
      state_->request("list " + ns + " " + options.field_selector);
      for (const auto& item : listed->items) state_->deliver(item);
    }
    return listed;
  }
  kube::Result<json> create(const json& object) override { return inner_.create(object); }
  kube::Result<json> update(const json& object) override { return inner_.update(object); }
  kube::Result<json> update_status(const json& object) override {
    return inner_.update_status(object);
  }
  kube::Result<json> patch(const kube::ObjectRef& ref, kube::PatchType type, const json& patch,
                           const kube::PatchOptions& options) override {
    return inner_.patch(ref, type, patch, options);
  }
  kube::Status remove(const kube::ObjectRef& ref, const kube::DeleteOptions& options) override {
    return inner_.remove(ref, options);
  }
  kube::Result<std::unique_ptr<kube::WatchStream>> watch(
      const kube::ResourceType& type, const std::string& ns,
      const kube::WatchOptions& options) override {
    auto opened = inner_.watch(type, ns, options);
    if (!opened || !secret(type)) return opened;
    state_->request("watch " + ns + " " + options.field_selector);
    return std::unique_ptr<kube::WatchStream>(new Counted(std::move(*opened), state_));
  }

 private:
  struct State {
    std::mutex mutex;
    std::multiset<std::string> delivered;
    std::vector<std::string> requests;
    std::atomic<int> open{0};
    void deliver(const json& object) {
      std::lock_guard guard(mutex);
      delivered.insert(kube::name_of(object));
    }
    void request(std::string what) {
      std::lock_guard guard(mutex);
      requests.push_back(std::move(what));
    }
  };
  class Counted final : public kube::WatchStream {
   public:
    Counted(std::unique_ptr<kube::WatchStream> inner, std::shared_ptr<State> state)
        : inner_(std::move(inner)), state_(std::move(state)) {
      ++state_->open;
    }
    ~Counted() override { --state_->open; }
    std::optional<kube::WatchEvent> next() override {
      auto event = inner_->next();
      if (event && event->type != kube::WatchEvent::Type::Bookmark &&
          event->type != kube::WatchEvent::Type::Error)
        state_->deliver(event->object);
      return event;
    }
    void stop() override { inner_->stop(); }

   private:
    std::unique_ptr<kube::WatchStream> inner_;
    std::shared_ptr<State> state_;
  };
  static bool secret(const kube::ResourceType& type) {
    return type.kind == "Secret" || type.resource == "secrets";
  }

  kube::Cluster& inner_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Every Secret list and watch asked for one name in one namespace.
void check_field_selected(const std::vector<std::string>& requests) {
  for (const auto& r : requests) {
    INFO(r);
    CHECK(r.find(" shop metadata.name=") != std::string::npos);
  }
}

}  // namespace

TEST_CASE(
    "Secrets are watched by name: 1000 unrelated ones never reach veer, a read one stays fresh") {
  runtime::testing::World w;
  w.add_namespace("shop");
  add_unrelated_secrets(w, 1000);
  REQUIRE(w.cluster.create(secret("shop", "app", "djE=")));
  SecretDeliveries wire(w.cluster);
  runtime::CountingCluster api(wire);
  runtime::CachedCluster cache(api, w.clock);
  std::string error;
  CHECK(cache.watch_type(kSecret, error) == nullptr);  // never one informer for all of them
  auto* names = cache.watch_names(kSecret, error);
  REQUIRE(names != nullptr);
  std::atomic<int> app_updates{0};
  names->add_handlers({nullptr,
                       [&](const json&, const json& o) {
                         if (kube::name_of(o) == "app") ++app_updates;
                       },
                       nullptr});
  cache.start();
  REQUIRE(cache.wait_for_sync(10s));
  CHECK(names->size() == 0);
  CHECK(wire.delivered().empty());

  auto got = cache.get({kSecret, "shop", "app"});
  REQUIRE(got);
  CHECK((*got)["data"]["token"] == "djE=");
  CHECK(names->held() == std::vector<std::string>{"shop/app"});
  const auto reads = api.reads();
  CHECK(cache.get({kSecret, "shop", "app"}));  // now from the cache
  CHECK(api.reads() == reads);

  // A change of the read Secret arrives through its watch; unrelated changes are never sent.
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
  CHECK(names->size() == 1);
  CHECK(api.reads() == reads);

  // A name read before it exists is seen once created.
  CHECK(cache.get({kSecret, "shop", "later"}).is(kube::ErrorType::NotFound));
  REQUIRE(w.cluster.create(secret("shop", "later", "eA==")));
  CHECK(eventually([&] { return cache.get({kSecret, "shop", "later"}).ok(); }));
  CHECK(names->size() == 2);

  // What the watches delivered: the two names, a few times each, and none of the 1000 others.
  MESSAGE("Secrets delivered to veer: " << wire.delivered().size());
  CHECK(wire.delivered_names() == std::set<std::string>{"app", "later"});
  CHECK(wire.delivered().size() <= 6);
  check_field_selected(wire.requests());
  CHECK(wire.open_watches() == 2);

  // Lists of a by-name type go to the API server, whole.
  auto listed = cache.list(kSecret, "shop");
  REQUIRE(listed);
  CHECK(listed->items.size() == 1002);
  cache.stop();
  CHECK(wire.open_watches() == 0);
}

TEST_CASE(
    "a name no longer referenced stops its watch, unreferenced names and those past the cap are "
    "read") {
  runtime::testing::World w;
  w.add_namespace("shop");
  for (const char* name : {"a", "b", "c", "d"})
    REQUIRE(w.cluster.create(secret("shop", name, "eA==")));
  SecretDeliveries wire(w.cluster);
  runtime::CountingCluster api(wire);
  std::vector<std::string> warnings;
  runtime::CacheOptions options;
  options.max_watched_names = 2;
  options.warn = [&](const std::string& m) { warnings.push_back(m); };
  runtime::CachedCluster cache(api, w.clock, options);
  std::string error;
  auto* names = cache.watch_names(kSecret, error);
  REQUIRE(names != nullptr);
  std::mutex mutex;
  std::set<std::string> referenced{"shop/a", "shop/b", "shop/c"};
  names->set_referenced([&](const std::string& key) {
    std::lock_guard guard(mutex);
    return referenced.count(key) > 0;
  });
  cache.start();

  for (const char* name : {"a", "b", "c", "d"}) REQUIRE(cache.get({kSecret, "shop", name}));
  // a and b are watched; c is past the cap of 2, d is not referenced: both read each time.
  CHECK(names->held() == std::vector<std::string>{"shop/a", "shop/b"});
  CHECK(eventually([&] { return wire.open_watches() == 2; }));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("more than 2") != std::string::npos);
  CHECK(warnings[0].find("eA==") == std::string::npos);
  const auto reads = api.reads();
  CHECK(cache.get({kSecret, "shop", "c"}));
  CHECK(cache.get({kSecret, "shop", "d"}));
  CHECK(api.reads() == reads + 2);
  CHECK(warnings.size() == 1);  // said once

  // The reference to a goes: its watch ends, and its changes no longer reach veer.
  {
    std::lock_guard guard(mutex);
    referenced.erase("shop/a");
  }
  CHECK(cache.release_unreferenced() == 1);
  CHECK(names->held() == std::vector<std::string>{"shop/b"});
  CHECK(wire.open_watches() == 1);
  const auto delivered = wire.delivered().count("a");
  auto a = *w.cluster.get({kSecret, "shop", "a"});
  a["data"]["token"] = "eQ==";
  REQUIRE(w.cluster.update(a));
  auto b = *w.cluster.get({kSecret, "shop", "b"});
  b["data"]["token"] = "eQ==";
  REQUIRE(w.cluster.update(b));
  CHECK(eventually([&] {
    return cache.get({kSecret, "shop", "b"})->at("data")["token"] == "eQ==";
  }));
  CHECK(wire.delivered().count("a") == delivered);
  // Room again under the cap: c is watched on its next read.
  CHECK(cache.get({kSecret, "shop", "c"}));
  CHECK(names->held() == std::vector<std::string>{"shop/b", "shop/c"});
  check_field_selected(wire.requests());
  cache.stop();
}

TEST_CASE("a Secret's watch goes to the API server as a list and a watch of that one name") {
  veer::testing::HttpServer server([](const veer::testing::HttpRequest& r) {
    using veer::testing::HttpResponse;
    auto json_reply = [](int status, const json& body) {
      return HttpResponse{status, {{"Content-Type", "application/json"}}, body.dump()};
    };
    if (r.path == "/api/v1")
      return json_reply(
          200, {{"kind", "APIResourceList"},
                {"resources",
                 json::array({{{"name", "secrets"}, {"kind", "Secret"}, {"namespaced", true}}})}});
    if (r.path == "/api/v1/namespaces/shop/secrets" && r.param("watch") == "1")
      return HttpResponse{200, {{"Content-Type", "application/json"}}, ""};
    if (r.path == "/api/v1/namespaces/shop/secrets")
      return json_reply(200, {{"kind", "SecretList"},
                              {"metadata", {{"resourceVersion", "12"}}},
                              {"items", json::array({secret("shop", "app", "djE=")})}});
    return json_reply(404, {{"kind", "Status"}, {"code", 404}, {"reason", "NotFound"}});
  });
  base::SimulatedClock clock;  // the watch's reconnect waits on it: one list, one watch
  kube::ClientConfig config;
  config.server = server.url();
  config.origin = "test";
  config.token = "t0ken";
  kube::RestCluster rest(config, clock);
  runtime::CachedCluster cache(rest, clock);
  std::string error;
  REQUIRE(cache.watch_names(kSecret, error) != nullptr);
  cache.start();
  auto got = cache.get({kSecret, "shop", "app"});
  REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
  CHECK((*got)["data"]["token"] == "djE=");
  REQUIRE(eventually([&] {
    for (const auto& r : server.requests())
      if (r.param("watch") == "1") return true;
    return false;
  }));
  cache.stop();
  int lists = 0, watches = 0;
  for (const auto& r : server.requests()) {
    if (r.path == "/api/v1") continue;
    INFO(r.target);
    CHECK(r.path == "/api/v1/namespaces/shop/secrets");  // never all namespaces, never a get
    CHECK(r.param("fieldSelector") == "metadata.name=app");
    (r.param("watch") == "1" ? watches : lists)++;
  }
  CHECK(lists == 1);
  CHECK(watches >= 1);
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

  SecretDeliveries wire(w.cluster);
  runtime::testing::SimulatedOperator op(w, "shop", runtime::testing::simulated_settings(), &wire);
  REQUIRE(op.run_until_phase("podinfo", "Initialized", 10min));
  CHECK(w.get("v1", "Secret", "shop", "podinfo-env-primary")["data"]["token"] == "djE=");

  auto& cache = dynamic_cast<runtime::CachedCluster&>(op.manager().cache());
  auto* secrets = cache.names(kSecret);
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
  // None of the 1000 unrelated Secrets ever reached the operator.
  const auto delivered = wire.delivered_names();
  MESSAGE("Secrets delivered to the operator: " << wire.delivered().size() << " of "
                                                << delivered.size() << " names");
  for (const auto& name : delivered) CHECK(name.rfind("podinfo-env", 0) == 0);
  check_field_selected(wire.requests());

  // The Canary goes: nothing refers to the Secrets any more, so their watches end.
  REQUIRE(w.cluster.remove({controller::canary_type(), "shop", "podinfo"}).ok());
  REQUIRE(op.run_until([&] { return secrets->held().empty(); }, 10min));
  CHECK(wire.open_watches() == 0);
}
