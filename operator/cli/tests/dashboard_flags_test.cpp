// The dashboard flags of `veer operator` and `veer demo`: what is refused before start, and what
// the flags turn into (tokens, reviews, address). The dashboard itself: operator/dashboard/tests
// and e2e/dashboard.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "operator/cli/dashboard_flags.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"

using veer::cli::DashboardFlags;
using veer::cli::testing::run;

namespace {

std::string temp_file(const std::string& text) {
  static int counter = 0;
  auto path =
      std::filesystem::temp_directory_path() /
      ("veer-dashboard-flags-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::ofstream(path) << text;
  return path.string();
}

struct Parsed {
  DashboardFlags flags;
  std::string error;
};

// Parses `args` as `veer operator` (or demo) would, with only the dashboard flags.
std::unique_ptr<Parsed> parse(const std::vector<std::string>& args, bool demo) {
  auto out = std::make_unique<Parsed>();
  veer::cli::ArgParser parser("test", "");
  out->flags.add_to(parser, demo);
  std::ostringstream help;
  auto parsed = parser.parse(demo ? veer::cli::expand_dashboard_shorthand(args) : args, help);
  REQUIRE(parsed.ok);
  out->error = out->flags.check();
  return out;
}

}  // namespace

TEST_CASE("veer operator: the dashboard needs a way to authenticate, and valid flags") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"operator", "--dashboard-listen", ":9090"}, "needs a way to authenticate callers"},
      {{"operator", "--dashboard-listen", "9090", "--dashboard-tokenreview"},
       "--dashboard-listen \"9090\""},
      {{"operator", "--dashboard-tokenreview"}, "need --dashboard-listen"},
      {{"operator", "--dashboard-actions"}, "need --dashboard-listen"},
      {{"operator", "--dashboard-listen", ":0", "--dashboard-token-file", "f",
        "--dashboard-token-secret", "ns/s"},
       "not both"},
      {{"operator", "--dashboard-listen", ":0", "--dashboard-token-secret", "just-a-name"},
       "is not NAMESPACE/NAME"},
      {{"operator", "--dashboard-listen", ":0", "--dashboard-tokenreview", "--dashboard-users",
        "f"},
       "not both"},
      {{"demo", "--dashboard-actions"}, "need --dashboard"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    auto r = run(c.args);
    CHECK(r.code == 64);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  auto help = run({"operator", "--help"});
  for (const char* flag :
       {"--dashboard-listen", "--dashboard-token-file", "--dashboard-token-secret",
        "--dashboard-tokenreview", "--dashboard-users", "--dashboard-actions"}) {
    CAPTURE(flag);
    CHECK(help.out.find(flag) != std::string::npos);
  }
  auto demo_help = run({"demo", "--help"});
  CHECK(demo_help.out.find("--dashboard ") != std::string::npos);
  CHECK(demo_help.out.find("--dashboard-tokenreview") == std::string::npos);
}

TEST_CASE("dashboard flags become the dashboard's options") {
  veer::base::SimulatedClock clock;
  veer::kube::MemoryCluster cluster(clock);
  std::string error;

  auto off = parse({}, false);
  CHECK(!off->flags.wanted());
  CHECK(off->error.empty());

  auto file = parse({"--dashboard-listen", "127.0.0.1:0", "--dashboard-token-file",
                     temp_file("  s3cret\n"), "--dashboard-actions"},
                    false);
  REQUIRE(file->error.empty());
  auto options = file->flags.options(cluster, "shop", error, nullptr);
  REQUIRE(options);
  CHECK(options->host == "127.0.0.1");
  CHECK(options->port == 0);
  CHECK(options->shared_token == "s3cret");
  CHECK(options->reviews == nullptr);
  CHECK(options->settings.actions);
  CHECK(options->settings.ns == "shop");

  auto empty =
      parse({"--dashboard-listen", ":0", "--dashboard-token-file", temp_file("\n")}, false);
  CHECK(!empty->flags.options(cluster, "", error, nullptr));
  CHECK(error.find("is empty") != std::string::npos);
  auto missing =
      parse({"--dashboard-listen", ":0", "--dashboard-token-file", "/nonexistent/token"}, false);
  CHECK(!missing->flags.options(cluster, "", error, nullptr));
  CHECK(error == "--dashboard-token-file /nonexistent/token: cannot read it");

  // From a Secret's `token` key (base64 in data).
  cluster.create({{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata", {{"name", "dash"}, {"namespace", "default"}}},
                  {"data", {{"token", "c2VjcmV0LXRva2Vu"}}}});
  auto secret =
      parse({"--dashboard-listen", ":0", "--dashboard-token-secret", "default/dash"}, false);
  auto from_secret = secret->flags.options(cluster, "", error, nullptr);
  REQUIRE(from_secret);
  CHECK(from_secret->shared_token == "secret-token");
  CHECK(from_secret->host == "0.0.0.0");
  auto no_secret =
      parse({"--dashboard-listen", ":0", "--dashboard-token-secret", "default/x"}, false);
  CHECK(!no_secret->flags.options(cluster, "", error, nullptr));
  CHECK(error.find("--dashboard-token-secret default/x") == 0);

  auto users = parse(
      {"--dashboard-listen", ":0", "--dashboard-users", temp_file("t-a alice shop\nbroken line\n")},
      false);
  CHECK(!users->flags.options(cluster, "", error, nullptr));
  CHECK(error.find("line 2") != std::string::npos);

  auto review = parse({"--dashboard-listen", ":0", "--dashboard-tokenreview"}, false);
  auto with_review = review->flags.options(cluster, "", error, nullptr);
  REQUIRE(with_review);
  CHECK(with_review->reviews != nullptr);
  CHECK(with_review->shared_token.empty());
}

TEST_CASE("veer demo --dashboard =ADDR: the address, and a random token when none is given") {
  veer::base::SimulatedClock clock;
  veer::kube::MemoryCluster cluster(clock);
  std::string error, token;
  auto plain = parse({"--dashboard"}, true);
  REQUIRE(plain->error.empty());
  auto options = plain->flags.options(cluster, "", error, &token);
  REQUIRE(options);
  CHECK(options->host == "127.0.0.1");
  CHECK(options->port == 8090);
  CHECK(token.size() == 32);
  CHECK(options->shared_token == token);

  auto at = parse({"--dashboard=127.0.0.1:0", "--", "--dashboard=x"}, true);
  auto at_options = at->flags.options(cluster, "", error, nullptr);
  REQUIRE(at_options);
  CHECK(at_options->port == 0);
  CHECK(veer::cli::expand_dashboard_shorthand({"--dashboard=:1", "--", "--dashboard=:2"}) ==
        std::vector<std::string>{"--dashboard", "--dashboard-listen=:1", "--", "--dashboard=:2"});

  token.clear();
  auto users = parse({"--dashboard", "--dashboard-users", temp_file("t u *\n")}, true);
  auto with_users = users->flags.options(cluster, "", error, &token);
  REQUIRE(with_users);
  CHECK(token.empty());  // the users file is the way in
  CHECK(with_users->shared_token.empty());
}
