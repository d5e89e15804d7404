// `veer experiment run` against a real nginx on loopback (skipped when nginx is not installed),
// a port nobody listens on, a server that never answers, and bad flags.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "operator/cli/tests/support/run_cli.hpp"
#include "testing/http_server.hpp"
#include "testing/skip.hpp"

extern char** environ;

namespace {

using veer::cli::testing::Result;
using veer::cli::testing::run;
namespace fs = std::filesystem;

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A port free on 127.0.0.1 now: the kernel picks it, the socket closes, nginx binds it next.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(0);
  socklen_t size = sizeof address;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const auto address = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::string nginx_binary() {
  for (const char* path : {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"})
    if (fs::exists(path)) return path;
  return "";
}

// nginx in the foreground in a scratch folder: /fast answers 200, /broken answers 500.
class Nginx {
 public:
  explicit Nginx(const std::string& binary)
      : dir_(fs::temp_directory_path() /
             ("veer-exprun-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()))),
        port_(free_port()) {
    fs::create_directories(dir_ / "temp");
    const std::string d = dir_.string(), t = d + "/temp";
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << d
        << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
        << "events { worker_connections 256; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << t << "/body;\n  proxy_temp_path " << t << "/proxy;\n"
        << "  fastcgi_temp_path " << t << "/fastcgi;\n  uwsgi_temp_path " << t << "/uwsgi;\n"
        << "  scgi_temp_path " << t << "/scgi;\n  server {\n    listen 127.0.0.1:" << port_
        << ";\n    location = /fast { return 200 \"ok\\n\"; }\n"
        << "    location = /broken { return 500 \"broken\\n\"; }\n  }\n}\n";
    std::vector<std::string> args{binary, "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
    // Ready when the port accepts a connection (5 s at most).
    for (int i = 0; i < 100; ++i) {
      if (accepts(port_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("nginx did not listen on port " << port_);
  }
  ~Nginx() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

nlohmann::json json_of(const Result& r) {
  INFO(r.err);
  return nlohmann::json::parse(r.out);
}

const nlohmann::json& slo_of(const nlohmann::json& out, const std::string& url,
                             const std::string& slo) {
  for (const auto& s : out["slos"])
    if (s["url"] == url && s["slo"] == slo) return s;
  FAIL("no verdict for " << url << " " << slo);
  static const nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("experiment run against nginx: the 500s fail the error-rate SLO, the 200s pass") {
  const auto binary = nginx_binary();
  if (binary.empty()) {
    veer::testing::skip_test("nginx is not installed");
    return;
  }
  Nginx nginx(binary);
  const auto fast = nginx.url("/fast"), broken = nginx.url("/broken");
  const auto r =
      run({"experiment", "run", "--url", fast, "--url", broken, "--qps", "200", "--duration", "2s",
           "--connections", "4", "--slo", "error-rate<=1%,latency-p95<=1s", "-o", "json"});
  CHECK(r.code == 1);
  const auto out = json_of(r);
  CHECK(out["verdict"] == "fail");
  REQUIRE(out["urls"].size() == 2);
  CHECK(out["urls"][0]["requests"] == 400);
  CHECK(out["urls"][0]["status_classes"]["2xx"] == 400);
  CHECK(out["urls"][1]["errors"]["http-5xx"] == 400);
  CHECK(out["urls"][1]["error_rate"] == 1.0);
  CHECK(slo_of(out, fast, "error-rate<=1%")["verdict"] == "pass");  // upper bound 0.75%
  CHECK(slo_of(out, fast, "latency-p95<=1s")["verdict"] == "pass");
  CHECK(slo_of(out, broken, "error-rate<=1%")["verdict"] == "fail");
  bool compared = false;
  for (const auto& c : out["comparisons"]) {
    if (c["metric"] != "error-rate") continue;
    compared = true;
    CHECK(c["url"] == broken);
    CHECK(c["verdict"] == "worse");
    CHECK(c["evidence"]["test"] == "sequential-binomial");
  }
  CHECK(compared);
  CHECK(out["generator"]["cpu_per_request_us"].get<double>() > 0);
}

TEST_CASE(
    "experiment run against nginx: every SLO met exits 0 and writes a self-contained report") {
  const auto binary = nginx_binary();
  if (binary.empty()) {
    veer::testing::skip_test("nginx is not installed");
    return;
  }
  Nginx nginx(binary);
  const auto report =
      fs::temp_directory_path() / ("veer-exprun-report-" + std::to_string(::getpid()) + ".html");
  const auto r =
      run({"experiment", "run", "--url", nginx.url("/fast"), "--qps", "200", "--duration", "2s",
           "--slo", "error-rate<=1%,latency-p95<=1s", "--report", report.string()});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find("result: pass") != std::string::npos);
  std::ifstream file(report);
  const std::string html((std::istreambuf_iterator<char>(file)), {});
  fs::remove(report);
  CHECK(html.find("data-overall=\"pass\"") != std::string::npos);
  CHECK(html.find("data-slo=\"error-rate&lt;=1%\" data-url=\"0\" data-verdict=\"pass\"") !=
        std::string::npos);
  CHECK(html.find("data-histogram=\"0\"") != std::string::npos);
  CHECK(html.find("data-count=") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
}

TEST_CASE("a refused port is reported per URL as refused, never crashed on") {
  const int port = free_port();  // nobody listens there now
  const auto r =
      run({"experiment", "run", "--url", "http://127.0.0.1:" + std::to_string(port) + "/", "--qps",
           "50", "--duration", "1s", "--slo", "error-rate<=1%", "-o", "json"});
  CHECK(r.code == 1);
  const auto out = json_of(r);
  CHECK(out["urls"][0]["requests"] == 50);
  CHECK(out["urls"][0]["errors"]["refused"] == 50);
  CHECK(out["slos"][0]["verdict"] == "fail");
}

TEST_CASE("a server that never answers gives timeouts, and a bad URL and a bad name are reported") {
  veer::testing::HttpServer silent([](const veer::testing::HttpRequest&) {
    veer::testing::HttpResponse response;
    response.never_answer = true;
    return response;
  });
  const auto r = run({"experiment",
                      "run",
                      "--url",
                      silent.url() + "/",
                      "--url",
                      "https://x/",
                      "--url",
                      "http://no-such-host.invalid/",
                      "--qps",
                      "20",
                      "--duration",
                      "1s",
                      "--connections",
                      "2",
                      "--timeout",
                      "200ms",
                      "--slo",
                      "error-rate<=5%",
                      "-o",
                      "json"});
  CHECK(r.code == 1);
  const auto out = json_of(r);
  CHECK(out["urls"][0]["requests"] == 20);
  CHECK(out["urls"][0]["errors"]["timeout"] == 20);
  CHECK(out["urls"][0]["latency_ms"]["p50"].get<double>() >= 200);
  CHECK(out["urls"][1]["setup_error"] ==
        "bad URL: https is not supported (the load generator speaks plain http)");
  CHECK(out["urls"][2]["setup_error"].get<std::string>().rfind("cannot resolve no-such-host", 0) ==
        0);
  CHECK(slo_of(out, silent.url() + "/", "error-rate<=5%")["verdict"] == "fail");
  CHECK(slo_of(out, "https://x/", "error-rate<=5%")["verdict"] == "inconclusive");
}

TEST_CASE("experiment run usage errors name the flag and exit 64") {
  auto r = run({"experiment", "run", "--url", "http://127.0.0.1:1/", "--slo", "latency-p95<=300"});
  CHECK(r.code == 64);
  CHECK(r.err.find("--slo: item 1 \"latency-p95<=300\": \"300\" is not a duration (give a unit: "
                   "us, ms or s)") != std::string::npos);
  r = run({"experiment", "run"});
  CHECK(r.code == 64);
  CHECK(r.err.find("--url is required") != std::string::npos);
  r = run({"experiment", "run", "--url", "http://127.0.0.1:1/", "--qps", "-3"});
  CHECK(r.code == 64);
  CHECK(r.err.find("--qps \"-3\"") != std::string::npos);
  r = run({"experiment", "run", "--url", "http://127.0.0.1:1/", "--confidence", "1"});
  CHECK(r.code == 64);
  r = run({"experiment", "walk"});
  CHECK(r.code == 64);
  r = run({"experiment", "run", "--help"});
  CHECK(r.code == 0);
  CHECK(r.out.find("--slo") != std::string::npos);
}
