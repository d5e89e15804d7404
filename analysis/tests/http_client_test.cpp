// The HTTP client's bounds and fences against misbehaving loopback servers: endless and oversized
// answers, trickles, silence, too many calls at once, URLs the policy refuses; and the redaction
// and escaping every caller relies on.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "analysis/providers/prometheus.hpp"
#include "analysis/tests/support/raw_server.hpp"
#include "http/client.hpp"
#include "http/outbound_policy.hpp"
#include "http/printable.hpp"
#include "http/redact.hpp"
#include "testing/text.hpp"

namespace http = veer::http;

using veer::analysis::testing::RawServer;
using namespace std::chrono_literals;

namespace {

using veer::testing::contains;

// Restores the process-wide policy when a test that changed it ends.
struct PolicyGuard {
  http::OutboundPolicy saved = http::outbound_policy();
  ~PolicyGuard() { http::set_outbound_policy(saved); }
};

http::Request get(const std::string& url, std::chrono::milliseconds timeout = 5s) {
  http::Request r;
  r.url = url;
  r.timeout = timeout;
  return r;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

const std::string kChunk(16 * 1024, 'x');

}  // namespace

TEST_CASE("an endless answer is cut at the size limit, fast, naming the URL and the limit") {
  RawServer server([](RawServer::Connection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")) return;
    while (c.send(kChunk)) {
    }
  });
  auto request = get(server.url() + "/api/v1/query");
  request.max_response_bytes = 64 * 1024;
  const auto start = std::chrono::steady_clock::now();
  auto reply = http::send(request);
  REQUIRE_FALSE(reply.ok());
  CHECK(since(start) < 3s);
  CHECK(contains(reply.error().message, "GET " + server.url() + "/api/v1/query: "));
  CHECK(contains(reply.error().message, "larger than the limit of 64 KiB"));
  // What the server got into the socket is bounded by the kernel's buffers, not by its patience.
  CHECK(server.bytes_sent() < 16u * 1024 * 1024);
}

TEST_CASE("the policy's size limit applies to every call and a call cannot raise it") {
  PolicyGuard guard;
  auto policy = http::outbound_policy();
  policy.max_response_bytes = 32 * 1024;
  http::set_outbound_policy(policy);
  RawServer server([](RawServer::Connection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kChunk.size() * 4) + "\r\n\r\n" +
           kChunk + kChunk + kChunk + kChunk);
  });
  auto request = get(server.url());
  request.max_response_bytes = 1 << 30;
  auto reply = http::send(request);
  REQUIRE_FALSE(reply.ok());
  CHECK(contains(reply.error().message, "larger than the limit of 32 KiB (--max-response-size)"));
}

TEST_CASE("a declared 1 GB answer is refused before its body is read") {
  RawServer server([](RawServer::Connection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")) return;
    while (c.send(kChunk)) {
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto reply = http::send(get(server.url()));
  REQUIRE_FALSE(reply.ok());
  CHECK(since(start) < 3s);
  CHECK(contains(reply.error().message, "larger than the limit of 8 MiB"));
  CHECK(server.bytes_sent() < 16u * 1024 * 1024);
}

TEST_CASE("endless headers are cut at 64 KiB") {
  RawServer server([](RawServer::Connection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\n")) return;
    while (c.send("X-Filler: " + std::string(1000, 'y') + "\r\n")) {
    }
  });
  auto reply = http::send(get(server.url()));
  REQUIRE_FALSE(reply.ok());
  CHECK(contains(reply.error().message, "headers are larger than the limit of 64 KiB"));
}

TEST_CASE("an answer that trickles in is abandoned after the stall window") {
  RawServer server([](RawServer::Connection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")) return;
    while (c.send("x") && c.sleep_ms(100)) {
    }
  });
  auto request = get(server.url(), 30s);
  request.stall_window = 1s;
  const auto start = std::chrono::steady_clock::now();
  auto reply = http::send(request);
  REQUIRE_FALSE(reply.ok());
  CHECK(since(start) < 5s);
  CHECK(contains(reply.error().message, "slower than 1024 bytes/s for 1000 ms"));
}

TEST_CASE("one byte per second is bounded by the whole-exchange timeout") {
  RawServer server([](RawServer::Connection& c) {
    for (char byte : std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")) {
      if (!c.send(std::string(1, byte)) || !c.sleep_ms(1000)) return;
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto reply = http::send(get(server.url(), 1500ms));
  REQUIRE_FALSE(reply.ok());
  CHECK(since(start) < 4s);
  CHECK(contains(reply.error().message, "no answer within 1500 ms"));
}

TEST_CASE("a server that accepts and never answers times out") {
  RawServer server([](RawServer::Connection& c) {
    while (c.sleep_ms(50)) {
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto reply = http::send(get(server.url() + "/hook", 300ms));
  REQUIRE_FALSE(reply.ok());
  CHECK(since(start) < 2s);
  CHECK(contains(reply.error().message, "GET " + server.url() + "/hook: no answer within 300 ms"));
}

TEST_CASE("calls beyond the cap wait for a slot, and fail when none frees in time") {
  PolicyGuard guard;
  auto policy = http::outbound_policy();
  policy.max_concurrent_calls = 1;
  http::set_outbound_policy(policy);
  std::atomic<bool> answering{false};
  RawServer server([&](RawServer::Connection& c) {
    answering = true;
    while (c.sleep_ms(50)) {
    }
  });
  std::thread slow([&] { (void)http::send(get(server.url(), 2000ms)); });
  while (!answering) std::this_thread::sleep_for(5ms);
  auto reply = http::send(get(server.url(), 200ms));
  slow.join();
  REQUIRE_FALSE(reply.ok());
  CHECK(contains(reply.error().message, "1 outbound calls are in flight (--max-outbound-calls)"));
}

TEST_CASE("only http and https are called, other schemes fail with a reason") {
  for (const char* url : {"file:///etc/passwd", "gopher://127.0.0.1:70/", "dict://127.0.0.1:2628/",
                          "ldap://127.0.0.1/", "ftp://127.0.0.1/", "scp://127.0.0.1/x"}) {
    CAPTURE(url);
    auto reply = http::send(get(url));
    REQUIRE_FALSE(reply.ok());
    CHECK(contains(reply.error().message,
                   std::string("GET ") + url + ": refused: only http and https"));
  }
}

TEST_CASE("link-local hosts are refused, written in the URL or resolved") {
  for (const char* url :
       {"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest",
        "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/", "http://2852039166/",
        "http://0xa9.0xfe.0xa9.0xfe/"}) {
    CAPTURE(url);
    auto reply = http::send(get(url));
    REQUIRE_FALSE(reply.ok());
    CHECK(contains(reply.error().message, "refused: the host "));
    CHECK(contains(reply.error().message, "is link-local"));
    CHECK(contains(reply.error().message, "--deny-link-local"));
  }
  auto by_name = get("http://metadata.test:8080/latest/meta-data/");
  by_name.resolve = {"metadata.test:8080:169.254.169.254"};
  auto reply = http::send(by_name);
  REQUIRE_FALSE(reply.ok());
  CHECK(contains(reply.error().message,
                 "refused: the host resolves to 169.254.169.254, which is link-local"));
}

TEST_CASE("--deny-link-local=false lets a link-local address through to the network") {
  PolicyGuard guard;
  auto policy = http::outbound_policy();
  policy.deny_link_local = false;
  http::set_outbound_policy(policy);
  auto reply = http::send(get("http://169.254.169.254:9/", 200ms));
  if (!reply.ok()) CHECK_FALSE(contains(reply.error().message, "refused:"));
}

TEST_CASE("with --allowed-url-hosts only the listed names, suffixes and blocks are called") {
  PolicyGuard guard;
  auto policy = http::outbound_policy();
  policy.allowed_hosts = {"*.example.com", "127.0.0.0/8"};
  http::set_outbound_policy(policy);
  RawServer server(
      [](RawServer::Connection& c) { c.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
  auto allowed = http::send(get(server.url()));
  REQUIRE(allowed.ok());
  CHECK(allowed->body == "ok");
  auto refused = http::send(get("http://localhost:" + std::to_string(server.port()) + "/"));
  REQUIRE_FALSE(refused.ok());
  CHECK(contains(refused.error().message,
                 "refused: the host localhost is not in --allowed-url-hosts (*.example.com, "
                 "127.0.0.0/8)"));
  CHECK_FALSE(http::refuse_url(policy, "https://prom.example.com/api"));
  CHECK(http::refuse_url(policy, "https://example.com.evil.io/"));
  CHECK(http::refuse_url(policy, "https://example.com/"));
  CHECK(http::check_host_pattern("10.0.0.0/33"));
  CHECK(http::check_host_pattern("https://x.io"));
  CHECK_FALSE(http::check_host_pattern("*.svc.cluster.local"));
}

TEST_CASE("userinfo, tokens and passwords never appear in a client error") {
  auto request = get("http://admin:s3cr3t-pass@127.0.0.1:1/api?api_key=k3y-value&q=up", 500ms);
  request.bearer_token = "tok-abcdef-123";
  auto reply = http::send(request);
  REQUIRE_FALSE(reply.ok());
  CHECK_FALSE(contains(reply.error().message, "s3cr3t-pass"));
  CHECK_FALSE(contains(reply.error().message, "k3y-value"));
  CHECK_FALSE(contains(reply.error().message, "tok-abcdef-123"));
  CHECK(contains(reply.error().message,
                 "GET http://<redacted>@127.0.0.1:1/api?api_key=<redacted>&q=up"));
}

TEST_CASE("redact hides known secrets, any URL's userinfo and credential query values") {
  CHECK(http::redact("see https://u:p%40ss@prom.io:9090/x?token=abc&query=up now") ==
        "see https://<redacted>@prom.io:9090/x?token=<redacted>&query=up now");
  CHECK(http::redact("bearer xoxb-123456 failed", {{"xoxb-123456", "<token>"}}) ==
        "bearer <token> failed");
  CHECK(http::redact("a abc b", {{"abc"}}) == "a abc b");  // too short to hide anything
  CHECK(http::redact("\"http://h/p?x=1\"") == "\"http://h/p?x=1\"");
  const auto secrets = http::secrets_in_url("https://user:p%40ss@host/");
  CHECK(http::redact("password p@ss and p%40ss", secrets) == "password <redacted> and <redacted>");
}

TEST_CASE("printable escapes controls, C1, bidi overrides and bad UTF-8, and nothing else") {
  CHECK(http::printable("plain \\d+ é ✓") == "plain \\d+ é ✓");
  CHECK(http::printable("a\nb.yaml:1: forged\r\x1b[31m") == "a\\nb.yaml:1: forged\\r\\x1b[31m");
  CHECK(http::printable("x\x7f\x01") == "x\\x7f\\x01");
  CHECK(http::printable("\xc2\x9b"
                        "2J") == "\\u009b2J");  // C1 CSI
  CHECK(http::printable("abc\xe2\x80\xae"
                        "txt.exe") == "abc\\u202etxt.exe");  // RLO
  CHECK(http::printable("\xe2\x81\xa6x") == "\\u2066x");     // LRI
  CHECK(http::printable("\xff\xc3") == "\\xff\\xc3");
}

TEST_CASE("a Prometheus answer of only white space or garbage is an error, never a value") {
  for (const std::string& body : {std::string(""), std::string("   \n\t  "),
                                  std::string(100000, ' '), std::string("\x1b[2J garbage")}) {
    CAPTURE(body.size());
    auto instant = veer::analysis::parse_prometheus_instant(body, "Prometheus q");
    CHECK_FALSE(instant.ok());
    auto range = veer::analysis::parse_prometheus_range(body, "Prometheus q");
    CHECK_FALSE(range.ok());
    if (!instant.ok()) CHECK(http::printable(instant.error().message) == instant.error().message);
  }
}

TEST_CASE("url_encode keeps the unreserved characters and escapes every other byte") {
  CHECK(veer::http::url_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(veer::http::url_encode("rate(x{a=\"b c\"}[1m])") ==
        "rate%28x%7Ba%3D%22b%20c%22%7D%5B1m%5D%29");
  CHECK(veer::http::url_encode("é/+&") == "%C3%A9%2F%2B%26");
  CHECK(veer::http::url_encode(std::string("a\0b", 3)) == "a%00b");
  CHECK(veer::http::url_encode("").empty());
}
