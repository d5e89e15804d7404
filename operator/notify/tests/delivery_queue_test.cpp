// The delivery queue against a real HTTP receiver on loopback, with time simulated: retries,
// Retry-After, a receiver that never answers, deduplication, a full queue, and a Slack outage
// that must not hold up a rollout.
#include "operator/notify/delivery_queue.hpp"

#include <atomic>
#include <memory>
#include <sstream>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "operator/notify/curl_transport.hpp"
#include "operator/notify/tests/support/samples.hpp"
#include "testing/http_server.hpp"

namespace veer::notify {
namespace {

using namespace std::chrono_literals;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

constexpr auto kRealWait = 10000ms;  // upper bound for waits on conditions; never reached

Destination slack_at(const HttpServer& server, const std::string& path = "/services/T0/B0/s3cr3t") {
  Destination d;
  d.type = ProviderType::slack;
  d.address = server.url() + path;
  d.channel = "#deploys";
  d.label = "AlertProvider test/on-call";
  return d;
}

Notification step(int weight) {
  Notification n = notify::testing::waiting_promotion_sample();
  n.phase = "Progressing";
  n.severity = Severity::info;
  n.weight = weight;
  n.message = "Advance podinfo.test canary weight " + std::to_string(weight);
  return n;
}

// Captures what the queue logs, to check it is said once and without secrets.
struct LogCapture {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  LogCapture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous); }
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a notification reaches a real Slack receiver as Block Kit with a colour bar") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{200, {}, "ok"}; });
  base::SimulatedClock clock;
  CurlTransport transport;
  DeliveryQueue queue(clock, transport);

  CHECK(queue.send(notify::testing::rollback_sample(), slack_at(server)) == EnqueueResult::queued);
  REQUIRE(queue.wait_until_idle(kRealWait));

  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].path == "/services/T0/B0/s3cr3t");
  CHECK(requests[0].headers.at("content-type") == "application/json");
  const auto body = nlohmann::json::parse(requests[0].body);
  CHECK(body["channel"] == "#deploys");
  CHECK(body["attachments"][0]["color"] == "danger");
  CHECK(body["attachments"][0]["blocks"][0]["text"]["text"] == "podinfo.test");
  CHECK(queue.totals().sent == 1);
  CHECK(queue.totals().failed == 0);
  CHECK(queue.pending() == 0);
}

TEST_CASE("429 with Retry-After: the retry waits exactly that long on the clock") {
  std::atomic<int> calls{0};  // the server copies its handler: keep the count outside
  HttpServer server([&calls](const HttpRequest&) {
    if (++calls == 1) return HttpResponse{429, {{"Retry-After", "30"}}, "rate limited"};
    return HttpResponse{200, {}, "ok"};
  });
  base::SimulatedClock clock;
  const auto start = clock.now();
  CurlTransport transport;
  DeliveryQueue queue(clock, transport);

  queue.send(notify::testing::rollback_sample(), slack_at(server));
  REQUIRE(queue.wait_for_attempts(1, kRealWait));
  clock.wait_for_waiters(1);
  CHECK(clock.next_deadline() == start + 30s);

  clock.advance(29s);  // not yet due: the worker stays parked
  clock.wait_for_waiters(1);
  CHECK(server.request_count() == 1);

  clock.advance(1s);
  REQUIRE(queue.wait_until_idle(kRealWait));
  CHECK(server.request_count() == 2);
  CHECK(queue.totals().sent == 1);
  CHECK(queue.totals().retries == 1);
}

TEST_CASE("5xx answers are retried with doubling backoff, then given up and counted") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{503, {}, "unavailable"}; });
  base::SimulatedClock clock;
  const auto start = clock.now();
  CurlTransport transport;
  DeliveryOptions options;
  options.retry.max_attempts = 3;
  DeliveryQueue queue(clock, transport, options);
  LogCapture log;

  queue.send(notify::testing::rollback_sample(), slack_at(server));
  REQUIRE(queue.wait_for_attempts(1, kRealWait));
  clock.wait_for_waiters(1);
  CHECK(clock.next_deadline() == start + 1s);
  clock.advance(1s);
  REQUIRE(queue.wait_for_attempts(2, kRealWait));
  clock.wait_for_waiters(1);
  CHECK(clock.next_deadline() == start + 1s + 2s);
  clock.advance(2s);
  REQUIRE(queue.wait_until_idle(kRealWait));

  CHECK(server.request_count() == 3);
  CHECK(queue.totals().failed == 1);
  CHECK(queue.totals().sent == 0);
  CHECK(queue.totals().retries == 2);
  // Three failed attempts, one line for the outage and one for the lost message.
  CHECK(count(log.text.str(), "are failing") == 1);
  CHECK(log.text.str().find("HTTP 503") != std::string::npos);
  CHECK(count(log.text.str(), "is lost after 3 attempts") == 1);
}

TEST_CASE("a receiver that never answers times out, the log names neither URL nor token") {
  HttpServer server([](const HttpRequest&) {
    HttpResponse r;
    r.never_answer = true;
    return r;
  });
  base::SimulatedClock clock;
  CurlTransport transport;
  DeliveryOptions options;
  options.timeout = 200ms;
  options.retry.max_attempts = 2;
  DeliveryQueue queue(clock, transport, options);
  LogCapture log;

  Destination to = slack_at(server);
  to.token = "xoxb-very-secret-token";
  queue.send(notify::testing::rollback_sample(), to);
  REQUIRE(queue.wait_for_attempts(1, kRealWait));
  clock.wait_for_waiters(1);
  clock.advance(1s);
  REQUIRE(queue.wait_until_idle(kRealWait));

  CHECK(queue.totals().failed == 1);
  CHECK(server.request_count() == 2);
  CHECK(server.requests()[0].headers.at("authorization") == "Bearer xoxb-very-secret-token");
  const std::string logged = log.text.str();
  CHECK(count(logged, "are failing") == 1);
  CHECK(count(logged,
              "a notification to AlertProvider test/on-call (slack) is lost after 2 "
              "attempts") == 1);
  CHECK(logged.find("AlertProvider test/on-call") != std::string::npos);
  CHECK(logged.find("s3cr3t") == std::string::npos);
  CHECK(logged.find(std::to_string(server.port())) == std::string::npos);
  CHECK(logged.find("xoxb") == std::string::npos);
}

TEST_CASE("under the simulated clock a Slack outage does not delay a rollout by a single step") {
  // Slack holds every connection open; the rollout keeps its schedule regardless.
  HttpServer slack([](const HttpRequest&) {
    HttpResponse r;
    r.never_answer = true;
    return r;
  });
  base::SimulatedClock clock;
  const auto start = clock.now();
  CurlTransport transport;
  DeliveryQueue queue(clock, transport);  // the real 5 s timeout

  const auto interval = 1min;
  for (int weight = 10; weight <= 100; weight += 10) {  // ten analysis steps
    const auto result = queue.send(step(weight), slack_at(slack));
    CHECK(result == EnqueueResult::queued);
    clock.advance(interval);
  }
  // Every step ran on time while the first message is still waiting for Slack: no send waited.
  CHECK(clock.now() == start + 10 * interval);
  CHECK(queue.totals().queued == 10);
  CHECK(queue.totals().sent + queue.totals().failed == 0);
  CHECK(queue.pending() == 10);
  slack.stop();  // end the outage so the worker's call returns at once
}

TEST_CASE("identical messages within the window are sent once, after it, again") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{200, {}, "ok"}; });
  base::SimulatedClock clock;
  CurlTransport transport;
  DeliveryOptions options;
  options.dedupe_window = 10min;
  DeliveryQueue queue(clock, transport, options);

  const auto to = slack_at(server);
  CHECK(queue.send(step(20), to) == EnqueueResult::queued);
  clock.advance(5min);
  CHECK(queue.send(step(20), to) == EnqueueResult::duplicate);
  CHECK(queue.send(step(30), to) == EnqueueResult::queued);  // different content
  Destination other = to;
  other.channel = "#other";
  CHECK(queue.send(step(20), other) == EnqueueResult::queued);  // different destination
  clock.advance(5min);
  CHECK(queue.send(step(20), to) == EnqueueResult::queued);  // window over
  REQUIRE(queue.wait_until_idle(kRealWait));
  CHECK(server.request_count() == 4);
  CHECK(queue.totals().deduplicated == 1);
}

TEST_CASE("a full queue drops its oldest message and says so, without blocking") {
  HttpServer server([](const HttpRequest&) {
    HttpResponse r;
    r.never_answer = true;
    return r;
  });
  base::SimulatedClock clock;
  CurlTransport transport;
  DeliveryOptions options;
  options.capacity = 2;
  options.timeout = 30000ms;
  DeliveryQueue queue(clock, transport, options);

  const auto to = slack_at(server);
  queue.send(step(10), to);
  REQUIRE(server.wait_for_requests(1));  // in flight, out of the queue
  CHECK(queue.send(step(20), to) == EnqueueResult::queued);
  CHECK(queue.send(step(30), to) == EnqueueResult::queued);
  CHECK(queue.send(step(40), to) == EnqueueResult::queued_dropping_oldest);
  CHECK(queue.totals().dropped == 1);
  CHECK(queue.pending() == 3);  // one in flight, two queued
  server.stop();
}

TEST_CASE("a retry holds back later messages to its endpoint, not to others") {
  std::atomic<int> calls{0};
  HttpServer server([&calls](const HttpRequest& r) {
    if (r.path == "/x" && ++calls == 1) return HttpResponse{503, {{"Retry-After", "60"}}, ""};
    return HttpResponse{200, {}, "ok"};
  });
  base::SimulatedClock clock;
  CurlTransport transport;
  DeliveryQueue queue(clock, transport);

  queue.send(step(10), slack_at(server, "/x"));
  queue.send(step(20), slack_at(server, "/x"));
  queue.send(step(30), slack_at(server, "/y"));
  REQUIRE(server.wait_for_requests(2));
  REQUIRE(queue.wait_for_attempts(2, kRealWait));
  clock.wait_for_waiters(1);
  CHECK(server.request_count() == 2);  // x#1 failed, y delivered, x#2 waits behind x#1
  clock.advance(60s);
  REQUIRE(queue.wait_until_idle(kRealWait));

  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  auto text_of = [](const HttpRequest& r) {
    return nlohmann::json::parse(r.body)["text"].get<std::string>();
  };
  CHECK(requests[0].path == "/x");
  CHECK(requests[1].path == "/y");
  CHECK(requests[2].path == "/x");
  CHECK(requests[3].path == "/x");
  CHECK(text_of(requests[2]) == text_of(requests[0]));  // the retry first, then the next
  CHECK(text_of(requests[3]).find("weight 20") != std::string::npos);
  CHECK(queue.totals().sent == 3);
}

}  // namespace veer::notify
