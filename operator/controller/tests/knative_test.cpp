// A Canary whose target is a Knative Service, on the in-memory cluster with a Knative stand-in
// (simulation::knative_pass makes a Revision per template and marks it Ready): no primary copy,
// traffic moved between the recorded primary revision and the latest one, promotion and rollback
// recorded in the Canary's status, and a restart at every write reaching the same end.
#include <doctest/doctest.h>

#include <algorithm>
#include <ostream>
#include <set>

#include "operator/controller/tests/support/killed_rollout.hpp"
#include "operator/controller/tests/support/rollout.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;
using nlohmann::json;

namespace {

constexpr const char* kServing = "serving.knative.dev/v1";

json knative_canary() {
  auto c = sim::canary("default", "podinfo", "knative");
  c["spec"]["targetRef"] = {{"apiVersion", kServing}, {"kind", "Service"}, {"name", "podinfo"}};
  c["spec"].erase("service");
  return c;
}

json knative_service(const std::string& image) {
  return {{"apiVersion", kServing},
          {"kind", "Service"},
          {"metadata", {{"name", "podinfo"}, {"namespace", "default"}}},
          {"spec",
           {{"template",
             {{"metadata", {{"labels", {{"app", "podinfo"}}}}},
              {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}};
}

json service(Rollout& r) {
  return r.get(kServing, "Service", "podinfo");
}

void set_knative_image(Rollout& r, const std::string& image) {
  auto s = service(r);
  s["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  REQUIRE(r.cluster.update(s));
}

// spec.traffic as "<revision or latest>=<percent>" pairs, in order.
std::string traffic(Rollout& r) {
  std::string out;
  for (const auto& t : service(r)["spec"].value("traffic", json::array())) {
    out += out.empty() ? "" : " ";
    out += t.value("latestRevision", false) ? "latest" : t.value("revisionName", "?");
    out += "=" + std::to_string(t.value("percent", -1));
  }
  return out;
}

std::string primary_annotation(Rollout& r) {
  return service(r).value("/metadata/annotations/veer.dev~1primary-revision"_json_pointer,
                          std::string());
}

std::string status_text(Rollout& r, const char* key) {
  return r.canary().value("status", json::object()).value(key, "");
}

}  // namespace

TEST_CASE("a Knative rollout moves traffic between revisions and promotes the new one") {
  Rollout r("knative", knative_canary(), knative_service("podinfo:6.0.0"));
  r.until("Initialized");
  CHECK(traffic(r) == "latest=0 podinfo-00001=100");
  CHECK(primary_annotation(r) == "podinfo-00001");
  CHECK(status_text(r, "lastPromotedSpec") == "podinfo-00001");
  // No primary copy, no generated Services: the revisions are the primary and the canary.
  CHECK(r.get(kServing, "Service", "podinfo-primary").is_null());
  for (const char* name : {"podinfo", "podinfo-primary", "podinfo-canary"})
    CHECK(r.get("v1", "Service", name).is_null());

  // A new revision that is not ready gets no traffic and does not advance.
  r.unready = {"podinfo-00002"};
  set_knative_image(r, "podinfo:6.0.1");
  for (int i = 0; i < 4; ++i) r.pass();
  CHECK(r.phase() == "Progressing");
  CHECK(r.canary()["status"]["canaryWeight"] == 0);
  CHECK(traffic(r) == "latest=0 podinfo-00001=100");
  // The wait for the new revision is said once, from the pass that saw it (docs/operator.md).
  const auto rollout = r.canary()["status"]["rollout"];
  CHECK(rollout.value("waitingFor", "") == "canary");
  CHECK_MESSAGE(rollout.value("message", "").find("Waiting for podinfo.default to be ready") !=
                    std::string::npos,
                rollout.dump());

  r.unready.clear();
  std::set<int> weights;
  for (int i = 0; i < 80 && r.phase() != "Succeeded"; ++i) {
    r.pass();
    if (r.phase() == "Progressing") weights.insert(r.canary()["status"].value("canaryWeight", 0));
  }
  CAPTURE(r.last_error);
  REQUIRE(r.phase() == "Succeeded");
  CHECK(weights.count(10) == 1);
  CHECK(weights.count(50) == 1);
  CHECK(traffic(r) == "latest=0 podinfo-00002=100");
  CHECK(primary_annotation(r) == "podinfo-00002");
  CHECK(status_text(r, "lastPromotedSpec") == "podinfo-00002");
  CHECK(r.get("apps/v1", "Deployment", "podinfo-primary").is_null());
}

TEST_CASE("a failing Knative revision is rolled back to the recorded primary revision") {
  Rollout r("knative", knative_canary(), knative_service("podinfo:6.0.0"));
  r.until("Initialized");
  set_knative_image(r, "podinfo:6.0.1-bad");
  bool shifted = false;
  for (int i = 0; i < 60 && r.phase() != "Failed"; ++i) {
    r.pass();
    shifted |= traffic(r) == "latest=10 podinfo-00001=90";
  }
  CAPTURE(r.last_error);
  REQUIRE(r.phase() == "Failed");
  CHECK(shifted);
  CHECK(traffic(r) == "latest=0 podinfo-00001=100");
  CHECK(primary_annotation(r) == "podinfo-00001");
  CHECK(status_text(r, "lastPromotedSpec") == "podinfo-00001");
  CHECK(status_text(r, "lastAppliedSpec") == "podinfo-00002");

  // A fixed revision rolls out next, from the same recorded primary.
  set_knative_image(r, "podinfo:6.0.2");
  r.until("Succeeded", 80);
  CHECK(traffic(r) == "latest=0 podinfo-00003=100");
  CHECK(status_text(r, "lastPromotedSpec") == "podinfo-00003");
}

TEST_CASE("a Knative revision that Knative gives up on is rolled back without waiting") {
  Rollout r("knative", knative_canary(), knative_service("podinfo:6.0.0"));
  r.until("Initialized");
  r.unready = {"podinfo-00002"};
  set_knative_image(r, "podinfo:6.0.1");
  r.pass();
  REQUIRE(r.phase() == "Progressing");
  auto revision = r.get(kServing, "Revision", "podinfo-00002");
  revision["status"]["conditions"] = {{{"type", "Ready"},
                                       {"status", "False"},
                                       {"reason", "ContainerMissing"},
                                       {"message", "image podinfo:6.0.1 not found"}}};
  REQUIRE(r.cluster.update_status(revision));  // the stand-in leaves a failed revision failed
  r.until("Failed", 3);
  const std::string message = r.canary()["status"]["rollout"].value("message", "");
  CHECK(message.find("revision podinfo-00002 failed (ContainerMissing: image podinfo:6.0.1 not "
                     "found)") != std::string::npos);
  CHECK(traffic(r) == "latest=0 podinfo-00001=100");
}

// What users read of a Knative rollout names its revisions: there is no -primary copy, and veer
// scales nothing (Knative scales revisions).
TEST_CASE("Knative rollout messages name the revisions, never a primary copy or a scaling") {
  Rollout r("knative", knative_canary(), knative_service("podinfo:6.0.0"));
  std::set<std::string> said;  // status messages and Event messages
  auto pass_and_look = [&] {
    r.pass();
    said.insert(r.canary()["status"]["rollout"].value("message", ""));
    for (const auto& e : r.events()) said.insert(e.value("message", ""));
  };
  auto run_until = [&](const std::string& phase) {
    for (int i = 0; i < 80 && r.phase() != phase; ++i) pass_and_look();
    CAPTURE(r.last_error);
    REQUIRE(r.phase() == phase);
  };
  r.unready = {"podinfo-00001"};
  for (int i = 0; i < 3; ++i) pass_and_look();
  r.unready.clear();
  run_until("Initialized");
  set_knative_image(r, "podinfo:6.0.1");
  run_until("Succeeded");
  set_knative_image(r, "podinfo:6.0.2-bad");
  run_until("Failed");

  auto saw = [&](const std::string& text) {
    return std::any_of(said.begin(), said.end(),
                       [&](const std::string& m) { return m.find(text) != std::string::npos; });
  };
  for (const auto& message : said) {
    CHECK_MESSAGE(message.find("-primary") == std::string::npos, message);
    CHECK_MESSAGE(message.find("Scaling") == std::string::npos, message);
  }
  CHECK(
      saw("Waiting for revision podinfo-00001 of podinfo.default to be ready: revision "
          "podinfo-00001 is not ready yet"));
  CHECK(saw("New revision detected! Testing revision podinfo-00002 of podinfo.default"));
  CHECK(saw("Waiting for revision podinfo-00002 of podinfo.default to become the primary"));
  CHECK(saw("Promotion completed! revision podinfo-00002 of podinfo.default serves all traffic"));
  CHECK(saw("New revision detected! Testing revision podinfo-00003 of podinfo.default"));
  CHECK(saw("Rolling back podinfo.default"));
}

namespace {

struct KnativeEndState {
  std::string phase;
  std::string traffic;
  std::string annotation;
  std::string last_promoted;
  bool operator==(const KnativeEndState&) const = default;
  friend std::ostream& operator<<(std::ostream& out, const KnativeEndState& s) {
    return out << s.phase << " traffic=" << s.traffic << " annotation=" << s.annotation
               << " promoted=" << s.last_promoted;
  }
};

KnativeEndState knative_end_state(Rollout& r) {
  return {r.phase(), traffic(r), primary_annotation(r), status_text(r, "lastPromotedSpec")};
}

// Initialization, then `image` rolled out to its end (run_killed). Returns the most writes one
// reconcile made.
int run_knative(Rollout& r, int die_at, const std::string& image) {
  return run_killed(r, die_at, {[&](Rollout& rollout) { set_knative_image(rollout, image); }});
}

}  // namespace

TEST_CASE("a Knative rollout killed at every write reaches the same end") {
  for (const std::string& image : std::vector<std::string>{"podinfo:6.0.1", "podinfo:6.0.1-bad"}) {
    CAPTURE(image);
    Rollout clean("knative", knative_canary(), knative_service("podinfo:6.0.0"));
    const int most_writes = run_knative(clean, 0, image);
    const auto expected = knative_end_state(clean);
    CHECK(expected.phase == (image == "podinfo:6.0.1" ? "Succeeded" : "Failed"));
    REQUIRE(most_writes >= 2);
    for (int k = 1; k <= most_writes; ++k) {
      CAPTURE(k);
      Rollout r("knative", knative_canary(), knative_service("podinfo:6.0.0"));
      run_knative(r, k, image);
      CAPTURE(r.last_error);
      CHECK(knative_end_state(r) == expected);
    }
  }
}
