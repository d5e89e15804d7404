#include <doctest/doctest.h>

#include <sstream>

#include "operator/cli/command.hpp"

TEST_CASE("veer demo promotes the good revision and rolls back the bad one") {
  std::istringstream in;
  std::ostringstream out, err;
  int code = veer::cli::run_veer({"demo", "--pace", "0"}, in, out, err);
  CAPTURE(err.str());
  CHECK(code == 0);
  const auto text = out.str();
  CHECK(text.find("Advance podinfo.demo canary weight 50") != std::string::npos);
  CHECK(text.find("Halt podinfo.demo advancement: request-success-rate 91.3% < 99%") !=
        std::string::npos);
  CHECK(text.find("6.0.1      Succeeded  0>10>20>30>40>50>0") != std::string::npos);
  CHECK(text.find("6.0.2-bad  Failed     0>10>0") != std::string::npos);
  CHECK(text.find("The good revision was promoted and the bad one rolled back.") !=
        std::string::npos);
}

TEST_CASE("veer demo shows the sequential test: early promotion, early rollback, a hold") {
  std::istringstream in;
  std::ostringstream out, err;
  int code = veer::cli::run_veer({"demo", "--pace", "0"}, in, out, err);
  CAPTURE(err.str());
  REQUIRE(code == 0);
  const auto text = out.str();
  CAPTURE(text);
  // 1.1: proven no worse before reaching maxWeight, promoted early.
  CHECK(text.find("Canary checkout.demo proven no worse than primary") != std::string::npos);
  CHECK(text.find("promoting early") != std::string::npos);
  // While undecided it holds, saying what it has seen so far.
  CHECK(text.find("holding: evidence so far error-rate: e-value") != std::string::npos);
  // 1.2-bad: rolled back as soon as proven worse, not after `threshold` failed checks.
  CHECK(text.find("Rolling back checkout.demo: canary proven worse than primary: error-rate") !=
        std::string::npos);
  // 1.3-outage: held on missing data, then continued and promoted.
  CHECK(text.find("holding: no data for error-rate (") != std::string::npos);
  CHECK(text.find("simulated outage: Prometheus at http://prometheus:9090 unreachable") !=
        std::string::npos);
  CHECK(text.find("no-data look 2 of 5") != std::string::npos);
  CHECK(text.find("1.3-outage  Succeeded") != std::string::npos);
  CHECK(text.find("held 2 looks on no data") != std::string::npos);
  CHECK(text.find("1.2-bad     Failed     0>10>0") != std::string::npos);
  CHECK(text.find("held 1.3-outage on missing data until the data came back") != std::string::npos);
}

TEST_CASE("veer demo rejects bad flags with a usage error") {
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(veer::cli::run_veer({"demo", "--pace", "fast"}, in, out, err) == 64);
  CHECK(err.str().find("--pace wants a number of milliseconds, got 'fast'") != std::string::npos);
  CHECK(veer::cli::run_veer({"demo", "--provider", "consul"}, in, out, err) == 64);
}

TEST_CASE("veer demo --experiment runs the A/B/n example until the best version is promoted") {
  std::istringstream in;
  std::ostringstream out, err;
  int code = veer::cli::run_veer({"demo", "--experiment", "--pace", "0"}, in, out, err);
  const auto text = out.str();
  CAPTURE(err.str());
  CAPTURE(text);
  CHECK(code == 0);
  // Every look prints its weights and assessment; the first splits by the strategy's burn-in.
  CHECK(text.find("look 1/24  current=") != std::string::npos);
  CHECK(text.find("P(best) express") != std::string::npos);
  CHECK(text.find("  continue") != std::string::npos);
  CHECK(text.find("winner express") != std::string::npos);
  CHECK(text.find("The best version, express, won and was promoted: the baseline Deployment "
                  "checkout now runs example.com/checkout:express") != std::string::npos);
}

TEST_CASE("veer demo --experiment refuses a provider or the dashboard") {
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(veer::cli::run_veer({"demo", "--experiment", "--provider", "linkerd"}, in, out, err) == 64);
  CHECK(err.str().find("--experiment runs the example's Istio routes") != std::string::npos);
}
