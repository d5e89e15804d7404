// A read that fails is not an object that is absent: while the API server cannot answer for a
// tracked ConfigMap or for the primary, a pass changes nothing and says why, and the rollout goes
// on where it was once the reads work again (no new revision, no second primary).
#include <doctest/doctest.h>

#include "operator/controller/tests/support/rollout.hpp"
#include "operator/controller/tests/support/write_log.hpp"
#include "operator/kube/cluster_decorator.hpp"

using namespace veer::controller::testing;
using nlohmann::json;
namespace kube = veer::kube;

namespace {

// Fails every call (`verb`) on one object (or, for a list, of one kind) with a server error while
// `failing` is set.
class FailingReads final : public kube::ClusterDecorator {
 public:
  FailingReads(kube::Cluster& inner, std::string kind, std::string name,
               kube::CallInfo::Verb verb = kube::CallInfo::Verb::Get)
      : ClusterDecorator(inner),
        error{kube::ErrorType::Internal, 500, "InternalError",
              "GET " + kind + " " + name + ": the server is overloaded"},
        kind_(std::move(kind)),
        name_(std::move(name)),
        verb_(verb) {}
  bool failing = false;
  kube::ApiError error;  // what the server answers while failing

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    if (!failing || call.verb != verb_ || call.kind != kind_ || call.name != name_)
      return std::nullopt;
    return error;
  }

 private:
  std::string kind_, name_;
  kube::CallInfo::Verb verb_;
};

json target_using_config() {
  auto target = sim::deployment("default", "podinfo", "podinfo:6.0.0");
  target["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
      json::array({{{"configMapRef", {{"name", "podinfo-config"}}}}});
  return target;
}

struct Progress {
  std::string phase, last_applied;
  int weight;
};

Progress progress_of(Rollout& r) {
  const auto status = r.canary().value("status", json::object());
  return {status.value("phase", ""), status.value("lastAppliedSpec", ""),
          status.value("canaryWeight", 0)};
}

// Runs a rollout to weight 20, then `passes` passes with the reads failing: each pass fails
// naming the object and writes nothing. Then the reads work again and the rollout is promoted.
void check_outage(Rollout& r, FailingReads& reads, const std::string& named) {
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  for (int i = 0; i < 40 && progress_of(r).weight < 20; ++i) r.pass();
  const auto before = progress_of(r);
  REQUIRE(before.weight == 20);
  const auto writes = r.writes();
  const auto events = r.events().size();

  reads.failing = true;
  for (int i = 0; i < 5; ++i) {
    const auto result = r.pass();
    CHECK(result.failed);
    CHECK_MESSAGE(result.error.find(named) != std::string::npos, result.error);
  }
  CHECK(r.writes() == writes);  // no status, no primary, no route, no event
  CHECK(r.events().size() == events);
  const auto during = progress_of(r);
  CHECK(during.phase == before.phase);
  CHECK(during.last_applied == before.last_applied);
  CHECK(during.weight == before.weight);

  reads.failing = false;
  r.until("Succeeded");
  for (const auto& e : r.events()) {
    const std::string message = e.value("message", "");
    CHECK_MESSAGE(message.find("Restarting analysis") == std::string::npos, message);
  }
  CHECK(sim::image_of(r.primary()) == "podinfo:6.0.1");
}

}  // namespace

TEST_CASE("a tracked ConfigMap that cannot be read holds the pass, it is not a new revision") {
  Rollout r("istio", nullptr, target_using_config());
  REQUIRE(r.cluster.create({{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "podinfo-config"}, {"namespace", "default"}}},
                            {"data", {{"color", "blue"}}}}));
  FailingReads reads(r.cluster, "ConfigMap", "podinfo-config");
  r.api = &reads;
  check_outage(r, reads, "podinfo-config");
}

TEST_CASE("a primary that cannot be read holds the pass, it is not recreated") {
  Rollout r("istio");
  FailingReads reads(r.cluster, "Deployment", "podinfo-primary");
  r.api = &reads;
  check_outage(r, reads, "podinfo-primary");
}

TEST_CASE("a rollout limit that cannot be counted waits, it does not let the rollout start") {
  Rollout r("istio");
  r.base_settings.max_concurrent_rollouts = 1;
  FailingReads lists(r.cluster, "Canary", "", kube::CallInfo::Verb::List);
  r.api = &lists;
  r.until("Initialized");
  lists.failing = true;
  r.set_image("podinfo:6.0.1");
  for (int i = 0; i < 5; ++i) r.pass();
  const auto status = r.canary()["status"];
  CHECK(status["phase"] == "Waiting");
  CHECK(status.value("canaryWeight", 0) == 0);
  CHECK_MESSAGE(status.dump().find("cannot count the rollouts in progress") != std::string::npos,
                status.dump());
  lists.failing = false;
  r.until("Succeeded");
}

TEST_CASE("a status write the API server fails is named as such, a conflict as a conflict") {
  Rollout r("istio");
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  FailingReads writes(r.cluster, "Canary", "podinfo", kube::CallInfo::Verb::UpdateStatus);
  r.api = &writes;
  writes.failing = true;
  const auto result = r.pass();
  CHECK(result.failed);
  CHECK_MESSAGE(
      result.error.find("cannot write the status of default/podinfo") != std::string::npos,
      result.error);
  CHECK_MESSAGE(result.error.find("overloaded") != std::string::npos, result.error);
  CHECK(result.error.find("changed meanwhile") == std::string::npos);
  writes.failing = false;
  r.until("Succeeded");
}

// The router's objects are read before they are written: a read refused (RBAC) or timed out is
// not an absent VirtualService, so the pass fails with that error and creates nothing.
TEST_CASE("a router object that cannot be read is reported as that error, never created again") {
  const kube::ApiError refusals[] = {
      {kube::ErrorType::Forbidden, 403, "Forbidden",
       "virtualservices.networking.istio.io \"podinfo\" is forbidden: User "
       "\"system:serviceaccount:veer:veer\" cannot get resource \"virtualservices\""},
      {kube::ErrorType::Timeout, 504, "Timeout",
       "GET virtualservices podinfo: the server was unable to return a response in time"}};
  for (const auto& refusal : refusals) {
    CAPTURE(refusal.message);
    Rollout r("istio");
    FailingReads reads(r.cluster, "VirtualService", "podinfo");
    reads.error = refusal;
    WriteLog log(reads);
    r.api = &log;
    r.until("Initialized");
    r.set_image("podinfo:6.0.1");
    for (int i = 0; i < 40 && progress_of(r).weight < 20; ++i) r.pass();
    REQUIRE(progress_of(r).weight == 20);
    const auto before = r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo");

    reads.failing = true;
    log.writes.clear();
    for (int i = 0; i < 3; ++i) {
      const auto result = r.pass();
      CHECK(result.failed);
      CHECK_MESSAGE(result.error.find("cannot read VirtualService default/podinfo: " +
                                      refusal.message) != std::string::npos,
                    result.error);
      CHECK(result.error.find("already exists") == std::string::npos);
    }
    CHECK(log.count("create VirtualService") == 0);
    CHECK(log.count("update VirtualService") == 0);
    CHECK(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo") == before);

    reads.failing = false;
    r.until("Succeeded");
    CHECK(sim::image_of(r.primary()) == "podinfo:6.0.1");
  }
}

// The primary's copy of a tracked ConfigMap is read before it is written at promotion: a failed
// read is not an absent copy (creating it would fail as "already exists" and leave the old data
// under the new version), so the promotion holds, naming the copy, until the read works.
TEST_CASE("a primary ConfigMap copy that cannot be read holds the promotion, never left stale") {
  Rollout r("istio", nullptr, target_using_config());
  REQUIRE(r.cluster.create({{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "podinfo-config"}, {"namespace", "default"}}},
                            {"data", {{"color", "blue"}}}}));
  FailingReads reads(r.cluster, "ConfigMap", "podinfo-config-primary");
  r.api = &reads;
  r.until("Initialized");
  auto config = r.get("v1", "ConfigMap", "podinfo-config");
  config["data"]["color"] = "green";
  REQUIRE(r.cluster.update(config));
  r.set_image("podinfo:6.0.1");

  reads.failing = true;
  std::string error;
  for (int i = 0; i < 80 && error.empty(); ++i) {
    const auto result = r.pass();
    if (result.failed) error = result.error;
  }
  CHECK_MESSAGE(error.find("cannot read ConfigMap podinfo-config-primary") != std::string::npos,
                error);
  CHECK(sim::image_of(r.primary()) == "podinfo:6.0.0");
  CHECK(r.get("v1", "ConfigMap", "podinfo-config-primary")["data"]["color"] == "blue");

  reads.failing = false;
  r.until("Succeeded");
  CHECK(sim::image_of(r.primary()) == "podinfo:6.0.1");
  CHECK(r.get("v1", "ConfigMap", "podinfo-config-primary")["data"]["color"] == "green");
}

// Absent is not a read error, but it is worth saying: pods that use a ConfigMap that does not
// exist do not start, and the wait for them names it (before, the reference was found and dropped).
TEST_CASE("a ConfigMap the pods use that does not exist is named in the wait for them") {
  Rollout r("istio", nullptr, target_using_config());  // no ConfigMap podinfo-config
  r.unready.insert("podinfo-primary");
  for (int i = 0; i < 5; ++i) r.pass();
  const auto rollout = r.canary()["status"].value("rollout", json::object());
  CHECK(rollout.value("waitingFor", "") == "primary");
  const std::string message = rollout.value("message", "");
  CHECK_MESSAGE(message.find("(the pods use configmap/podinfo-config, which does not exist)") !=
                    std::string::npos,
                message);

  REQUIRE(r.cluster.create({{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "podinfo-config"}, {"namespace", "default"}}},
                            {"data", {{"color", "blue"}}}}));
  r.pass();
  const std::string after = r.canary()["status"]["rollout"].value("message", "");
  CHECK_MESSAGE(after.find("does not exist") == std::string::npos, after);
}
