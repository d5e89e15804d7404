// The dashboard's reviews on a real kube-apiserver (VEER_TEST_KUBECONFIG, label e2e): a
// ServiceAccount token is named by TokenReview, and SubjectAccessReview lets it see only the
// namespace its Role covers, through the whole page handler. The browser side is
// e2e/dashboard/browser_test.py (label unit, on the in-memory cluster).
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "e2e/controller/tests/support/e2e_cluster.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/dashboard/dashboard.hpp"
#include "operator/dashboard/reviews.hpp"
#include "testing/text.hpp"

using namespace veer;
using namespace veer::e2e;

namespace {

// A command's last line of output: the value asked for (warnings come before it).
std::string last_line(std::string out) {
  out.erase(out.find_last_not_of("\n ") + 1);
  return out.substr(out.find_last_of('\n') + 1);
}

server::Request get(const std::string& path, const std::string& token) {
  server::Request request;
  request.method = "GET";
  request.path = path;
  request.headers = {{"authorization", "Bearer " + token}, {"host", "dashboard"}};
  return request;
}

using veer::testing::contains;

}  // namespace

TEST_CASE(
    "the dashboard on a real API server: TokenReview names the caller, "
    "SubjectAccessReview scopes it to its namespace") {
  auto cluster = E2eCluster::from_environment();  // unset: skipped; unreachable: fails
  if (!cluster) return;
  REQUIRE(cluster->install_crds().empty());
  const auto a = unique_name("veer-dash-a"), b = unique_name("veer-dash-b");
  REQUIRE(cluster->create_namespace(a).empty());
  REQUIRE(cluster->create_namespace(b).empty());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"create", "serviceaccount", "viewer", "-n", a},
           {"create", "role", "canary-viewer", "--verb=get,list", "--resource=canaries.veer.dev",
            "-n", a},
           {"create", "rolebinding", "viewer", "--role=canary-viewer",
            "--serviceaccount=" + a + ":viewer", "-n", a}}) {
    auto done = cluster->kubectl(args);
    REQUIRE_MESSAGE(done.status == 0, done.out);
  }
  auto token_out = cluster->kubectl({"create", "token", "viewer", "-n", a, "--duration=1h"});
  REQUIRE_MESSAGE(token_out.status == 0, token_out.out);
  const auto token = last_line(token_out.out);
  REQUIRE(cluster->api().create(controller::simulation::canary(a, "web", "istio")).ok());
  REQUIRE(cluster->api().create(controller::simulation::canary(b, "api", "istio")).ok());

  dashboard::KubeReviews reviews(cluster->api());
  auto user = reviews.review_token(token);
  REQUIRE_MESSAGE(user.ok(), (user.ok() ? "" : user.error().message));
  REQUIRE(user->has_value());
  CHECK((*user)->name == "system:serviceaccount:" + a + ":viewer");
  const auto& groups = (*user)->groups;
  CHECK(std::find(groups.begin(), groups.end(), "system:serviceaccounts:" + a) != groups.end());
  auto nobody = reviews.review_token("not-a-token");
  REQUIRE(nobody.ok());
  CHECK(!nobody->has_value());

  // The RoleBinding reaches the authorizer's cache within a moment.
  bool allowed = false;
  for (int i = 0; i < 50 && !allowed; ++i) {
    auto answer = reviews.review_access(**user, {a, "list"});
    REQUIRE(answer.ok());
    allowed = *answer;
    if (!allowed) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(allowed);
  CHECK(*reviews.review_access(**user, {b, "list"}) == false);
  CHECK(*reviews.review_access(**user, {a, "patch"}) == false);

  base::RealClock clock;
  dashboard::Access access(clock, "", &reviews);
  dashboard::History history;
  dashboard::Dashboard pages(cluster->api(), clock, access, history, {"", true});
  auto index = pages.handle(get("/", token));
  CHECK(index.status == 200);
  CHECK(contains(index.body, "data-canary=\"" + a + "/web\""));
  CHECK(!contains(index.body, b + "/api"));
  CHECK(pages.handle(get("/canary/" + a + "/web", token)).status == 200);
  CHECK(pages.handle(get("/canary/" + b + "/api", token)).status == 404);
  CHECK(pages.handle(get("/", "not-a-token")).status == 401);
  server::Request act = get("/canary/" + a + "/web/promote", token);
  act.method = "POST";
  CHECK(pages.handle(act).status == 403);  // may list, may not patch

  cluster->delete_namespace(a);
  cluster->delete_namespace(b);
}
