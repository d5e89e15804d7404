// `veer demo --provider P` for every provider veer routes (issue 14): the good revision promoted
// and the bad one rolled back on each, and a reconcile error that repeats printed once.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "operator/cli/command.hpp"
#include "operator/cli/demo_routing.hpp"
#include "operator/cli/demo_world.hpp"
#include "testing/text.hpp"

using veer::testing::contains;

namespace {

// The summary row of the revision `tag` ("6.0.1      Succeeded  0>10>...").
std::string demo_summary_row(const std::string& text, const std::string& tag) {
  const auto at = text.find("\n" + tag + " ");
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

std::size_t demo_count(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

}  // namespace

TEST_CASE("veer demo promotes the good revision and rolls back the bad one on every provider") {
  const auto providers = veer::cli::demo_providers();
  REQUIRE(providers.size() >= 17);
  for (const auto& provider : providers) {
    CAPTURE(provider);
    std::istringstream in;
    std::ostringstream out, err;
    const int code =
        veer::cli::run_veer({"demo", "--provider", provider, "--pace", "0"}, in, out, err);
    const auto text = out.str();
    CAPTURE(err.str());
    CHECK(code == 0);
    CHECK(contains(text, "Canary demo/podinfo via " + provider + " ("));
    CHECK(contains(text, "The good revision was promoted and the bad one rolled back."));
    const auto good = demo_summary_row(text, "6.0.1");
    const auto bad = demo_summary_row(text, "6.0.2-bad");
    CAPTURE(good);
    CAPTURE(bad);
    CHECK(contains(good, " Succeeded "));
    CHECK(contains(bad, " Failed "));
    CHECK(contains(bad, "request-success-rate: fail"));
    CHECK_FALSE(contains(text, "error: "));  // every pass applied the router's objects
    if (provider == "kubernetes") {
      // Blue/green: no weights, an analysed iteration per weight step, then the switch.
      CHECK(contains(text, "Advance podinfo.demo canary iteration 5/5"));
      CHECK(contains(good, " Succeeded  0 "));
      CHECK_FALSE(contains(text, "Canary demo/checkout"));
    } else {
      CHECK(contains(good, " Succeeded  0>10>20>30>40>50>0 "));
      CHECK(contains(bad, " Failed     0>10>0 "));
      CHECK(contains(text, "The sequential test promoted 1.1 early, rolled 1.2-bad back"));
    }
  }
}

TEST_CASE("veer demo refuses a provider veer has no router for, naming the ones it has") {
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(veer::cli::run_veer({"demo", "--provider", "appmesh"}, in, out, err) == 64);
  CHECK(contains(err.str(), "apisix"));
}

TEST_CASE("veer demo prints a reconcile error that repeats once, then how often it came back") {
  // A gatewayapi Canary without gatewayRefs is refused on every pass, the same way.
  std::ostringstream out;
  veer::cli::DemoWorld world(out, "gatewayapi", std::chrono::milliseconds(0));
  veer::cli::DemoApp app =
      veer::cli::demo_app(veer::cli::kDemoNamespace, veer::cli::kDemoApp, "podinfo:1", "gatewayapi",
                          veer::controller::simulation::canary(veer::cli::kDemoNamespace,
                                                               veer::cli::kDemoApp, "gatewayapi"));
  app.canary["spec"]["service"].erase("gatewayRefs");
  REQUIRE(world.setup(veer::cli::kDemoApp, app) == "");
  CHECK_FALSE(world.run_until({"Initialized"}, nullptr));
  const auto text = out.str();
  CAPTURE(text);
  CHECK(demo_count(text, "error: ") == 1);
  CHECK(contains(text, "gatewayRefs"));
  CHECK(contains(text, "(the same error on 399 more passes)"));
}
