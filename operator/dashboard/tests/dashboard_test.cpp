#include <doctest/doctest.h>

#include "base/time_format.hpp"
#include "http/client.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/gates.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/dashboard/dashboard.hpp"
#include "operator/dashboard/dashboard_server.hpp"
#include "operator/dashboard/tests/support/users_dashboard.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "testing/text.hpp"

#include <thread>

using namespace veer;
using namespace veer::dashboard;
using nlohmann::json;

namespace {

constexpr const char* kScript = "<script>alert(1)</script>";

// Two namespaces with a Canary each; shop/web carries hostile text in its status.
struct World {
  base::SimulatedClock clock;
  kube::MemoryCluster cluster{clock};
  World() {
    for (const auto& info : controller::simulation::served_types()) cluster.add_type(info);
    for (const char* ns : {"shop", "other"}) {
      cluster.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    }
    add("shop", "web");
    add("other", "api");
  }
  void add(const std::string& ns, const std::string& name) {
    auto created = cluster.create(controller::simulation::canary(ns, name, "istio"));
    REQUIRE(created.ok());
    auto canary = *created;
    canary["status"] = {
        {"phase", "Progressing"},
        {"canaryWeight", 20},
        {"failedChecks", 1},
        {"rollout",
         {{"startedTime", "2026-01-01T00:00:00Z"},
          {"message", std::string("waiting ") + kScript},
          {"history",
           {{{"time", "2026-01-01T00:01:00Z"},
             {"phase", "Progressing"},
             {"weight", 10},
             {"note", kScript}},
            {{"time", "2026-01-01T00:02:00Z"},
             {"phase", "Progressing"},
             {"weight", 20},
             {"note", "weight 20"}}}}}},
        {"evidence",
         {{"time", "2026-01-01T00:02:00Z"},
          {"metrics",
           {{{"name", "request-success-rate"},
             {"verdict", "pass"},
             {"message", kScript},
             {"evidence",
              {{"test", "threshold"},
               {"value", 99.5},
               {"queries", {std::string("sum(rate(x{app=\"") + kScript + "\"}[1m]))"}}}}},
            {{"name", "\"><img src=x onerror=alert(2)>"}, {"verdict", "fail"}}}},
          {"traffic_split", {{"weight", 20}, {"observed_share", 0.21}, {"mismatch", false}}}}}};
    REQUIRE(cluster.update_status(canary).ok());
  }
};

struct Fixture {
  World world;
  dashboard::testing::UsersDashboard d;
  History& history = d.history;

  explicit Fixture(bool actions = true) : d(world.cluster, world.clock, "t-admin", actions) {}

  server::Reply call(const std::string& method, const std::string& target,
                     std::map<std::string, std::string> headers = {}, std::string body = "") {
    server::Request request;
    request.method = method;
    request.path = target.substr(0, target.find('?'));
    if (target.find('?') != std::string::npos) request.query = target.substr(target.find('?') + 1);
    headers.emplace("host", "dash.example");
    request.headers = std::move(headers);
    request.body = std::move(body);
    return d.dashboard.handle(request);
  }
  server::Reply as(const std::string& token, const std::string& method, const std::string& target,
                   std::string body = "") {
    return call(method, target, {{"authorization", "Bearer " + token}}, std::move(body));
  }
};

std::string header(const server::Reply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (k == name) return v;
  return "";
}

using veer::testing::contains;

// The session cookie from a login's Set-Cookie, as a Cookie header value.
std::string login(Fixture& f, const std::string& token) {
  auto reply = f.call("POST", "/login", {}, "token=" + token);
  REQUIRE(reply.status == 303);
  const auto cookie = header(reply, "Set-Cookie");
  CHECK(contains(cookie, "HttpOnly"));
  CHECK(contains(cookie, "SameSite=Strict"));
  return cookie.substr(0, cookie.find(';'));
}

std::string csrf_in(const std::string& page) {
  const std::string marker = "name=\"csrf\" value=\"";
  const auto at = page.find(marker);
  REQUIRE(at != std::string::npos);
  return page.substr(at + marker.size(), page.find('"', at + marker.size()) - at - marker.size());
}

json events_of(World& world, const std::string& ns) {
  auto list = world.cluster.list({"", "v1", "events", "Event"}, ns);
  REQUIRE(list.ok());
  json out = json::array();
  for (const auto& e : list->items)
    if (e.value("reason", "") == "DashboardAction") out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("every request needs a valid token: 401 with a sign-in form otherwise") {
  Fixture f;
  auto anonymous = f.call("GET", "/");
  CHECK(anonymous.status == 401);
  CHECK(header(anonymous, "WWW-Authenticate") == "Bearer realm=\"veer\"");
  CHECK(contains(anonymous.body, "action=\"/login\""));
  CHECK(!contains(anonymous.body, "shop"));
  CHECK(f.call("GET", "/canary/shop/web").status == 401);
  CHECK(f.call("POST", "/canary/shop/web/promote").status == 401);
  CHECK(f.as("wrong", "GET", "/").status == 401);
  CHECK(f.call("GET", "/", {{"cookie", "veer_session=made-up"}}).status == 401);
  CHECK(f.call("POST", "/login", {}, "token=wrong").status == 401);
  CHECK(f.call("GET", "/login").status == 200);
  CHECK(contains(header(anonymous, "Content-Security-Policy"), "default-src 'none'"));
}

TEST_CASE("a token sees only the namespaces it may list canaries in") {
  Fixture f;
  auto alice = f.as("t-shop", "GET", "/");
  CHECK(alice.status == 200);
  CHECK(contains(alice.body, "data-canary=\"shop/web\""));
  CHECK(!contains(alice.body, "other/api"));
  CHECK(contains(alice.body, "request-success-rate: <span class=\"verdict-pass\">pass</span>"));

  auto bob = f.as("t-other", "GET", "/");
  CHECK(contains(bob.body, "data-canary=\"other/api\""));
  CHECK(!contains(bob.body, "shop/web"));
  auto peek = f.as("t-other", "GET", "/canary/shop/web");
  CHECK(peek.status == 404);  // the same answer as for a Canary that does not exist
  CHECK(!contains(peek.body, "request-success-rate"));
  CHECK(f.as("t-other", "GET", "/canary/shop/nothing").status == 404);
  CHECK(f.as("t-other", "POST", "/canary/shop/web/abort").status == 404);

  auto admin = f.as("t-admin", "GET", "/");
  CHECK(contains(admin.body, "shop/web"));
  CHECK(contains(admin.body, "other/api"));
}

TEST_CASE("the rollout page shows charts and evidence with every document value escaped") {
  Fixture f;
  auto page = f.as("t-shop", "GET", "/canary/shop/web");
  REQUIRE(page.status == 200);
  CHECK(!contains(page.body, kScript));
  CHECK(!contains(page.body, "<img"));
  CHECK(contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(contains(page.body, "data-chart=\"weight\""));
  CHECK(contains(page.body, "data-series=\"weight\" data-points=\"2\""));  // from status history
  CHECK(contains(page.body, "data-chart=\"metric:request-success-rate\""));
  CHECK(contains(page.body, "data-limit=\"min\" data-value=\"99\""));  // the spec's threshold
  CHECK(contains(page.body, "data-evidence=\"traffic_split\""));
  CHECK(contains(page.body, "data-key=\"queries\""));
  CHECK(contains(page.body, "id=\"action-promote\""));
  // Names that are not Kubernetes names never reach the cluster.
  CHECK(f.as("t-shop", "GET", "/canary/shop/%3Cx%3E").status == 404);
}

TEST_CASE("recorded history adds the metric's canary and primary series and decision markers") {
  Fixture f;
  auto canary = *f.world.cluster.get({controller::canary_type(), "shop", "web"});
  canary["status"]["evidence"]["metrics"][0]["evidence"]["baseline_value"] = 99.9;
  f.history.observe(canary, f.world.clock.now());
  canary["status"]["phase"] = "Failed";
  canary["status"]["evidence"]["time"] = "2026-01-01T00:03:00Z";
  f.history.observe(canary, f.world.clock.now());
  auto page = f.as("t-shop", "GET", "/canary/shop/web").body;
  CHECK(contains(page, "data-series=\"canary\" data-points=\"2\""));
  CHECK(contains(page, "data-series=\"primary\" data-points=\"2\""));
  CHECK(contains(page, "data-decision=\"Failed\""));
  // The evidence each decision was taken on, kept although the status moved on.
  CHECK(contains(page, "class=\"evidence-then\""));
  CHECK(contains(page, "data-evidence=\"then:request-success-rate\""));
  CHECK(!contains(page, kScript));
}

TEST_CASE("actions: POST with the session's CSRF value and same origin, evented with the user") {
  Fixture f;
  const auto cookie = login(f, "t-shop");
  auto page = f.call("GET", "/canary/shop/web", {{"cookie", cookie}});
  REQUIRE(page.status == 200);
  CHECK(contains(page.body, "signed in as <b id=\"user\">alice</b>"));
  const auto csrf = csrf_in(page.body);

  CHECK(f.call("POST", "/canary/shop/web/pause", {{"cookie", cookie}}, "").status == 403);
  CHECK(f.call("POST", "/canary/shop/web/pause", {{"cookie", cookie}}, "csrf=forged").status ==
        403);
  CHECK(f.call("POST", "/canary/shop/web/pause",
               {{"cookie", cookie}, {"origin", "https://evil.example"}}, "csrf=" + csrf)
            .status == 403);
  // With Referrer-Policy no-referrer browsers send "Origin: null"; it is refused, so pages say
  // same-origin (the browser test caught this).
  CHECK(f.call("POST", "/canary/shop/web/pause", {{"cookie", cookie}, {"origin", "null"}},
               "csrf=" + csrf)
            .status == 403);
  CHECK(header(page, "Referrer-Policy") == "same-origin");
  CHECK(f.call("POST", "/login", {{"origin", "https://evil.example"}}, "token=t-shop").status ==
        403);
  CHECK(events_of(f.world, "shop").empty());

  auto done = f.call("POST", "/canary/shop/web/pause",
                     {{"cookie", cookie}, {"origin", "http://dash.example"}}, "csrf=" + csrf);
  CHECK(done.status == 303);
  CHECK(header(done, "Location") == "/canary/shop/web?done=pause");
  auto canary = *f.world.cluster.get({controller::canary_type(), "shop", "web"});
  CHECK(canary["metadata"]["annotations"].contains("veer.dev/paused"));
  auto events = events_of(f.world, "shop");
  REQUIRE(events.size() == 1);
  CHECK(contains(events[0]["message"].get<std::string>(), "pause requested by alice"));
  CHECK(events[0]["involvedObject"]["name"] == "web");
  auto after = f.call("GET", "/canary/shop/web?done=pause", {{"cookie", cookie}}).body;
  CHECK(contains(after, "pause requested"));
  CHECK(contains(after, "DashboardAction"));
  CHECK(!contains(f.call("GET", "/canary/shop/web?done=hacked", {{"cookie", cookie}}).body,
                  "hacked"));

  // A bearer header cannot be sent by another site's form: no CSRF value needed.
  CHECK(f.as("t-shop", "POST", "/canary/shop/web/promote").status == 303);
  CHECK(f.as("t-shop", "POST", "/canary/shop/web/explode").status == 404);
  CHECK(events_of(f.world, "shop").size() == 2);

  // Sign out ends the session.
  CHECK(f.call("POST", "/logout", {{"cookie", cookie}}, "csrf=" + csrf).status == 303);
  CHECK(f.call("GET", "/", {{"cookie", cookie}}).status == 401);
}

TEST_CASE("each action has the CLI's effect: the same annotations, and an Event naming the user") {
  const auto annotations = [](World& world, const std::string& ns, const std::string& name) {
    auto canary = world.cluster.get({controller::canary_type(), ns, name});
    REQUIRE(canary.ok());
    return (*canary)["metadata"].value("annotations", json::object());
  };
  World untouched;
  for (const std::string action : {"promote", "abort", "pause", "resume", "retry"}) {
    INFO(action);
    const auto gate = controller::parse_gate(action);
    REQUIRE(gate);
    World cli;
    Fixture f;  // its clock reads the same time as cli's
    const auto id = base::format_micro_time(cli.clock.now());
    if (*gate == controller::Gate::Resume) {  // resume a paused Canary, on both sides
      for (World* world : {&cli, &f.world})
        REQUIRE(controller::request_gate(world->cluster, "shop", "web", controller::Gate::Pause,
                                         "paused-" + id)
                    .empty());
    }
    const auto before = annotations(cli, "shop", "web");
    // `veer ACTION web -n shop` (operator/cli/gates.cpp): the request stamped with its clock.
    REQUIRE(controller::request_gate(cli.cluster, "shop", "web", *gate, id).empty());
    CHECK(f.as("t-shop", "POST", "/canary/shop/web/" + action).status == 303);
    const auto by_cli = annotations(cli, "shop", "web");
    CHECK(by_cli != before);
    CHECK(annotations(f.world, "shop", "web") == by_cli);
    CHECK(annotations(f.world, "other", "api") == annotations(untouched, "other", "api"));
    const auto events = events_of(f.world, "shop");
    REQUIRE(events.size() == 1);
    CHECK(contains(events[0]["message"].get<std::string>(),
                   action + " requested by alice from the dashboard"));
    CHECK(events[0]["involvedObject"]["name"] == "web");
  }
}

TEST_CASE("without --dashboard-actions the dashboard is read-only") {
  Fixture f(false);
  auto page = f.as("t-shop", "GET", "/canary/shop/web");
  CHECK(!contains(page.body, "id=\"action-promote\""));
  CHECK(f.as("t-shop", "POST", "/canary/shop/web/promote").status == 403);
  auto canary = *f.world.cluster.get({controller::canary_type(), "shop", "web"});
  CHECK(!canary["metadata"].value("annotations", json::object()).contains("veer.dev/promote"));
  CHECK(events_of(f.world, "shop").empty());
}

TEST_CASE("the dashboard server answers over HTTP and records statuses as they change") {
  World world;
  DashboardOptions options;
  options.shared_token = "t-admin";
  DashboardServer server(world.cluster, world.clock, std::move(options));
  auto get = [&](const std::string& path, const std::string& token) {
    http::Request request;
    request.url = "http://127.0.0.1:" + std::to_string(server.port()) + path;
    request.bearer_token = token;
    auto reply = http::send(request);
    REQUIRE(reply.ok());
    return reply.value();
  };
  CHECK(get("/", "").status == 401);
  auto index = get("/", "t-admin");
  CHECK(index.status == 200);
  CHECK(index.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(contains(index.body, "shop/web"));

  http::Request post;
  post.method = "POST";
  post.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/login";
  post.body = "token=t-admin";
  post.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  auto login = http::send(post);
  REQUIRE(login.ok());
  CHECK(login->status == 303);
  CHECK(contains(login->headers.at("set-cookie"), "veer_session="));

  // The recorder saw both Canaries (listed at start).
  for (int i = 0; i < 500 && server.recorder().observed() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(server.recorder().observed() >= 2);
  server.stop();
}

TEST_CASE("the recorder keeps recording across a dropped watch, and deletions are forgotten") {
  World world;
  DashboardOptions options;
  options.shared_token = "t-admin";
  DashboardServer server(world.cluster, world.clock, std::move(options));
  auto wait_for = [&](std::size_t n) {
    for (int i = 0; i < 1000 && server.recorder().observed() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return server.recorder().observed() >= n;
  };
  REQUIRE(wait_for(2));
  auto set_weight = [&](int weight, const std::string& look) {
    auto canary = *world.cluster.get({controller::canary_type(), "shop", "web"});
    canary["status"]["canaryWeight"] = weight;
    canary["status"]["evidence"]["time"] = look;
    canary["status"]["evidence"]["metrics"][0]["evidence"]["value"] = 99.0 + weight / 100.0;
    REQUIRE(world.cluster.update_status(canary).ok());
  };
  const auto before = server.recorder().observed();
  set_weight(30, "2026-01-01T00:03:00Z");
  REQUIRE(wait_for(before + 1));
  world.cluster.close_watches();  // as an API server restart would: the recorder relists
  set_weight(40, "2026-01-01T00:04:00Z");
  REQUIRE(wait_for(before + 2));

  auto page = [&] {
    http::Request request;
    request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/canary/shop/web";
    request.bearer_token = "t-admin";
    auto reply = http::send(request);
    REQUIRE(reply.ok());
    return reply->body;
  };
  bool recorded = false;
  for (int i = 0; i < 200 && !recorded; ++i) {
    recorded = contains(page(), "data-series=\"canary\" data-points=\"3\"");
    if (!recorded) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(recorded);  // the initial look, 00:03 and 00:04
  server.stop();
}

TEST_CASE("the index lists Experiments that have a status, with each version's assessment") {
  Fixture f;
  f.world.cluster.add_type({{"veer.dev", "v1beta1", "experiments", "Experiment"}, true, true});
  for (const char* name : {"running", "new"}) {
    f.world.cluster.create({{"apiVersion", "veer.dev/v1beta1"},
                            {"kind", "Experiment"},
                            {"metadata", {{"name", name}, {"namespace", "shop"}}},
                            {"spec", json::object()}});
  }
  auto x = *f.world.cluster.get(
      {{"veer.dev", "v1beta1", "experiments", "Experiment"}, "shop", "running"});
  x["status"] = {
      {"phase", "Running"},
      {"completedIterations", 3},
      {"versions",
       {{{"name", "current"}, {"weight", 60}, {"requestCount", 900}},
        {{"name", "<b>one-page</b>"},
         {"weight", 40},
         {"requestCount", 600},
         {"failedObjectives", {"latency"}}}}},
      {"evidence",
       {{"versions", {{{"name", "<b>one-page</b>"}, {"reward", {{"probabilityBest", 0.83}}}}}}}}};
  REQUIRE(f.world.cluster.update_status(x).ok());
  auto index = f.as("t-shop", "GET", "/").body;
  CHECK(contains(index, "id=\"experiments\""));
  CHECK(contains(index, ">running<"));
  CHECK(!contains(index, ">new<"));  // no status yet: nothing to show
  CHECK(contains(index, "&lt;b&gt;one-page&lt;/b&gt;: 40%, 600 requests, 1 failed, P(best) 0.83"));
  CHECK(!contains(f.as("t-other", "GET", "/").body, "id=\"experiments\""));
}
