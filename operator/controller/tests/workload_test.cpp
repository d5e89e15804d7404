#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "operator/controller/config_tracking.hpp"
#include "operator/controller/primary_workload.hpp"
#include "operator/controller/revision.hpp"
#include "operator/controller/workload_health.hpp"

using nlohmann::json;
using namespace veer::controller;

namespace {

// A Deployment as `kubectl get -o json` shows it (trimmed of status), with every kind of
// config reference Flagger renames.
json podinfo() {
  return json::parse(R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {
    "name": "podinfo", "namespace": "test", "uid": "3c1b", "resourceVersion": "812",
    "labels": {"app": "podinfo", "app.kubernetes.io/part-of": "shop", "team": "web",
               "kustomize.toolkit.fluxcd.io/name": "apps"},
    "annotations": {"kustomize.toolkit.fluxcd.io/checksum": "abc", "owner": "web-team",
                    "kubectl.kubernetes.io/last-applied-configuration": "{}"}
  },
  "spec": {
    "replicas": 3, "minReadySeconds": 5, "revisionHistoryLimit": 5, "progressDeadlineSeconds": 60,
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
    "selector": {"matchLabels": {"app": "podinfo"}},
    "template": {
      "metadata": {"labels": {"app": "podinfo", "version": "6.0.0"},
                   "annotations": {"prometheus.io/scrape": "true"}},
      "spec": {
        "containers": [{
          "name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.0.0",
          "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "podinfo-config-env", "key": "a"}}},
                  {"name": "B", "valueFrom": {"secretKeyRef": {"name": "podinfo-secret-env", "key": "b"}}},
                  {"name": "C", "value": "plain"}],
          "envFrom": [{"configMapRef": {"name": "podinfo-config-all"}},
                      {"secretRef": {"name": "podinfo-secret-all"}}]
        }],
        "initContainers": [{"name": "init", "image": "busybox",
          "env": [{"name": "D", "valueFrom": {"configMapKeyRef": {"name": "podinfo-config-init", "key": "d"}}}]}],
        "volumes": [
          {"name": "cfg", "configMap": {"name": "podinfo-config-vol"}},
          {"name": "sec", "secret": {"secretName": "podinfo-secret-vol"}},
          {"name": "proj", "projected": {"sources": [
             {"configMap": {"name": "podinfo-config-proj"}},
             {"secret": {"name": "podinfo-secret-proj"}},
             {"serviceAccountToken": {"path": "token"}}]}},
          {"name": "tmp", "emptyDir": {}}],
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
          "labelSelector": {"matchLabels": {"app": "podinfo"}}}],
        "affinity": {"podAntiAffinity": {
          "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["podinfo", "other"]}]}}],
          "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "podAffinityTerm": {
            "topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "podinfo"}}}}]}}
      }
    }
  }
})");
}

json config_map(const std::string& name, json data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "test"}}},
          {"data", data}};
}

json secret(const std::string& name, const std::string& type) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"type", type},
          {"metadata", {{"name", name}, {"namespace", "test"}}},
          {"data", {{"k", "dmFsdWU="}}}};
}

const json kOwner = {{"apiVersion", "veer.dev/v1beta1"},
                     {"kind", "Canary"},
                     {"name", "podinfo"},
                     {"uid", "u-1"},
                     {"controller", true},
                     {"blockOwnerDeletion", true}};

}  // namespace

TEST_CASE(
    "referenced_configs finds volumes, projected sources, env and envFrom in all containers") {
  auto refs = referenced_configs(podinfo()["spec"]["template"]["spec"]);
  CHECK(refs.config_maps == std::set<std::string>{"podinfo-config-all", "podinfo-config-env",
                                                  "podinfo-config-init", "podinfo-config-proj",
                                                  "podinfo-config-vol"});
  CHECK(refs.secrets == std::set<std::string>{"podinfo-secret-all", "podinfo-secret-env",
                                              "podinfo-secret-proj", "podinfo-secret-vol"});
}

TEST_CASE("the primary clone selects its own pods and uses -primary configs") {
  auto target = podinfo();
  auto tracked = referenced_configs(target["spec"]["template"]["spec"]);
  tracked.secrets.erase("podinfo-secret-vol");  // e.g. opted out: must keep its name
  auto result = make_primary(target, tracked, kOwner, CloneSettings{}, "rev-1", std::nullopt);
  REQUIRE(result.error.empty());
  const auto& primary = result.object;

  CHECK(primary["metadata"]["name"] == "podinfo-primary");
  CHECK(primary["metadata"]["namespace"] == "test");
  CHECK(primary["metadata"]["ownerReferences"][0]["kind"] == "Canary");
  CHECK(primary["spec"]["selector"] == json{{"matchLabels", {{"app", "podinfo-primary"}}}});
  CHECK(primary["spec"]["template"]["metadata"]["labels"]["app"] == "podinfo-primary");
  CHECK(primary["spec"]["template"]["metadata"]["labels"]["version"] == "6.0.0");
  CHECK(primary["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "true");
  CHECK(primary["spec"]["template"]["metadata"]["annotations"][kPromotionIdAnnotation] == "rev-1");
  CHECK(primary["spec"]["replicas"] == 3);
  CHECK(primary["spec"]["strategy"] == target["spec"]["strategy"]);
  CHECK(primary["spec"]["minReadySeconds"] == 5);
  CHECK(primary["spec"]["progressDeadlineSeconds"] == 60);

  const auto& pod = primary["spec"]["template"]["spec"];
  CHECK(pod["containers"][0]["env"][0]["valueFrom"]["configMapKeyRef"]["name"] ==
        "podinfo-config-env-primary");
  CHECK(pod["containers"][0]["env"][1]["valueFrom"]["secretKeyRef"]["name"] ==
        "podinfo-secret-env-primary");
  CHECK(pod["containers"][0]["env"][2] == json{{"name", "C"}, {"value", "plain"}});
  CHECK(pod["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "podinfo-config-all-primary");
  CHECK(pod["containers"][0]["envFrom"][1]["secretRef"]["name"] == "podinfo-secret-all-primary");
  CHECK(pod["initContainers"][0]["env"][0]["valueFrom"]["configMapKeyRef"]["name"] ==
        "podinfo-config-init-primary");
  CHECK(pod["volumes"][0]["configMap"]["name"] == "podinfo-config-vol-primary");
  CHECK(pod["volumes"][1]["secret"]["secretName"] == "podinfo-secret-vol");
  CHECK(pod["volumes"][2]["projected"]["sources"][0]["configMap"]["name"] ==
        "podinfo-config-proj-primary");
  CHECK(pod["volumes"][2]["projected"]["sources"][1]["secret"]["name"] ==
        "podinfo-secret-proj-primary");
  CHECK(pod["volumes"][3] == target["spec"]["template"]["spec"]["volumes"][3]);

  CHECK(pod["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"]["app"] ==
        "podinfo-primary");
  const auto& anti = pod["affinity"]["podAntiAffinity"];
  CHECK(anti["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]
            ["matchExpressions"][0]["values"] == json{"podinfo-primary", "other"});
  CHECK(anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
            ["labelSelector"]["matchLabels"]["app"] == "podinfo-primary");

  // The target itself is untouched.
  CHECK(target == podinfo());
}

TEST_CASE("labels are copied by include prefix, GitOps keys never are") {
  CloneSettings settings;
  auto plain = make_primary(podinfo(), {}, kOwner, settings, "r", std::nullopt).object;
  CHECK(plain["metadata"]["labels"] == json{{"app", "podinfo-primary"}});
  CHECK(plain["metadata"]["annotations"] == json{{"owner", "web-team"}});

  settings.include_label_prefixes = {"app.kubernetes.io", "kustomize"};
  auto prefixed = make_primary(podinfo(), {}, kOwner, settings, "r", std::nullopt).object;
  CHECK(prefixed["metadata"]["labels"] ==
        json{{"app", "podinfo-primary"}, {"app.kubernetes.io/part-of", "shop"}});
}

TEST_CASE("replicas: an explicit count wins, DaemonSets have none") {
  auto fixed = make_primary(podinfo(), {}, kOwner, CloneSettings{}, "r", 7).object;
  CHECK(fixed["spec"]["replicas"] == 7);

  auto daemon = podinfo();
  daemon["kind"] = "DaemonSet";
  daemon["spec"].erase("replicas");
  daemon["spec"].erase("strategy");
  daemon["spec"]["updateStrategy"] = {{"type", "RollingUpdate"}};
  auto result = make_primary(daemon, {}, kOwner, CloneSettings{}, "r", 7);
  REQUIRE(result.error.empty());
  CHECK(result.object["kind"] == "DaemonSet");
  CHECK_FALSE(result.object["spec"].contains("replicas"));
  CHECK(result.object["spec"]["updateStrategy"]["type"] == "RollingUpdate");
}

TEST_CASE("the selector label is the first configured key present, errors name the object") {
  auto target = podinfo();
  target["spec"]["selector"]["matchLabels"] = {{"app.kubernetes.io/name", "podinfo"},
                                               {"name", "pi"}};
  auto found = selector_label(target, CloneSettings{});
  REQUIRE(found.label);
  CHECK(found.label->key == "name");
  CHECK(found.label->value == "pi");

  target["spec"]["selector"]["matchLabels"] = {{"tier", "web"}};
  auto result = make_primary(target, {}, kOwner, CloneSettings{}, "r", std::nullopt);
  CHECK(result.object.is_null());
  CHECK(result.error.find("Deployment test/podinfo") != std::string::npos);
  CHECK(result.error.find("spec.selector.matchLabels") != std::string::npos);

  auto statefulset = podinfo();
  statefulset["kind"] = "StatefulSet";
  CHECK(make_primary(statefulset, {}, kOwner, CloneSettings{}, "r", std::nullopt)
            .error.find("Deployment or DaemonSet") != std::string::npos);
}

TEST_CASE("config tracking hashes data, skips opted-out objects and registry secrets") {
  std::map<std::string, json> objects = {
      {"ConfigMap/podinfo-config-env", config_map("podinfo-config-env", {{"a", "1"}})},
      {"ConfigMap/podinfo-config-all", config_map("podinfo-config-all", {{"b", "2"}})},
      {"ConfigMap/podinfo-config-vol", config_map("podinfo-config-vol", {{"c", "3"}})},
      {"ConfigMap/podinfo-config-proj", config_map("podinfo-config-proj", {{"p", "4"}})},
      {"Secret/podinfo-secret-env", secret("podinfo-secret-env", "Opaque")},
      {"Secret/podinfo-secret-all", secret("podinfo-secret-all", "kubernetes.io/dockerconfigjson")},
      {"Secret/podinfo-secret-vol", secret("podinfo-secret-vol", "kubernetes.io/tls")},
      {"Secret/podinfo-secret-proj", secret("podinfo-secret-proj", "Opaque")},
  };
  objects["ConfigMap/podinfo-config-proj"]["metadata"]["annotations"] = {
      {"flagger.app/config-tracking", "disabled"}};
  ConfigLookup lookup = [&](const std::string& kind,
                            const std::string& name) -> std::optional<json> {
    auto it = objects.find(kind + "/" + name);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  };
  auto spec = podinfo()["spec"]["template"]["spec"];
  auto tracked = track_configs(spec, lookup);
  CHECK(tracked.missing == std::vector<std::string>{"configmap/podinfo-config-init"});
  CHECK(tracked.tracked.config_maps ==
        std::set<std::string>{"podinfo-config-all", "podinfo-config-env", "podinfo-config-vol"});
  CHECK(tracked.tracked.secrets ==
        std::set<std::string>{"podinfo-secret-env", "podinfo-secret-proj", "podinfo-secret-vol"});
  CHECK(tracked.checksums.size() == 6);
  CHECK(tracked.checksums.count("configmap/podinfo-config-env"));
  CHECK(tracked.checksums.count("secret/podinfo-secret-vol"));

  // The checksum follows the data only: metadata churn does not change it, a value does.
  auto before = tracked.checksums["configmap/podinfo-config-env"];
  objects["ConfigMap/podinfo-config-env"]["metadata"]["resourceVersion"] = "999";
  CHECK(track_configs(spec, lookup).checksums["configmap/podinfo-config-env"] == before);
  objects["ConfigMap/podinfo-config-env"]["data"]["a"] = "2";
  CHECK(track_configs(spec, lookup).checksums["configmap/podinfo-config-env"] != before);

  auto copy = primary_config(objects["Secret/podinfo-secret-vol"], kOwner);
  CHECK(copy["metadata"]["name"] == "podinfo-secret-vol-primary");
  CHECK(copy["type"] == "kubernetes.io/tls");
  CHECK(copy["data"] == objects["Secret/podinfo-secret-vol"]["data"]);
  CHECK(copy["metadata"]["ownerReferences"][0]["uid"] == "u-1");
}

TEST_CASE("the revision follows the pod template and configs, never replicas or key order") {
  auto target = podinfo();
  const auto base = revision_hash(target, {});
  CHECK(base == pod_template_hash(target));
  CHECK(base.size() == 16);

  auto scaled = target;
  scaled["spec"]["replicas"] = 10;
  scaled["metadata"]["resourceVersion"] = "900";
  CHECK(revision_hash(scaled, {}) == base);

  // Same template written with other key order and number spelling: same hash.
  auto respelled = json::parse(podinfo().dump());
  respelled["spec"]["template"]["spec"]["containers"][0]["ports"] =
      json::parse(R"([{"containerPort": 9898.0}])");
  auto plain = target;
  plain["spec"]["template"]["spec"]["containers"][0]["ports"] =
      json::parse(R"([{"containerPort": 9898}])");
  CHECK(revision_hash(respelled, {}) == revision_hash(plain, {}));

  auto new_image = target;
  new_image["spec"]["template"]["spec"]["containers"][0]["image"] =
      "ghcr.io/stefanprodan/podinfo:6.0.1";
  CHECK(revision_hash(new_image, {}) != base);

  ConfigChecksums configs{{"configmap/podinfo-config-env", "aaaa"}};
  const auto with_config = revision_hash(target, configs);
  CHECK(with_config != base);
  configs["configmap/podinfo-config-env"] = "bbbb";
  CHECK(revision_hash(target, configs) != with_config);
}

TEST_CASE("ready thresholds: a percentage of the desired replicas or scheduled daemons") {
  json deployment = {
      {"kind", "Deployment"},
      {"metadata", {{"generation", 4}}},
      {"spec", {{"replicas", 4}}},
      {"status", {{"observedGeneration", 4}, {"updatedReplicas", 4}, {"availableReplicas", 3}}}};
  CHECK_FALSE(workload_health(deployment, 100).ready);
  CHECK(workload_health(deployment, 75).ready);
  CHECK_FALSE(workload_health(deployment, 76).ready);  // 3.04 rounds up to 4
  CHECK(workload_health(deployment, 75).message == "3 of 4 replicas available");
  deployment["status"]["observedGeneration"] = 3;
  CHECK_FALSE(workload_health(deployment, 50).ready);

  json daemons = {{"kind", "DaemonSet"},
                  {"metadata", {{"generation", 2}}},
                  {"status",
                   {{"observedGeneration", 2},
                    {"desiredNumberScheduled", 10},
                    {"updatedNumberScheduled", 10},
                    {"numberAvailable", 9}}}};
  CHECK_FALSE(workload_health(daemons, 100).ready);
  CHECK(workload_health(daemons, 90).ready);
  daemons["status"]["desiredNumberScheduled"] = 0;  // scaled to zero by nodeSelector
  CHECK_FALSE(workload_health(daemons, 90).ready);
  CHECK(workload_health(daemons, 90).message == "scaled to zero");
}

TEST_CASE("a DaemonSet's scale-to-zero nodeSelector is not part of its revision") {
  auto daemons = podinfo();
  daemons["kind"] = "DaemonSet";
  const auto before = pod_template_hash(daemons);
  daemons["spec"]["template"]["spec"]["nodeSelector"] = {{kScaleToZeroNodeSelector, "true"}};
  CHECK(pod_template_hash(daemons) == before);
  daemons["spec"]["template"]["spec"]["nodeSelector"]["disk"] = "ssd";
  CHECK(pod_template_hash(daemons) != before);
  auto primary = make_primary(daemons, {}, json::object(), {}, "p1", std::nullopt);
  CHECK(primary.object["spec"]["template"]["spec"]["nodeSelector"] == json({{"disk", "ssd"}}));
}
