#include <doctest/doctest.h>

#include <atomic>

#include <nlohmann/json.hpp>

#include "operator/webhooks/http_hook_poster.hpp"
#include "operator/webhooks/webhook_runner.hpp"
#include "testing/http_server.hpp"

using namespace veer::webhooks;
using veer::model::WebhookType;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

veer::model::Canary canary_with(std::vector<veer::model::CanaryWebhook> hooks) {
  veer::model::Canary c;
  c.metadata.name = "podinfo";
  c.metadata.namespace_ = "test";
  c.status.phase = veer::model::CanaryPhase::Progressing;
  c.status.last_applied_spec = "rev-b";
  c.status.tracked_configs = {{"configmap/podinfo-config", "abcd"}};
  veer::model::Analysis a;
  a.webhooks = std::move(hooks);
  c.spec.analysis = a;
  return c;
}

veer::model::CanaryWebhook hook(WebhookType type, const std::string& name, const std::string& url) {
  veer::model::CanaryWebhook w;
  w.type = type;
  w.name = name;
  w.url = url;
  return w;
}

}  // namespace

TEST_CASE("a rollout hook POSTs Flagger's payload and passes on 200") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{200, {}, "ok"}; });
  auto h = hook(WebhookType::PreRollout, "smoke", server.url() + "/gate/approve");
  h.metadata = {{"type", "bash"}, {"cmd", "curl -s http://podinfo-canary.test:9898/"}};
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  auto result = runner.run(canary_with({h}), WebhookType::PreRollout);
  CHECK(result.passed);
  REQUIRE(server.request_count() == 1);
  auto request = server.requests()[0];
  CHECK(request.method == "POST");
  CHECK(request.path == "/gate/approve");
  CHECK(request.headers["content-type"] == "application/json");
  auto body = nlohmann::json::parse(request.body);
  CHECK(body["name"] == "podinfo");
  CHECK(body["namespace"] == "test");
  CHECK(body["phase"] == "Progressing");
  CHECK(body["checksum"] == status_checksum(canary_with({}).status));
  CHECK(body["metadata"]["type"] == "bash");
  CHECK(body["metadata"]["cmd"] == "curl -s http://podinfo-canary.test:9898/");
}

TEST_CASE("the checksum follows the revision and its configs") {
  auto c = canary_with({});
  auto base = status_checksum(c.status);
  c.status.tracked_configs["configmap/podinfo-config"] = "ffff";
  CHECK(status_checksum(c.status) != base);
}

TEST_CASE("only hooks of the asked type run, the first failure decides and names the hook") {
  HttpServer good([](const HttpRequest&) { return HttpResponse{202, {}, ""}; });
  HttpServer bad([](const HttpRequest&) { return HttpResponse{403, {}, "gate closed"}; });
  auto c = canary_with({hook(WebhookType::ConfirmPromotion, "first", good.url()),
                        hook(WebhookType::Rollout, "load", good.url()),
                        hook(WebhookType::ConfirmPromotion, "approval", bad.url() + "/gate/halt")});
  c.spec.analysis->webhooks[2].mute_alert = true;
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  auto result = runner.run(c, WebhookType::ConfirmPromotion);
  CHECK_FALSE(result.passed);
  CHECK(result.mute_alert);
  CHECK(result.message.find("approval") != std::string::npos);
  CHECK(result.message.find("403: gate closed") != std::string::npos);
  CHECK(good.request_count() == 1);  // the rollout hook did not run
  CHECK(bad.request_count() == 1);   // 403 is not retried
}

TEST_CASE("5xx answers are retried `retries` times") {
  std::atomic<int> calls{0};
  HttpServer flaky([&](const HttpRequest&) {
    return ++calls < 3 ? HttpResponse{503, {}, "busy"} : HttpResponse{200, {}, ""};
  });
  auto h = hook(WebhookType::Rollout, "load", flaky.url());
  h.retries = 2;
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  CHECK(runner.run(canary_with({h}), WebhookType::Rollout).passed);
  CHECK(calls == 3);

  calls = -10;  // always 503 now
  auto failed = runner.run(canary_with({h}), WebhookType::Rollout);
  CHECK_FALSE(failed.passed);
  CHECK(failed.message.find("503") != std::string::npos);
  CHECK(failed.message.find("after 3 attempts") != std::string::npos);
}

TEST_CASE("a hook that never answers fails at its timeout with a message naming the URL") {
  HttpServer silent([](const HttpRequest&) {
    HttpResponse r;
    r.never_answer = true;
    return r;
  });
  auto h = hook(WebhookType::ConfirmRollout, "gate", silent.url() + "/gate/check");
  h.timeout = std::chrono::milliseconds(200);
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  auto result = runner.run(canary_with({h}), WebhookType::ConfirmRollout);
  CHECK_FALSE(result.passed);
  CHECK(result.message.find(silent.url() + "/gate/check") != std::string::npos);
  CAPTURE(result.message);
  CHECK(result.message.find("no answer within 200 ms") != std::string::npos);

  auto refused = hook(WebhookType::ConfirmRollout, "gone", "http://127.0.0.1:1/");
  auto r2 = runner.run(canary_with({refused}), WebhookType::ConfirmRollout);
  CHECK_FALSE(r2.passed);
  CHECK(r2.message.find("127.0.0.1:1") != std::string::npos);
}

TEST_CASE("rollback hooks: a 2xx asks for a rollback, anything else does not") {
  HttpServer rollback([](const HttpRequest& r) {
    return r.path == "/rollback/check" ? HttpResponse{200, {}, ""} : HttpResponse{403, {}, ""};
  });
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  auto closed =
      runner.run(canary_with({hook(WebhookType::Rollback, "rb", rollback.url() + "/closed")}),
                 WebhookType::Rollback);
  CHECK_FALSE(closed.passed);
  auto open = runner.run(
      canary_with({hook(WebhookType::Rollback, "rb", rollback.url() + "/rollback/check")}),
      WebhookType::Rollback);
  CHECK(open.passed);
  CHECK(open.message.find("asked for a rollback") != std::string::npos);
  // The hook's URL is named with its credentials redacted.
  auto url = rollback.url();
  url.insert(url.find("://") + 3, "ops:s3cret-pw@");
  auto secret = runner.run(
      canary_with({hook(WebhookType::Rollback, "rb", url + "/rollback/check?token=t0ken-value")}),
      WebhookType::Rollback);
  CHECK(secret.passed);
  CHECK(secret.message.find("asked for a rollback") != std::string::npos);
  CHECK(secret.message.find("s3cret-pw") == std::string::npos);
  CHECK(secret.message.find("t0ken-value") == std::string::npos);
}

TEST_CASE("event hooks get eventMessage/eventType/timestamp that user metadata cannot override") {
  HttpServer receiver([](const HttpRequest&) { return HttpResponse{200, {}, ""}; });
  auto h = hook(WebhookType::Event, "events", receiver.url() + "/events");
  h.metadata = {{"eventType", "spoofed"}, {"team", "web"}};
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  auto failures = runner.send_event(canary_with({h}), "Advance podinfo.test canary weight 10",
                                    false, 1700000000123);
  CHECK(failures.empty());
  REQUIRE(receiver.request_count() == 1);
  auto body = nlohmann::json::parse(receiver.requests()[0].body);
  CHECK(body["metadata"]["eventMessage"] == "Advance podinfo.test canary weight 10");
  CHECK(body["metadata"]["eventType"] == "Normal");
  CHECK(body["metadata"]["timestamp"] == "1700000000123");
  CHECK(body["metadata"]["team"] == "web");

  // Without an event hook the global --event-webhook is used.
  HttpServer global([](const HttpRequest&) { return HttpResponse{500, {}, "down"}; });
  auto failed = runner.send_event(canary_with({}), "Canary failed!", true, 1, global.url());
  CHECK(global.request_count() == 1);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].find("500") != std::string::npos);
}

TEST_CASE("a hook's failure message hides URL credentials and escapes the reply") {
  HttpServer forging([](const HttpRequest&) {
    return HttpResponse{400, {}, "denied\ncanary.yaml:1: forged\x1b[2J" + std::string(70000, 'z')};
  });
  const std::string url = "http://ci:hook-pass-123@127.0.0.1:" + std::to_string(forging.port()) +
                          "/gate?token=tok-456789";
  HttpHookPoster poster;
  WebhookRunner runner(poster, std::chrono::milliseconds(0));
  auto result = runner.run(canary_with({hook(WebhookType::ConfirmRollout, "gate", url)}),
                           WebhookType::ConfirmRollout);
  CHECK_FALSE(result.passed);
  CAPTURE(result.message);
  CHECK(result.message.find("hook-pass-123") == std::string::npos);
  CHECK(result.message.find("tok-456789") == std::string::npos);
  CHECK(result.message.find("http://<redacted>@127.0.0.1") != std::string::npos);
  CHECK(result.message.find('\x1b') == std::string::npos);
  CHECK(result.message.find('\n') == std::string::npos);
  // The 70 KB reply is over the 64 KiB a webhook reply may take.
  CHECK(result.message.find("larger than the limit of 64 KiB") != std::string::npos);

  HttpServer small([](const HttpRequest&) { return HttpResponse{400, {}, "no\x1b[2J"}; });
  auto short_reply =
      runner.run(canary_with({hook(WebhookType::ConfirmRollout, "gate", small.url())}),
                 WebhookType::ConfirmRollout);
  CHECK(short_reply.message.find("400: no\\x1b[2J") != std::string::npos);
}
