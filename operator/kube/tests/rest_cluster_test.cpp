// RestCluster against a scripted HTTP server (testing/http_server.hpp): paths, headers, error
// mapping, discovery caching, credentials, timeouts and watch streams. TLS and the real API
// server are covered by the conformance suite (VEER_TEST_KUBECONFIG).
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "operator/kube/rate_limiter.hpp"
#include "operator/kube/rest_cluster.hpp"
#include "testing/http_server.hpp"

using namespace std::chrono_literals;
using namespace veer::kube;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

const ResourceType kConfigMapKind{"", "v1", "", "ConfigMap"};
const ResourceType kCanary{"veer.dev", "v1beta1", "canaries", ""};

HttpResponse json(int status, const Json& body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, body.dump()};
}

Json status(int code, const std::string& reason, const std::string& message) {
  return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"code", code},     {"reason", reason},   {"message", message}};
}

// A small fake API: discovery for core/v1 and veer.dev/v1beta1, one ConfigMap.
HttpResponse fake_api(const HttpRequest& r) {
  if (r.path == "/api/v1")
    return json(
        200,
        {{"kind", "APIResourceList"},
         {"resources",
          Json::array({{{"name", "configmaps"}, {"kind", "ConfigMap"}, {"namespaced", true}},
                       {{"name", "namespaces"}, {"kind", "Namespace"}, {"namespaced", false}}})}});
  if (r.path == "/apis/veer.dev/v1beta1")
    return json(
        200,
        {{"kind", "APIResourceList"},
         {"resources",
          Json::array({{{"name", "canaries"}, {"kind", "Canary"}, {"namespaced", true}},
                       {{"name", "canaries/status"}, {"kind", "Canary"}, {"namespaced", true}}})}});
  if (r.path.rfind("/apis/", 0) == 0 && r.path.find("/namespaces/") == std::string::npos)
    return json(404, status(404, "NotFound", "the server could not find the requested resource"));
  if (r.path == "/api/v1/namespaces/default/configmaps/a") {
    if (r.method == "PUT")
      return json(
          409,
          status(
              409, "Conflict",
              "Operation cannot be fulfilled on configmaps \"a\": the object has been modified"));
    return json(
        200, {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", "a"}, {"namespace", "default"}, {"resourceVersion", "7"}}}});
  }
  if (r.path == "/api/v1/namespaces/default/configmaps" && r.param("watch") == "1")
    return HttpResponse{
        200,
        {{"Content-Type", "application/json"}},
        R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"8"}}})"
        "\n"
        R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})"
        "\n"
        R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}})"
        "\n"};
  if (r.path == "/api/v1/namespaces/default/configmaps")
    return json(200,
                {{"kind", "ConfigMapList"},
                 {"metadata",
                  {{"resourceVersion", "12"}, {"continue", r.param("limit") == "1" ? "next" : ""}}},
                 {"items", Json::array({{{"metadata", {{"name", "a"}}}}})}});
  if (r.path == "/apis/veer.dev/v1beta1/namespaces/shop/canaries/web/status")
    return json(200, {{"metadata", {{"name", "web"}}}, {"status", {{"phase", "Progressing"}}}});
  return json(404, status(404, "NotFound",
                          "configmaps \"" + r.path.substr(r.path.rfind('/') + 1) + "\" not found"));
}

ClientConfig config_for(const HttpServer& server) {
  ClientConfig config;
  config.server = server.url();
  config.origin = "test kubeconfig";
  config.token = "t0ken";
  return config;
}

}  // namespace

TEST_CASE("requests carry the token and go to the discovered path, discovery is cached") {
  HttpServer server(fake_api);
  veer::base::RealClock clock;
  RestCluster cluster(config_for(server), clock);
  for (int i = 0; i < 3; ++i) {
    auto got = cluster.get(ObjectRef{kConfigMapKind, "default", "a"});
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
    CHECK(resource_version_of(*got) == "7");
  }
  auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].path == "/api/v1");
  CHECK(requests[1].path == "/api/v1/namespaces/default/configmaps/a");
  CHECK(requests[1].headers.at("authorization") == "Bearer t0ken");
  CHECK(cluster.request_counts()["get"] == 3);
}

TEST_CASE("API errors keep the Status reason and message and name the request") {
  HttpServer server(fake_api);
  veer::base::RealClock clock;
  RestCluster cluster(config_for(server), clock);
  auto missing = cluster.get(ObjectRef{kConfigMapKind, "default", "nope"});
  REQUIRE(missing.is(ErrorType::NotFound));
  CHECK(missing.error().message.find("configmaps \"nope\" not found") != std::string::npos);
  CHECK(missing.error().message.find(server.url() + "/api/v1/namespaces/default/configmaps/nope") !=
        std::string::npos);

  Json a = *cluster.get(ObjectRef{kConfigMapKind, "default", "a"});
  auto conflict = cluster.update(a);
  REQUIRE(conflict.is(ErrorType::Conflict));
  CHECK(conflict.error().code == 409);

  auto no_crd = cluster.get(ObjectRef{
      ResourceType{"networking.istio.io", "v1beta1", "", "VirtualService"}, "default", "x"});
  REQUIRE(no_crd.is(ErrorType::NotFound));
  CHECK(no_crd.error().message.find("VirtualService") != std::string::npos);
  CHECK(no_crd.error().message.find("CustomResourceDefinition") != std::string::npos);
}

TEST_CASE("list pages, status subresource paths and apply's content type and field manager") {
  HttpServer server(fake_api);
  veer::base::RealClock clock;
  RestCluster cluster(config_for(server), clock);
  ListOptions page;
  page.limit = 1;
  page.label_selector = "app in (web,api)";
  auto listed = cluster.list(kConfigMapKind, "default", page);
  REQUIRE(listed.ok());
  CHECK(listed->continue_token == "next");
  CHECK(listed->resource_version == "12");
  CHECK(listed->items.at(0)["kind"] == "ConfigMap");  // filled in: lists omit it
  CHECK(server.requests().back().param("labelSelector") == "app in (web,api)");

  PatchOptions apply;
  apply.force = true;
  apply.status = true;
  auto patched = cluster.patch(ObjectRef{kCanary, "shop", "web"}, PatchType::Apply,
                               {{"status", {{"phase", "Progressing"}}}}, apply);
  REQUIRE_MESSAGE(patched.ok(), (patched.ok() ? "" : patched.error().message));
  auto sent = server.requests().back();
  CHECK(sent.method == "PATCH");
  CHECK(sent.path == "/apis/veer.dev/v1beta1/namespaces/shop/canaries/web/status");
  CHECK(sent.headers.at("content-type") == "application/apply-patch+yaml");
  CHECK(sent.param("fieldManager") == "veer");
  CHECK(sent.param("force") == "true");
}

TEST_CASE("a watch streams events line by line and ends with the server's error") {
  HttpServer server(fake_api);
  veer::base::RealClock clock;
  RestCluster cluster(config_for(server), clock);
  WatchOptions options;
  options.resource_version = "7";
  options.timeout = 300s;
  auto stream = cluster.watch(kConfigMapKind, "default", options);
  REQUIRE_MESSAGE(stream.ok(), (stream.ok() ? "" : stream.error().message));
  auto added = (*stream)->next();
  REQUIRE(added.has_value());
  CHECK(added->type == WatchEvent::Type::Added);
  CHECK(name_of(added->object) == "a");
  auto bookmark = (*stream)->next();
  REQUIRE(bookmark.has_value());
  CHECK(bookmark->type == WatchEvent::Type::Bookmark);
  auto error = (*stream)->next();
  REQUIRE(error.has_value());
  CHECK(error->type == WatchEvent::Type::Error);
  CHECK(error->object["code"] == 410);
  CHECK_FALSE((*stream)->next().has_value());
  auto sent = server.requests().back();
  CHECK(sent.param("resourceVersion") == "7");
  CHECK(sent.param("allowWatchBookmarks") == "true");
  CHECK(sent.param("timeoutSeconds") == "300");
}

TEST_CASE("a server that does not answer times out, naming the URL") {
  HttpServer server([](const HttpRequest& r) {
    if (r.path == "/api/v1") return fake_api(r);
    HttpResponse silent;
    silent.never_answer = true;
    return silent;
  });
  veer::base::RealClock clock;
  ClientConfig config = config_for(server);
  config.timeout = 300ms;
  RestCluster cluster(config, clock);
  auto got = cluster.get(ObjectRef{kConfigMapKind, "default", "a"});
  REQUIRE(got.is(ErrorType::Timeout));
  CHECK(got.error().message.find(server.url()) != std::string::npos);
  server.stop();
}

TEST_CASE("an unreachable server is a transport error that names the URL and the kubeconfig") {
  int port;
  {
    HttpServer closed(fake_api);
    port = closed.port();
  }
  ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  config.origin = "kubeconfig /tmp/kc, context dev";
  veer::base::RealClock clock;
  RestCluster cluster(config, clock);
  auto version = cluster.check();
  REQUIRE(version.is(ErrorType::Transport));
  CHECK(version.error().message.find(config.server + "/version") != std::string::npos);
  CHECK(version.error().message.find("kubeconfig /tmp/kc, context dev") != std::string::npos);
  CHECK(version.error().message.find("connection refused") != std::string::npos);
}

TEST_CASE("a bad server URL or CA is a configuration error on first use") {
  veer::base::RealClock clock;
  ClientConfig config;
  config.server = "ftp://example";
  config.origin = "kubeconfig /kc, context c";
  RestCluster bad_url(config, clock);
  CHECK(bad_url.check().is(ErrorType::Configuration));
  config.server = "https://127.0.0.1:1";
  config.ca_data = "not a certificate";
  RestCluster bad_ca(config, clock);
  auto checked = bad_ca.check();
  REQUIRE(checked.is(ErrorType::Configuration));
  CHECK(checked.error().message.find("certificate-authority-data") != std::string::npos);
}

TEST_CASE("a token file is re-read when it rotates, an exec plugin runs once per token") {
  HttpServer server(fake_api);
  veer::base::RealClock clock;
  auto dir = std::filesystem::temp_directory_path() / ("veer-cred-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto token_file = dir / "token";
  std::ofstream(token_file) << "first\n";
  ClientConfig config = config_for(server);
  config.token.clear();
  config.token_file = token_file.string();
  {
    RestCluster cluster(config, clock);
    REQUIRE(cluster.get(ObjectRef{kConfigMapKind, "default", "a"}).ok());
    CHECK(server.requests().back().headers.at("authorization") == "Bearer first");
    std::ofstream(token_file) << "second\n";
    std::filesystem::last_write_time(token_file, std::filesystem::last_write_time(token_file) + 2s);
    REQUIRE(cluster.get(ObjectRef{kConfigMapKind, "default", "a"}).ok());
    CHECK(server.requests().back().headers.at("authorization") == "Bearer second");
  }
  auto plugin = dir / "plugin.sh";
  auto runs = dir / "runs";
  std::ofstream(plugin)
      << "#!/bin/sh\necho run >> " << runs.string()
      << "\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
         "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"'$REGION'-tok\"}}'\n";
  std::filesystem::permissions(plugin, std::filesystem::perms::owner_all);
  config.token_file.clear();
  config.exec = ExecPlugin{plugin.string(), {}, {{"REGION", "eu"}}, ""};
  {
    RestCluster cluster(config, clock);
    REQUIRE(cluster.get(ObjectRef{kConfigMapKind, "default", "a"}).ok());
    REQUIRE(cluster.get(ObjectRef{kConfigMapKind, "default", "a"}).ok());
    CHECK(server.requests().back().headers.at("authorization") == "Bearer eu-tok");
    std::ifstream in(runs);
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    CHECK(lines == 1);
  }
  config.exec = ExecPlugin{(dir / "missing-plugin").string(), {}, {}, ""};
  RestCluster broken(config, clock);
  auto failed = broken.get(ObjectRef{kConfigMapKind, "default", "a"});
  REQUIRE(failed.is(ErrorType::Configuration));
  CHECK(failed.error().message.find("missing-plugin") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the rate limiter allows a burst, then qps, waiting on the clock") {
  veer::base::SimulatedClock clock;
  RateLimiter limiter(clock, 2, 3);
  for (int i = 0; i < 3; ++i) CHECK(limiter.try_acquire());
  CHECK_FALSE(limiter.try_acquire());
  auto start = clock.now();
  std::thread waiter([&] { limiter.acquire(); });
  clock.wait_for_waiters(1);
  CHECK(*clock.next_deadline() - start == 500ms);
  clock.advance(500ms);
  waiter.join();
  CHECK_FALSE(limiter.try_acquire());
  clock.advance(1s);
  CHECK(limiter.try_acquire());
  CHECK(limiter.try_acquire());
  CHECK_FALSE(limiter.try_acquire());
}

TEST_CASE("the rate limiter serves work that is due before the work waiting ahead of it") {
  veer::base::SimulatedClock clock;
  RateLimiter limiter(clock, 1, 1);
  CHECK(limiter.try_acquire());
  std::atomic<bool> change_done{false}, due_done{false};
  std::thread change([&] {  // queued by a watch event: can wait
    limiter.acquire();
    change_done = true;
  });
  clock.wait_for_waiters(1);
  std::thread due([&] {  // a step that fell due, asking after the other
    DueWork scope;
    limiter.acquire();
    due_done = true;
  });
  clock.wait_for_waiters(2);
  clock.advance(1s);  // one token: the due work's, whichever thread wakes first
  due.join();
  CHECK(due_done);
  CHECK_FALSE(change_done);
  clock.wait_for_waiters(1);
  clock.advance(1s);
  change.join();
  CHECK(change_done);
  CHECK_FALSE(DueWork::active());  // the scope was the other thread's
}

TEST_CASE("a new rate reaches a caller already waiting for its token, and keeps what was saved") {
  veer::base::SimulatedClock clock;
  RateLimiter limiter(clock, 1, 1);
  CHECK(limiter.try_acquire());
  const auto start = clock.now();
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    limiter.acquire();
    done = true;
  });
  clock.wait_for_waiters(1);
  CHECK(*clock.next_deadline() - start == 1s);  // a token a second
  limiter.set_rate(10, 20);
  // The waiter looks again at once: its token now comes in a tenth of a second.
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (clock.next_deadline() != start + 100ms && std::chrono::steady_clock::now() < give_up)
    std::this_thread::yield();
  REQUIRE(clock.next_deadline() == start + 100ms);
  clock.advance(100ms);
  waiter.join();
  CHECK(done);
  clock.advance(2s);  // 20 saved at the new rate
  for (int i = 0; i < 20; ++i) CHECK(limiter.try_acquire());
  CHECK_FALSE(limiter.try_acquire());
  clock.advance(2s);
  limiter.set_rate(1, 5);  // a smaller burst: what was saved is cut to it
  for (int i = 0; i < 5; ++i) CHECK(limiter.try_acquire());
  CHECK_FALSE(limiter.try_acquire());
}

TEST_CASE("a 429 is retried after its Retry-After, waiting on the clock, and a lasting 429 ends") {
  std::atomic<int> refusals{2};
  HttpServer server([&](const HttpRequest& r) {
    if (r.path == "/api/v1/namespaces/default/configmaps/a" && refusals.fetch_sub(1) > 0) {
      auto busy = json(429, status(429, "TooManyRequests", "too many requests, try again"));
      busy.headers["Retry-After"] = "3";
      return busy;
    }
    return fake_api(r);
  });
  veer::base::SimulatedClock clock;
  RestCluster cluster(config_for(server), clock);
  std::optional<Result<Json>> got;
  std::thread caller([&] { got = cluster.get(ObjectRef{kConfigMapKind, "default", "a"}); });
  const auto start = clock.now();
  for (int i = 0; i < 2; ++i) {
    // The caller sleeps on the simulated clock until Retry-After has passed.
    REQUIRE(server.wait_for_requests(static_cast<std::size_t>(2 + i)));
    clock.wait_for_waiters(1);
    clock.advance(3s);
  }
  caller.join();
  REQUIRE(got.has_value());
  REQUIRE_MESSAGE(got->ok(), (got->ok() ? "" : got->error().message));
  CHECK(clock.now() - start == 6s);
  CHECK(cluster.request_counts()["throttled"] == 2);
  CHECK(cluster.request_counts()["get"] == 1);

  refusals = 1'000;  // never lets up: the call ends with the 429 after 10 retries
  std::optional<Result<Json>> refused;
  std::thread second([&] { refused = cluster.get(ObjectRef{kConfigMapKind, "default", "a"}); });
  for (int i = 0; i < 10; ++i) {
    REQUIRE(server.wait_for_requests(static_cast<std::size_t>(5 + i)));
    clock.wait_for_waiters(1);
    clock.advance(3s);
  }
  second.join();
  REQUIRE(refused.has_value());
  CHECK(refused->is(ErrorType::TooManyRequests));
  CHECK(cluster.request_counts()["throttled"] == 12);
}
