// `veer notify` against a real receiver on loopback.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "operator/cli/command.hpp"
#include "testing/http_server.hpp"

namespace {

using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run_cli(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = veer::cli::run_veer(args, in, out, err);
  return {code, out.str(), err.str()};
}

std::string temp_file(const std::string& content) {
  std::string path = std::string(VEER_BINARY_DIR) + "/notify_test_token.txt";
  std::ofstream(path) << content;
  return path;
}

}  // namespace

TEST_CASE("veer notify sends a test message and reports success") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{200, {}, "ok"}; });
  const auto r =
      run_cli({"notify", "--type", "slack", "--address", server.url() + "/services/T/B/x",
               "--channel", "#deploys", "--message", "hello from CI"});
  CHECK(r.code == 0);
  CHECK(r.out.find("sent a test message to slack (HTTP 200)") != std::string::npos);
  REQUIRE(server.request_count() == 1);
  const auto body = nlohmann::json::parse(server.requests()[0].body);
  CHECK(body["channel"] == "#deploys");
  CHECK(body["text"].get<std::string>().find("hello from CI") != std::string::npos);
}

TEST_CASE("veer notify exits 1 with the HTTP status and body when refused") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{404, {}, "no_team"}; });
  const auto r = run_cli({"notify", "--type", "msteams", "--address", server.url() + "/hook/abc"});
  CHECK(r.code == 1);
  CHECK(r.err.find("HTTP 404: no_team") != std::string::npos);
}

TEST_CASE("veer notify with a Slack bot token sends a Bearer header and reads Slack's ok:false") {
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{
        200, {{"Content-Type", "application/json"}}, R"({"ok":false,"error":"channel_not_found"})"};
  });
  const auto token = temp_file("xoxb-test-token\n");
  const auto r =
      run_cli({"notify", "--type", "slack", "--address", server.url() + "/api/chat.postMessage",
               "--token-file", token, "--channel", "C0NOPE"});
  std::remove(token.c_str());
  CHECK(r.code == 1);
  CHECK(r.err.find("channel_not_found") != std::string::npos);
  REQUIRE(server.request_count() == 1);
  CHECK(server.requests()[0].headers.at("authorization") == "Bearer xoxb-test-token");
  CHECK(r.err.find("xoxb") == std::string::npos);
}

TEST_CASE("veer notify: unreachable receivers fail without printing the secret URL") {
  std::string address;
  {
    HttpServer gone([](const HttpRequest&) { return HttpResponse{}; });
    address = gone.url() + "/hooks/very-secret-path";
  }  // stopped: nothing listens there now
  const auto r = run_cli({"notify", "--type", "webhook", "--address", address, "--timeout", "2s"});
  CHECK(r.code == 1);
  CHECK(r.err.find("unreachable") != std::string::npos);
  CHECK(r.err.find("very-secret-path") == std::string::npos);
}

TEST_CASE("veer notify usage errors exit 64") {
  CHECK(run_cli({"notify", "--address", "http://127.0.0.1:1/x"}).code == 64);  // no --type
  CHECK(run_cli({"notify", "--type", "pager", "--address", "http://x"}).code == 64);
  CHECK(run_cli({"notify", "--type", "discord"}).code == 64);  // no --address
  CHECK(run_cli({"notify", "--type", "slack", "--address", "http://x", "--timeout", "soon"}).code ==
        64);
}
