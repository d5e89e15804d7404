// Secrets never leave through an output channel (issue 14): a whole rollout through the real
// runtime and the real outbound collaborators (the metrics checker against a Prometheus that
// wants basic auth from a Secret, rollout webhooks whose URL carries a password and a token,
// Slack alerts whose address comes from an AlertProvider's Secret), with outages on every one of
// them so the error paths speak too; then every channel an operator writes to is searched for
// the distinctive secret values: logs, Events, the Canary's status, /metrics, and the texts sent
// to Slack.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <sstream>

#include "operator/controller/simulation.hpp"
#include "operator/notify/curl_transport.hpp"
#include "operator/notify/delivery_queue.hpp"
#include "operator/notify/metrics_text.hpp"
#include "operator/runtime/alert_sink.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/metrics_checker.hpp"
#include "operator/runtime/simulated_driver.hpp"
#include "operator/runtime/tests/support/stop_on_exit.hpp"
#include "operator/runtime/tests/support/world.hpp"
#include "operator/webhooks/http_hook_poster.hpp"
#include "testing/http_server.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

using namespace veer;
using namespace std::chrono_literals;
using nlohmann::json;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

const std::string kPrometheusPassword = "prom-pw-Zq81xKv";
const std::string kHookPassword = "hook-pw-Yv73tLm";
const std::string kHookToken = "hook-tk-Wm42pQa";
const std::string kSlackPath = "/services/T0SCRT/B0SCRT/slk-Xr55nBd";
const std::vector<std::string> kSecrets = {kPrometheusPassword, kHookPassword, kHookToken,
                                           "slk-Xr55nBd", "B0SCRT/slk"};

json secret(const std::string& name, const json& data) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"stringData", data}};
}

// Every secret value found in `text`, for the failure message.
std::vector<std::string> leaked(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& s : kSecrets)
    if (text.find(s) != std::string::npos) found.push_back(s);
  return found;
}

using veer::runtime::testing::StopOnExit;

}  // namespace

TEST_CASE("a whole rollout with outages leaks no secret to logs, events, status, metrics, Slack") {
  std::atomic<bool> prometheus_down{false}, canary_bad{false}, hook_down{false};
  HttpServer prometheus([&](const HttpRequest& r) -> HttpResponse {
    if (prometheus_down) return {500, {}, "internal error"};
    if (r.headers.count("authorization") == 0) return {401, {}, "no credentials"};
    const double value =
        canary_bad && r.param("query").find("primary") == std::string::npos ? 50 : 99.9;
    return {200,
            {{"Content-Type", "application/json"}},
            json{{"status", "success"},
                 {"data",
                  {{"resultType", "vector"},
                   {"result", json::array({{{"metric", json::object()},
                                            {"value", {1700000000, std::to_string(value)}}}})}}}}
                .dump()};
  });
  HttpServer hooks([&](const HttpRequest&) -> HttpResponse {
    if (hook_down) return {503, {}, "hook down"};
    return {200, {}, "ok"};
  });
  std::atomic<int> slack_calls{0};
  HttpServer slack([&](const HttpRequest&) -> HttpResponse {
    // Every other delivery fails once: the retry and its error are logged.
    return ++slack_calls % 2 ? HttpResponse{500, {}, "slack is down"} : HttpResponse{200, {}, "ok"};
  });

  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_app("shop", "podinfo");
  REQUIRE(w.cluster.create(
      secret("prom-auth", {{"username", "veer"}, {"password", kPrometheusPassword}})));
  REQUIRE(w.cluster.create(secret("slack-hook", {{"address", slack.url() + kSlackPath}})));
  REQUIRE(w.cluster.create({{"apiVersion", "veer.dev/v1beta1"},
                            {"kind", "MetricTemplate"},
                            {"metadata", {{"name", "success"}, {"namespace", "shop"}}},
                            {"spec",
                             {{"provider",
                               {{"type", "prometheus"},
                                {"address", prometheus.url()},
                                {"secretRef", {{"name", "prom-auth"}}}}},
                              {"query", "success{workload=\"{{ target }}\"}"}}}}));
  REQUIRE(w.cluster.create(
      {{"apiVersion", "veer.dev/v1beta1"},
       {"kind", "AlertProvider"},
       {"metadata", {{"name", "on-call"}, {"namespace", "shop"}}},
       {"spec",
        {{"type", "slack"}, {"channel", "deploys"}, {"secretRef", {{"name", "slack-hook"}}}}}}));
  auto canary = w.get("veer.dev/v1beta1", "Canary", "shop", "podinfo");
  auto& analysis = canary["spec"]["analysis"];
  analysis["metrics"] = json::array({{{"name", "success"},
                                      {"interval", "1m"},
                                      {"templateRef", {{"name", "success"}}},
                                      {"thresholdRange", {{"min", 99}}}}});
  const std::string hook_url = "http://hook-user:" + kHookPassword +
                               "@127.0.0.1:" + std::to_string(hooks.port()) +
                               "/gate?token=" + kHookToken;
  analysis["webhooks"] = json::array({{{"name", "gate"}, {"type", "rollout"}, {"url", hook_url}},
                                      {{"name", "tell"}, {"type", "event"}, {"url", hook_url}}});
  analysis["alerts"] = json::array(
      {{{"name", "team"}, {"severity", "info"}, {"providerRef", {{"name", "on-call"}}}}});
  REQUIRE(w.cluster.update(canary));

  std::ostringstream logs;
  runtime::Logger logger(logs, runtime::LogFormat::json, runtime::LogLevel::debug);
  // The notification queue logs through spdlog's default logger: captured as well.
  std::ostringstream spdlog_lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(spdlog_lines);
  spdlog::default_logger()->sinks().push_back(sink);
  struct RemoveSink {
    std::shared_ptr<spdlog::sinks::sink> sink;
    ~RemoveSink() {
      auto& sinks = spdlog::default_logger()->sinks();
      sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
    }
  } remove_sink{sink};
  auto settings = runtime::testing::simulated_settings();
  settings.logger = &logger;
  settings.reconciler.event_webhook = hook_url;
  runtime::Manager m(w.cluster, w.clock, settings);
  REQUIRE(m.check().empty());
  notify::CurlTransport transport;
  notify::DeliveryQueue deliveries(w.clock, transport);
  runtime::AnalysisMetricsChecker checker(m.cache(), w.clock, {"http://127.0.0.1:9"});
  runtime::NotifyAlertSink alerts(m.cache(), w.clock, deliveries, {}, &logger);
  webhooks::HttpHookPoster poster;
  StopOnExit stop_on_exit{m};
  m.start({poster, checker, alerts});
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto kubelet = [&] { w.kubelet("shop"); };
  auto phase_is = [&](const char* phase) {
    return [&w, phase] { return w.phase("shop", "podinfo") == phase; };
  };

  REQUIRE(driver.run_until(phase_is("Initialized"), 10min, kubelet));
  // A good revision, through a Prometheus outage and a webhook outage (both hold the step).
  w.set_image("shop", "podinfo", "podinfo:6.0.1");
  REQUIRE(driver.run_until(phase_is("Progressing"), 10min, kubelet));
  prometheus_down = true;
  driver.run_for(3min, kubelet);
  prometheus_down = false;
  hook_down = true;  // one failed rollout check (threshold is 2)
  driver.run_for(1min, kubelet);
  hook_down = false;
  REQUIRE(driver.run_until(phase_is("Succeeded"), 120min, kubelet));
  // A bad revision, rolled back.
  canary_bad = true;
  w.set_image("shop", "podinfo", "podinfo:6.0.2");
  REQUIRE(driver.run_until(phase_is("Failed"), 120min, kubelet));
  deliveries.wait_until_idle(10s);
  m.stop();

  // The channels spoke (so the search below means something) ...
  CHECK(prometheus.request_count() > 0);
  CHECK(hooks.request_count() > 0);
  CHECK(slack.request_count() > 0);
  const auto log_text = logs.str() + spdlog_lines.str();
  CHECK(spdlog_lines.str().find("are failing") != std::string::npos);
  CHECK(log_text.find("hook-user") == std::string::npos);
  auto events = w.cluster.list(kube::type_of("v1", "Event"), "shop");
  REQUIRE(events);
  CHECK(events->items.size() > 3);

  // ... and none carried a secret.
  CAPTURE(log_text.size());
  CHECK_MESSAGE(leaked(log_text).empty(), "logs leak " << leaked(log_text).front());
  const auto events_text = json(events->items).dump();
  CHECK_MESSAGE(leaked(events_text).empty(), "events leak " << leaked(events_text).front());
  // The spec holds the hook URL the user wrote; what veer writes is the status and metadata.
  auto written = w.get("veer.dev/v1beta1", "Canary", "shop", "podinfo");
  written.erase("spec");
  const auto status_text = written.dump();
  CHECK_MESSAGE(leaked(status_text).empty(), "the Canary leaks " << leaked(status_text).front());
  // The hook's failure was told, with its URL redacted.
  CHECK((events_text + log_text).find("http://<redacted>@127.0.0.1:") != std::string::npos);
  const auto metrics_text =
      m.metrics_text() + notify::prometheus_text(deliveries.by_provider(), deliveries.pending());
  CHECK_MESSAGE(leaked(metrics_text).empty(), "/metrics leaks " << leaked(metrics_text).front());
  std::string sent;
  for (const auto& r : slack.requests()) sent += r.body;
  for (const auto& r : hooks.requests()) sent += r.body;
  CHECK_MESSAGE(leaked(sent).empty(), "notifications leak " << leaked(sent).front());
}
