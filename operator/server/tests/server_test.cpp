#include <doctest/doctest.h>

#include "http/client.hpp"
#include "operator/server/operator_metrics.hpp"
#include "operator/server/status_server.hpp"

using namespace veer::server;

namespace {

veer::http::Response get(int port, const std::string& path) {
  veer::http::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.timeout = std::chrono::seconds(5);
  auto reply = veer::http::send(request);
  REQUIRE(reply.ok());
  return reply.value();
}

}  // namespace

TEST_CASE("the status server answers its routes, 404 elsewhere, and stops cleanly") {
  bool ready = false;
  StatusServer server("127.0.0.1", 0,
                      {{"/healthz",
                        [] {
                          return Reply{200, "text/plain", "ok\n"};
                        }},
                       {"/readyz", [&] {
                          return ready ? Reply{200, "text/plain", "ready\n"}
                                       : Reply{503, "text/plain", "informers not synced\n"};
                        }}});
  REQUIRE(server.port() > 0);
  CHECK(get(server.port(), "/healthz").body == "ok\n");
  auto not_ready = get(server.port(), "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.body == "informers not synced\n");
  ready = true;
  CHECK(get(server.port(), "/readyz?verbose").status == 200);
  CHECK(get(server.port(), "/nope").status == 404);
  server.stop();
  server.stop();  // idempotent

  CHECK_THROWS_WITH_AS(StatusServer("not-an-ip", 0, {}),
                       "cannot listen on 'not-an-ip': not an IP address", std::runtime_error);
}

TEST_CASE("/metrics carries Flagger's series under veer_ and veer's own") {
  OperatorMetrics metrics("istio");
  ReconcileSample report;
  report.ns = "shop";
  report.name = "podinfo";
  report.target = "podinfo";
  report.strategy = "canary";
  report.status = ReconcileSample::Status::Progressing;
  report.canary_weight = 30;
  report.verdicts = {{"request-success-rate", "pass", 99.5}};
  metrics.observe(report, 0.02);
  report.status = ReconcileSample::Status::Other;
  report.canary_weight = 0;
  report.verdicts.clear();
  report.run_end = ReconcileSample::RunEnd::Succeeded;
  metrics.observe(report, 0.2);
  metrics.set_queue_depth([] { return std::size_t{3}; });

  StatusServer server("127.0.0.1", 0,
                      {{"/metrics", [&] {
                          return Reply{200, "text/plain; version=0.0.4", metrics.render()};
                        }}});
  auto text = get(server.port(), "/metrics").body;
  for (const char* line : {
           "veer_info{version=\"" VEER_VERSION "\",mesh_provider=\"istio\"} 1",
           "veer_canary_total{namespace=\"shop\"} 1",
           "veer_canary_status{name=\"podinfo\",namespace=\"shop\"} 1",
           "veer_canary_weight{workload=\"podinfo-primary\",namespace=\"shop\"} 100",
           "veer_canary_weight{workload=\"podinfo\",namespace=\"shop\"} 0",
           "veer_canary_metric_analysis{name=\"podinfo\",namespace=\"shop\",metric=\"request-"
           "success-rate\"} 99.5",
           "veer_canary_successes_total{name=\"podinfo\",namespace=\"shop\",deployment_strategy="
           "\"canary\",analysis_status=\"completed\"} 1",
           "veer_canary_duration_seconds_bucket{le=\"0.025\"} 1",
           "veer_canary_duration_seconds_count 2",
           "veer_verdicts_total{metric=\"request-success-rate\",verdict=\"pass\"} 1",
           "veer_workqueue_depth 3",
       }) {
    CAPTURE(line);
    CHECK(text.find(std::string(line) + "\n") != std::string::npos);
  }
}

TEST_CASE("a fallback handler sees every other request whole and may add headers") {
  Request seen;
  StatusServer server("127.0.0.1", 0,
                      {{"/healthz",
                        [] {
                          return Reply{200, "text/plain", "ok\n"};
                        }}},
                      [&](const Request& request) {
                        seen = request;
                        Reply reply{201, "text/html", "made"};
                        reply.headers.push_back({"Location", "/there"});
                        return reply;
                      });
  veer::http::Request post;
  post.method = "POST";
  post.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/a/b?x=1&y=2";
  post.headers = {{"X-Custom", "Value"}};
  post.body = "field=1";
  auto reply = veer::http::send(post);
  REQUIRE(reply.ok());
  CHECK(reply->status == 201);
  CHECK(reply->body == "made");
  CHECK(reply->headers.at("location") == "/there");
  CHECK(seen.method == "POST");
  CHECK(seen.path == "/a/b");
  CHECK(seen.query == "x=1&y=2");
  CHECK(seen.header("x-custom") == "Value");
  CHECK(seen.body == "field=1");
  CHECK(get(server.port(), "/healthz").body == "ok\n");  // routes still come first

  StatusServer plain("127.0.0.1", 0, {});
  post.url = "http://127.0.0.1:" + std::to_string(plain.port()) + "/x";
  auto refused = veer::http::send(post);
  REQUIRE(refused.ok());
  CHECK(refused->status == 405);
}
