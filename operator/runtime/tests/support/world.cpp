#include "operator/runtime/tests/support/world.hpp"

#include "operator/controller/canary_reconciler.hpp"

namespace veer::runtime::testing {

namespace sim = controller::simulation;
using nlohmann::json;

ManagerSettings simulated_settings(const std::string& provider) {
  ManagerSettings s;
  s.workers = 2;
  s.reconciler.decide.default_provider = provider;
  return s;
}

World::World() {
  for (const auto& info : sim::served_types()) cluster.add_type(info);
  cluster.add_type({{"veer.dev", "v1beta1", "metrictemplates", "MetricTemplate"}, true, false});
  cluster.add_type({{"veer.dev", "v1beta1", "alertproviders", "AlertProvider"}, true, false});
}

void World::add_namespace(const std::string& ns) {
  cluster.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
}

void World::add_app(const std::string& ns, const std::string& name, const std::string& provider) {
  cluster.create(sim::deployment(ns, name, "podinfo:6.0.0"));
  cluster.create(sim::canary(ns, name, provider));
}

void World::set_image(const std::string& ns, const std::string& name, const std::string& image) {
  auto d = get("apps/v1", "Deployment", ns, name);
  d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  cluster.update(d);
}

std::string World::phase(const std::string& ns, const std::string& name) {
  auto c = cluster.get({controller::canary_type(), ns, name});
  return c ? c->value("status", json::object()).value("phase", "") : "";
}

json World::get(const std::string& api_version, const std::string& kind, const std::string& ns,
                const std::string& name) {
  auto got = cluster.get({kube::type_of(api_version, kind), ns, name});
  return got ? *got : json();
}

void World::kubelet(const std::string& ns) {
  sim::kubelet_pass(cluster, ns);
}

}  // namespace veer::runtime::testing
