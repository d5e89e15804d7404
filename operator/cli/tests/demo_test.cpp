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

TEST_CASE("veer demo rejects bad flags with a usage error") {
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(veer::cli::run_veer({"demo", "--pace", "fast"}, in, out, err) == 64);
  CHECK(err.str().find("--pace wants a number of milliseconds, got 'fast'") != std::string::npos);
  CHECK(veer::cli::run_veer({"demo", "--provider", "consul"}, in, out, err) == 64);
}
