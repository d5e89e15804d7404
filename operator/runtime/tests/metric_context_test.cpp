// A Canary's template context: a Knative target's revisions come from its Service (the canary's
// is the latest created revision, the primary's the one veer routes as primary), a Service that
// cannot be read leaves {{ revision }} an error naming why, and the metrics checker's built-in
// queries for provider knative select the two revisions' Envoy clusters.
#include <doctest/doctest.h>

#include <mutex>
#include <set>

#include "analysis/templates.hpp"
#include "operator/runtime/metric_context.hpp"
#include "operator/runtime/metrics_checker.hpp"
#include "operator/runtime/tests/support/world.hpp"
#include "testing/http_server.hpp"

using namespace veer;
using nlohmann::json;

namespace {

constexpr const char* kServingV1 = "serving.knative.dev/v1";

model::Canary knative_podinfo_canary(const std::string& phase = "Progressing",
                                     const std::string& last_promoted = "podinfo-00001") {
  json c = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Canary"},
      {"metadata", {{"name", "podinfo"}, {"namespace", "shop"}}},
      {"spec",
       {{"provider", "knative"},
        {"targetRef", {{"apiVersion", kServingV1}, {"kind", "Service"}, {"name", "podinfo"}}},
        {"analysis",
         {{"interval", "1m"},
          {"threshold", 2},
          {"stepWeight", 10},
          {"metrics", json::array({{{"name", "request-success-rate"},
                                    {"interval", "1m"},
                                    {"comparison", {{"test", "bayes-binomial"}, {"margin", 0.01}}}},
                                   {{"name", "request-duration"},
                                    {"interval", "1m"},
                                    {"thresholdRange", {{"max", 500}}}}})}}}}},
      {"status", {{"phase", phase}, {"lastPromotedSpec", last_promoted}}}};
  auto parsed = model::parse_canary(c);
  for (const auto& e : parsed.errors) MESSAGE(model::to_string(e));
  REQUIRE(parsed.ok());
  return parsed.value;
}

// Creates the Knative Service podinfo in shop (primary revision 00001 in veer's annotation) with
// `latest_created` as its latest revision ("": none yet); the status is written as Knative's
// controller writes it, through the status subresource.
void add_knative_podinfo_service(runtime::testing::World& w, const std::string& latest_created) {
  json s = {{"apiVersion", kServingV1},
            {"kind", "Service"},
            {"metadata",
             {{"name", "podinfo"},
              {"namespace", "shop"},
              {"annotations", {{"veer.dev/primary-revision", "podinfo-00001"}}}}},
            {"spec", {{"template", {{"spec", {{"containers", json::array()}}}}}}}};
  auto created = w.cluster.create(s);
  REQUIRE_MESSAGE(created.ok(), created.error().message);
  if (latest_created.empty()) return;
  auto with_status = *created;
  with_status["status"] = {{"latestCreatedRevisionName", latest_created},
                           {"latestReadyRevisionName", latest_created}};
  auto written = w.cluster.update_status(with_status);
  REQUIRE_MESSAGE(written.ok(), written.error().message);
}

}  // namespace

TEST_CASE("a Knative Canary's context carries the latest and the primary revision") {
  runtime::testing::World w;
  w.add_namespace("shop");
  add_knative_podinfo_service(w, "podinfo-00002");

  const auto context = runtime::template_context(knative_podinfo_canary(), w.cluster);
  CHECK(context.revision == "podinfo-00002");
  CHECK(context.primary_revision == "podinfo-00001");
  CHECK(context.revision_problem.empty());
  auto canary_side = analysis::render_query("{{ revision }}|{{ route }}", context, "t");
  REQUIRE_MESSAGE(canary_side.ok(), canary_side.error());
  CHECK(*canary_side == "podinfo-00002|podinfo-00002");  // route: Flagger's meaning for Knative
  auto primary_side =
      analysis::render_query("{{ revision }}|{{ route }}", analysis::primary_context(context), "t");
  REQUIRE_MESSAGE(primary_side.ok(), primary_side.error());
  CHECK(*primary_side == "podinfo-00001|podinfo-00001");

  // The primary is the last promoted revision (the status), not the annotation, once promoted.
  const auto later =
      runtime::template_context(knative_podinfo_canary("Progressing", "podinfo-00000"), w.cluster);
  CHECK(later.primary_revision == "podinfo-00000");
}

TEST_CASE("a Knative Service that cannot be read or has no revision is a reason, not a name") {
  runtime::testing::World w;
  w.add_namespace("shop");
  const auto canary = knative_podinfo_canary();

  const auto missing = runtime::template_context(canary, w.cluster);
  CHECK(missing.revision.empty());
  CHECK(missing.revision_problem.find("shop/podinfo") != std::string::npos);
  auto rendered = analysis::render_query("x{{ revision }}", missing, "request-success-rate");
  REQUIRE_FALSE(rendered.ok());
  CHECK(rendered.error().message.find("{{ revision }}") != std::string::npos);
  CHECK(rendered.error().message.find(missing.revision_problem) != std::string::npos);

  add_knative_podinfo_service(w, "");
  const auto no_revision = runtime::template_context(canary, w.cluster);
  CHECK(no_revision.revision.empty());
  CHECK(no_revision.revision_problem.find("latestCreatedRevisionName") != std::string::npos);

  kube::ApiError forbidden;
  forbidden.type = kube::ErrorType::Forbidden;
  forbidden.code = 403;
  forbidden.message = "services.serving.knative.dev is forbidden";
  w.cluster.fail_next("get", forbidden);
  const auto refused = runtime::template_context(canary, w.cluster);
  CHECK(refused.revision.empty());
  CHECK(refused.revision_problem.find("forbidden") != std::string::npos);
}

TEST_CASE("a Deployment's context has no revision and reads no Knative Service") {
  runtime::testing::World w;
  w.add_namespace("shop");
  auto canary = knative_podinfo_canary();
  canary.spec.provider = "istio";
  canary.spec.target_ref.api_version = "apps/v1";
  canary.spec.target_ref.kind = "Deployment";
  kube::ApiError broken;
  broken.message = "the Service was read";
  w.cluster.fail_next("get", broken);  // any read would take this
  const auto context = runtime::template_context(canary, w.cluster);
  CHECK(context.revision.empty());
  CHECK(context.revision_problem.empty());
  auto rendered = analysis::render_query("{{ revision }}", context, "t");
  REQUIRE_FALSE(rendered.ok());
  CHECK(rendered.error().message.find("only a Knative Service target") != std::string::npos);
}

TEST_CASE("the metrics checker queries a Knative Canary's built-ins by revision") {
  runtime::testing::World w;
  w.add_namespace("shop");
  add_knative_podinfo_service(w, "podinfo-00002");
  std::mutex lock;
  std::set<std::string> clusters;  // the envoy_cluster_name each query selects
  veer::testing::HttpServer prometheus([&](const veer::testing::HttpRequest& r) {
    const auto query = r.param("query");
    const std::string label = "envoy_cluster_name=~\"";
    const auto at = query.find(label);
    if (at != std::string::npos) {
      const auto from = at + label.size();
      std::lock_guard<std::mutex> hold(lock);
      clusters.insert(query.substr(from, query.find('"', from) - from));
    }
    json body = {{"status", "success"},
                 {"data",
                  {{"resultType", "vector"},
                   {"result", json::array({{{"metric", json::object()},
                                            {"value", json::array({1700000000, "99.9"})}}})}}}};
    return veer::testing::HttpResponse{200, {{"Content-Type", "application/json"}}, body.dump()};
  });
  runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
  const auto result = checker.analyze(knative_podinfo_canary());
  REQUIRE(result.metrics.size() == 2);
  CHECK(result.metrics[1].outcome == controller::MetricOutcome::Pass);  // 99.9 ms <= 500
  // The comparison counts both sides: the latest revision and the primary revision.
  std::lock_guard<std::mutex> hold(lock);
  CHECK(clusters == std::set<std::string>{"shop/podinfo-00001", "shop/podinfo-00002"});
}
