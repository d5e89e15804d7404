// The permission triples the RBAC minimality check removes one at a time and reads back from the
// API server's refusals.
#include <doctest/doctest.h>

#include <algorithm>

#include "e2e/chart/tests/support/permissions.hpp"

namespace veer::e2e {

using nlohmann::json;

namespace {

const json kRules = json::parse(R"([
  {"apiGroups": ["apps"], "resources": ["deployments", "daemonsets"], "verbs": ["get", "patch"]},
  {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
  {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["veer-leader"],
   "verbs": ["get", "update"]}
])");

}  // namespace

TEST_CASE("permissions_of lists each group, resource and verb once, in rule order") {
  auto all = permissions_of(kRules);
  REQUIRE(all.size() == 7);
  CHECK(all[0] == Permission{"apps", "deployments", "get"});
  CHECK(all[3] == Permission{"apps", "daemonsets", "patch"});
  CHECK(all[4].text() == "create events");
  CHECK(all[6].text() == "update coordination.k8s.io/leases");
}

TEST_CASE("rules_without removes one verb of one resource and keeps everything else") {
  auto fewer = rules_without(kRules, {"apps", "deployments", "patch"});
  auto left = permissions_of(fewer);
  CHECK(left.size() == 6);
  CHECK(std::find(left.begin(), left.end(), Permission{"apps", "deployments", "patch"}) ==
        left.end());
  CHECK(std::find(left.begin(), left.end(), Permission{"apps", "daemonsets", "patch"}) !=
        left.end());
  // A resource left without verbs disappears; resourceNames stay on the split rules.
  auto no_events = rules_without(kRules, {"", "events", "create"});
  CHECK(permissions_of(no_events).size() == 6);
  for (const auto& rule : no_events) CHECK(rule["resources"][0] != "events");
  auto lease = rules_without(kRules, {"coordination.k8s.io", "leases", "get"});
  CHECK(lease.back()["resourceNames"] == json::array({"veer-leader"}));
  CHECK(lease.back()["verbs"] == json::array({"update"}));
}

TEST_CASE("refused_permission reads the API server's forbidden message, escaped or not") {
  auto plain = refused_permission(
      R"(deployments.apps is forbidden: User "system:serviceaccount:default:x" cannot list )"
      R"(resource "deployments" in API group "apps" in the namespace "shop")");
  REQUIRE(plain);
  CHECK(*plain == Permission{"apps", "deployments", "list"});
  auto json_log = refused_permission(
      R"({"msg":"events is forbidden: User \"x\" cannot create resource \"events\" in API group \"\" in the namespace \"a\""})");
  REQUIRE(json_log);
  CHECK(*json_log == Permission{"", "events", "create"});
  auto status = refused_permission(
      R"(cannot update resource "canaries/status" in API group "veer.dev" in the namespace "b")");
  REQUIRE(status);
  CHECK(status->resource == "canaries/status");
  CHECK_FALSE(refused_permission("the API server is unreachable"));
}

}  // namespace veer::e2e
