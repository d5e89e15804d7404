#include <doctest/doctest.h>

#include "operator/loadgen/http_url.hpp"

using veer::loadgen::parse_http_url;

TEST_CASE("http URLs are split into host, port and target") {
  auto url = parse_http_url("http://127.0.0.1:8080/fast?x=1#frag");
  REQUIRE(url);
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == "8080");
  CHECK(url->target == "/fast?x=1");
  CHECK(url->host_header == "127.0.0.1:8080");
  auto bare = parse_http_url("http://example.com");
  REQUIRE(bare);
  CHECK(bare->port == "80");
  CHECK(bare->target == "/");
  auto v6 = parse_http_url("http://[::1]:9000/a");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "9000");
}

TEST_CASE("bad URLs fail with the reason") {
  CHECK(parse_http_url("https://x").error().message ==
        "https is not supported (the load generator speaks plain http)");
  CHECK(parse_http_url("ftp://x").error().message == "not an http:// URL");
  CHECK(parse_http_url("http://:80/").error().message == "no host");
  CHECK(parse_http_url("http://h:99999/").error().message == "port 99999 is outside 1..65535");
  CHECK(parse_http_url("http://h:8o/").error().message == "port \"8o\" is not a number");
  CHECK(parse_http_url("http://h:/").error().message == "an empty port");
}
