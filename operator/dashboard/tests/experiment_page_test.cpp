// The Experiment pages: the history of each version's weight, reward and P(best), the page's
// charts (one series per version) and assessment, and the same namespace scoping as Canaries.
#include <doctest/doctest.h>

#include <thread>

#include "base/time_format.hpp"
#include "http/client.hpp"
#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/dashboard/dashboard.hpp"
#include "operator/dashboard/dashboard_server.hpp"
#include "operator/dashboard/tests/support/users_dashboard.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "testing/text.hpp"

using namespace veer;
using namespace veer::dashboard;
using nlohmann::json;

namespace {

constexpr const char* kHostile = "<script>alert(1)</script>";

using veer::testing::contains;

// The status after look `look` (of 10): the candidate `express` gains weight and P(best); at
// look 3 `one-page` is cut off for a violated guardrail; `phase` ends it.
json status_at(int look, const std::string& phase = "Running", bool srm = false) {
  const int express = 20 + 10 * look, one_page = look >= 3 ? 0 : 30 - 5 * look;
  auto version = [&](const std::string& name, int events, int trials, double p_best,
                     const std::string& guardrail) {
    return json{{"name", name},
                {"judged", true},
                {"failed", guardrail == "violated"},
                {"live", guardrail != "violated"},
                {"guardrails",
                 {{{"metric", "request-success-rate"},
                   {"verdict", guardrail},
                   {"events", trials - 3},
                   {"trials", trials},
                   {"interval", {0.98, 0.999}},
                   {"eValue", guardrail == "violated" ? 250.0 : 0.4},
                   {"reason", guardrail == "violated" ? kHostile : ""}}}},
                {"sampleRatioMismatch", srm},
                {"sampleRatioEValue", srm ? 400.0 : 1.2},
                {"reward",
                 {{"events", events},
                  {"trials", trials},
                  {"interval", {0.01 * look, 0.02 * look + 0.05}},
                  {"probabilityBest", p_best}}}};
  };
  const double p_express = 0.3 + 0.2 * look;
  json status = {
      {"phase", phase},
      {"startTime", "2026-01-01T00:00:00Z"},
      {"lastUpdateTime", "2026-01-01T00:0" + std::to_string(look) + ":00Z"},
      {"completedIterations", look},
      {"message", "running: look " + std::to_string(look)},
      {"versions",
       {{{"name", "current"}, {"weight", 100 - express - one_page}, {"requestCount", 1000 * look}},
        {{"name", "one-page"},
         {"weight", one_page},
         {"requestCount", 300 * look},
         {"cutOff", look >= 3},
         {"failedObjectives", look >= 3 ? json{"request-success-rate"} : json::array()}},
        {{"name", "express"}, {"weight", express}, {"requestCount", 500 * look}}}},
      {"evidence",
       {{"decision", phase == "Completed" ? "winner" : "continue"},
        {"reason", phase == "Completed" ? "express is best" : "waiting for more data"},
        {"rule", "guardrails: anytime-valid"},
        {"confidence", 0.95},
        {"sampleRatioMismatch", srm},
        {"versions",
         {version("current", 50 * look, 1000 * look, 0.6 - 0.2 * look < 0 ? 0 : 0.1, "holds"),
          version("one-page", 12 * look, 300 * look, 0.05, look >= 3 ? "violated" : "inconclusive"),
          version("express", 40 * look, 500 * look, p_express > 0.98 ? 0.98 : p_express, "holds")}},
        {"state", {{"looks", look}, {"versions", json::array()}}}}}};
  if (phase == "Completed") status["winner"] = "express";
  return status;
}

json experiment(const std::string& ns, const std::string& name, json status) {
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Experiment"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec",
           {{"strategy", {{"testingPattern", "abn"}, {"traffic", "progressive"}}},
            {"duration", {{"interval", "1m"}, {"iterations", 10}}}}},
          {"status", std::move(status)}};
}

TimePoint time_at(const std::string& text) {
  return *base::parse_time(text);
}

struct ExperimentWorld {
  base::SimulatedClock clock;
  kube::MemoryCluster cluster{clock};
  ExperimentWorld() {
    for (const auto& info : controller::simulation::served_types()) cluster.add_type(info);
    cluster.add_type({controller::experiment::experiment_type(), true, true});
    for (const char* ns : {"shop", "other"})
      cluster.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    clock.set(time_at("2026-01-01T00:12:00Z"));
  }
  // Creates ns/name, or writes its status.
  void write(const std::string& ns, const std::string& name, json status) {
    auto found = cluster.get({controller::experiment::experiment_type(), ns, name});
    if (!found) {
      auto doc = experiment(ns, name, json::object());
      doc["metadata"].erase("resourceVersion");
      doc.erase("status");
      found = cluster.create(doc);
      REQUIRE(found.ok());
    }
    auto doc = *found;
    doc["status"] = std::move(status);
    REQUIRE(cluster.update_status(doc).ok());
  }
};

struct ExperimentFixture {
  ExperimentWorld world;
  dashboard::testing::UsersDashboard d{world.cluster, world.clock, "", false};
  History& history = d.history;

  // Writes the looks 1..last (then `end`, if given) and records each in the history.
  void run(const std::string& name, int last, const std::string& end = "") {
    for (int look = 1; look <= last; ++look) {
      world.write("shop", name, status_at(look, look == last && !end.empty() ? end : "Running"));
      history.observe_experiment(
          *world.cluster.get({controller::experiment::experiment_type(), "shop", name}),
          world.clock.now());
    }
  }
  server::Reply get(const std::string& token, const std::string& path) {
    server::Request request;
    request.method = "GET";
    request.path = path;
    request.headers = {{"host", "dash.example"}};
    if (!token.empty()) request.headers["authorization"] = "Bearer " + token;
    return d.dashboard.handle(request);
  }
};

}  // namespace

TEST_CASE("the history records each look of an Experiment once, with phases and cut-offs") {
  History history;
  const auto now = time_at("2026-01-01T00:30:00Z");
  for (int look = 1; look <= 4; ++look) {
    history.observe_experiment(experiment("shop", "x", status_at(look)), now);
    history.observe_experiment(experiment("shop", "x", status_at(look)), now);  // the same again
  }
  history.observe_experiment(experiment("shop", "x", status_at(4, "Completed")), now);
  const auto record = history.experiment_record("shop", "x");
  REQUIRE(record.samples.size() == 5);
  CHECK(record.samples[0].time == time_at("2026-01-01T00:01:00Z"));  // the look's own time
  CHECK(record.samples[1].versions.at("express").weight == 40);
  CHECK(record.samples[1].versions.at("one-page").weight == 20);
  CHECK(record.samples[2].versions.at("one-page").weight == 0);
  CHECK(record.samples[1].versions.at("express").reward == doctest::Approx(0.08));
  CHECK(record.samples[1].versions.at("express").reward_low == doctest::Approx(0.02));
  CHECK(record.samples[1].versions.at("express").probability_best == doctest::Approx(0.7));
  REQUIRE(record.decisions.size() == 3);
  CHECK(record.decisions[0].label == "Running");
  CHECK(record.decisions[1].label == "cut off one-page");
  CHECK(record.decisions[1].time == time_at("2026-01-01T00:03:00Z"));
  CHECK(record.decisions[2].label == "Completed");
  CHECK(record.decisions[2].evidence["decision"] == "winner");
  CHECK(!record.decisions[2].evidence.contains("state"));  // resumable state, not evidence
  CHECK(history.experiment_record("shop", "y").samples.empty());
  history.forget_experiment("shop", "x");
  CHECK(history.experiment_record("shop", "x").samples.empty());
}

TEST_CASE("an Experiment page draws every version's weight, reward and P(best) over time") {
  ExperimentFixture f;
  f.run("redesign", 4, "Completed");
  auto page = f.get("t-shop", "/experiment/shop/redesign");
  REQUIRE(page.status == 200);
  const auto& body = page.body;
  for (const char* chart : {"weights", "reward", "probability-best"}) {
    CAPTURE(chart);
    for (const char* version : {"current", "one-page", "express"}) {
      CAPTURE(version);
      CHECK(contains(body, "data-chart=\"" + std::string(chart) + "\""));
      const auto series = "data-series=\"" + std::string(version) + "\" data-points=\"4\"";
      // Each chart is its own <svg>: look for the series after the chart's start.
      const auto start = body.find("data-chart=\"" + std::string(chart) + "\"");
      const auto end = body.find("</svg>", start);
      CHECK(body.substr(start, end - start).find(series) != std::string::npos);
    }
  }
  // The decisions marked on the charts, with the evidence they were taken on.
  CHECK(contains(body, "data-decision=\"Running\""));
  CHECK(contains(body, "data-decision=\"cut off one-page\""));
  CHECK(contains(body, "data-decision=\"Completed\""));
  CHECK(contains(body, "<details class=\"evidence-then\"><summary>winner: express is best"));
  CHECK(contains(body, "data-version=\"then:express\""));
  // The summary: pattern, winner, time to decision, the sample-ratio guard.
  CHECK(contains(body, "<td id=\"pattern\">abn, progressive</td>"));
  CHECK(contains(body, "<td id=\"winner\">winner express</td>"));
  CHECK(contains(body, "<td id=\"time-to-decision\">decided after 4m0s</td>"));
  CHECK(contains(body, "<td id=\"looks\">4 of 10</td>"));
  CHECK(contains(body, "<td id=\"srm\"><span class=\"verdict-pass\">ok</span>"));
  // The last look's assessment per version: guardrail, reward estimate, interval, P(best).
  CHECK(contains(body, "data-version=\"one-page\""));
  CHECK(contains(body,
                 "<td class=\"verdict-violated\">violated</td><td>1197 / 1200</td>"
                 "<td>[0.98, 0.999]</td><td>250</td>"));
  CHECK(contains(body,
                 "<tr data-reward=\"express\"><td>reward</td><td data-key=\"estimate\">0.08"
                 "</td><td>160 / 2000</td><td data-key=\"interval\">[0.04, 0.13]</td>"));
  CHECK(contains(body, "<td data-key=\"probabilityBest\">P(best) 0.98</td>"));
  CHECK(!contains(body, kHostile));
  CHECK(contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
}

TEST_CASE("a sample-ratio mismatch and a running Experiment's leader are shown") {
  ExperimentFixture f;
  f.world.write("shop", "skewed", status_at(2, "Running", true));
  auto body = f.get("t-shop", "/experiment/shop/skewed").body;
  CHECK(contains(body, "<td id=\"srm\"><span class=\"verdict-fail\">mismatch"));
  CHECK(contains(body, "<tr data-srm=\"mismatch\">"));
  CHECK(contains(body, "<td id=\"winner\">leading: express (P(best) 0.7)</td>"));
  CHECK(contains(body, "<td id=\"time-to-decision\">running for 12m0s</td>"));
  // Nothing recorded (a dashboard started later): the status alone gives one point per version.
  CHECK(contains(body, "data-series=\"express\" data-points=\"1\""));
  auto index = f.get("t-shop", "/").body;
  CHECK(contains(index, "<tr data-experiment=\"shop/skewed\">"));
  CHECK(contains(index, "<a href=\"/experiment/shop/skewed\">skewed</a>"));
  CHECK(contains(index,
                 "<td>abn</td><td>2/10</td><td>leading: express (P(best) 0.7)</td>"
                 "<td>running for 12m0s</td>"));
  CHECK(contains(index, "express: 40%, 1000 requests, 0 failed, P(best) 0.7"));
}

TEST_CASE("Experiment pages need a token and are scoped by namespace as Canary pages are") {
  ExperimentFixture f;
  f.run("redesign", 2);
  CHECK(f.get("", "/experiment/shop/redesign").status == 401);
  CHECK(f.get("wrong", "/experiment/shop/redesign").status == 401);
  auto peek = f.get("t-other", "/experiment/shop/redesign");
  CHECK(peek.status == 404);  // the same answer as for one that does not exist
  CHECK(contains(peek.body, "No Experiment shop/redesign that you may see"));
  CHECK(!contains(peek.body, "<svg"));
  CHECK(!contains(f.get("t-other", "/").body, "redesign"));
  CHECK(f.get("t-shop", "/experiment/shop/missing").status == 404);
  CHECK(f.get("t-shop", "/experiment/shop/%3Cx%3E").status == 404);
  CHECK(f.get("t-shop", "/experiment/shop/redesign").status == 200);
}

// Answers as RBAC would for a team that may list canaries in shop but not experiments.
class CanariesOnly final : public Reviews {
 public:
  kube::Result<std::optional<User>> review_token(const std::string& token) override {
    if (token != "t-canaries") return std::optional<User>{};
    return std::optional<User>{User{"carol", "", {}}};
  }
  kube::Result<bool> review_access(const User&, const AccessQuestion& q) override {
    asked.push_back(q.resource);
    return q.ns == "shop" && q.resource == "canaries";
  }
  std::vector<std::string> asked;
};

TEST_CASE("seeing an Experiment needs list on experiments in its namespace, not on canaries") {
  ExperimentFixture f;
  f.run("redesign", 2);
  CanariesOnly reviews;
  Access access(f.world.clock, "", &reviews);
  Dashboard dashboard(f.world.cluster, f.world.clock, access, f.history, {});
  server::Request request;
  request.method = "GET";
  request.headers = {{"host", "dash.example"}, {"authorization", "Bearer t-canaries"}};
  request.path = "/experiment/shop/redesign";
  CHECK(dashboard.handle(request).status == 404);
  CHECK(reviews.asked == std::vector<std::string>{"experiments"});
  request.path = "/";
  auto index = dashboard.handle(request);
  CHECK(index.status == 200);
  CHECK(!contains(index.body, "redesign"));
}

TEST_CASE("the dashboard server records Experiment statuses as they change") {
  ExperimentWorld world;
  DashboardOptions options;
  options.shared_token = "t-admin";
  DashboardServer server(world.cluster, world.clock, std::move(options));
  auto page = [&] {
    http::Request request;
    request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/experiment/shop/redesign";
    request.bearer_token = "t-admin";
    auto reply = http::send(request);
    REQUIRE(reply.ok());
    return reply->body;
  };
  // Each look is written once the previous one was recorded (read from the page), so the
  // recorder's first list cannot miss one.
  for (int look = 1; look <= 3; ++look) {
    world.write("shop", "redesign", status_at(look));
    const auto drawn = "data-series=\"express\" data-points=\"" + std::to_string(look) + "\"";
    bool recorded = false;
    for (int i = 0; i < 500 && !recorded; ++i) {
      recorded = contains(page(), drawn);
      if (!recorded) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(recorded);
  }
  CHECK(server.experiment_recorder().observed() >= 3);
  server.stop();
}
