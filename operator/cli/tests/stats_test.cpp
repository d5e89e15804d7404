// `veer stats compare` end to end: files in, verdict and evidence out, against scipy's values.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "operator/cli/command.hpp"
#include "operator/cli/tests/support/run_cli.hpp"

namespace {

using veer::cli::testing::Result;
using veer::cli::testing::run;

// A scratch folder removed at the end of the test.
struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    dir = std::filesystem::temp_directory_path() /
          ("veer-stats-test-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
           std::to_string(std::rand()));
    std::filesystem::create_directories(dir);
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  std::string write_numbers(const std::string& name, const std::vector<double>& values) const {
    std::ostringstream text;
    text.precision(17);
    for (double v : values) text << v << "\n";
    return write(name, text.str());
  }
};

nlohmann::json reference() {
  std::ifstream in(std::string(VEER_SOURCE_DIR) + "/analysis/tests/reference/stats_reference.json");
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("mann-whitney JSON: U of the candidate, p-value as scipy, Hodges-Lehmann interval") {
  Scratch scratch;
  const auto c = reference()["mann_whitney"][2];  // normal-shifted, mu = 0, 95%
  REQUIRE(double(c["shift"]) == 0);
  const auto base = scratch.write_numbers("base.txt", c["baseline"].get<std::vector<double>>());
  const auto cand = scratch.write_numbers("cand.txt", c["candidate"].get<std::vector<double>>());
  auto r = run({"stats", "compare", "--test", "mann-whitney", "--baseline", base, "--candidate",
                cand, "--output", "json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["test"] == "mann-whitney");
  CHECK(j["verdict"] == "Fail");  // the candidate is clearly higher, lower is better
  CHECK(j["statistic"] == doctest::Approx(double(c["scipy"]["u"])));
  CHECK(j["p_value"] == doctest::Approx(double(c["scipy"]["p_two_sided"])).epsilon(1e-6));
  CHECK(j["estimate"] == doctest::Approx(double(c["exact"]["estimate"])).epsilon(1e-9));
  CHECK(j["ci_low"] == doctest::Approx(double(c["r"]["ci_low"])).epsilon(1e-4));
  CHECK(j["ci_high"] == doctest::Approx(double(c["r"]["ci_high"])).epsilon(1e-4));
  CHECK(j["n_baseline"] == c["baseline"].size());
  CHECK(j["n_candidate"] == c["candidate"].size());
}

TEST_CASE("welch JSON: t of candidate - baseline and the difference of means") {
  Scratch scratch;
  const auto c = reference()["welch"][0];  // normal-equal, mu = 0
  const auto base = scratch.write_numbers("base.txt", c["baseline"].get<std::vector<double>>());
  const auto cand = scratch.write_numbers("cand.txt", c["candidate"].get<std::vector<double>>());
  auto r = run(
      {"stats", "compare", "--test=welch", "--baseline", base, "--candidate", cand, "-o", "json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "Pass");
  CHECK(j["statistic"] == doctest::Approx(double(c["scipy"]["t"])).epsilon(1e-6));
  CHECK(j["p_value"] == doctest::Approx(double(c["scipy"]["p_two_sided"])).epsilon(1e-6));
  CHECK(j["estimate"] == doctest::Approx(double(c["scipy"]["difference"])).epsilon(1e-9));
}

TEST_CASE("binomial tests read `errors total` per interval") {
  Scratch scratch;
  const auto base = scratch.write("base.txt", "10 1000\n12 1000\n9 1000\n");
  const auto cand = scratch.write("cand.txt", "40 1000\n35 1000\n41 1000\n");
  auto r = run({"stats", "compare", "--test", "sequential-binomial", "--baseline", base,
                "--candidate", cand, "--output", "json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "Fail");
  CHECK(j["e_value"].get<double>() >= 20);
  CHECK(j["n_candidate"] == 3000);
  CHECK(j["estimate"] == doctest::Approx((116.0 - 31.0) / 3000));

  r = run({"stats", "compare", "--test", "bayes-binomial", "--baseline", base, "--candidate", base,
           "--output", "json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "Pass");
  CHECK(j["probability_worse"] == doctest::Approx(0.5).epsilon(1e-6));

  r = run({"stats", "compare", "--test", "sequential-binomial", "--baseline", base, "--candidate",
           scratch.write("short.txt", "1 100\n")});
  CHECK(r.code == 1);
  CHECK(r.err.find("one line per interval") != std::string::npos);
}

TEST_CASE("text output shows the verdict and why") {
  Scratch scratch;
  const auto base = scratch.write("b.txt", "1\n2\n3\n4\n5\n");
  const auto cand = scratch.write("c.txt", "2\n3\n4\n5\n6\n");
  auto r =
      run({"stats", "compare", "--test", "mann-whitney", "--baseline", base, "--candidate", cand});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("verdict:  Pass") != std::string::npos);
  CHECK(r.out.find("why:") != std::string::npos);
}

TEST_CASE("bad input: a clear message with the file and line, never a verdict") {
  Scratch scratch;
  const auto good = scratch.write("good.txt", "1\n2\n3\n");
  auto r = run({"stats", "compare", "--test", "welch", "--baseline", good, "--candidate",
                scratch.write("bad.txt", "1\n2\nfast\n")});
  CHECK(r.code == 1);
  CHECK(r.err.find("bad.txt:3: \"fast\" is not a number") != std::string::npos);
  CHECK(r.out.empty());

  r = run({"stats", "compare", "--test", "welch", "--baseline", good, "--candidate",
           scratch.write("empty.txt", "")});
  CHECK(r.code == 1);
  CHECK(r.err.find("empty.txt: the file is empty") != std::string::npos);

  r = run({"stats", "compare", "--test", "welch", "--baseline", good, "--candidate",
           (scratch.dir / "missing.txt").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("missing.txt: cannot open") != std::string::npos);

  r = run({"stats", "compare", "--test", "mann-whitney", "--baseline",
           scratch.write("same1.txt", "4\n4\n4\n4\n"), "--candidate",
           scratch.write("same2.txt", "4\n4\n4\n4\n4\n")});
  CHECK(r.code == 1);
  CHECK(r.err.find("tied") != std::string::npos);
}

TEST_CASE("samples too small or out of range: an error, never a bogus p-value") {
  Scratch scratch;
  const auto many = scratch.write("many.txt", "5\n6\n7\n8\n9\n10\n11\n12\n");
  // One baseline value: no ordering of 9 values gives p < 0.05, so a Pass would mean nothing.
  auto r = run({"stats", "compare", "--test", "mann-whitney", "--baseline",
                scratch.write("one.txt", "100\n"), "--candidate", many});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("mann-whitney cannot find the candidate worse with 1 baseline and 8 "
                   "candidate values at alpha 0.05: the smallest one-sided p-value so few "
                   "values allow is 0.111") != std::string::npos);
  // A larger alpha makes the same samples usable (1/9 < 0.2).
  r = run({"stats", "compare", "--test", "mann-whitney", "--alpha", "0.2", "--baseline",
           scratch.write("one.txt", "100\n"), "--candidate", many});
  CHECK_MESSAGE(r.code == 0, r.err);

  r = run({"stats", "compare", "--test", "welch", "--baseline", scratch.write("w.txt", "1\n"),
           "--candidate", many});
  CHECK(r.code == 1);
  CHECK(r.err.find("welch needs at least two values") != std::string::npos);

  for (const char* value : {"1e400", "-1e400", "1e-400"}) {
    r = run({"stats", "compare", "--test", "welch", "--baseline", many, "--candidate",
             scratch.write("range.txt", std::string("1\n2\n") + value + "\n")});
    CHECK(r.code == 1);
    CHECK(r.err.find(std::string("range.txt:3: \"") + value +
                     "\" is out of the range of a double") != std::string::npos);
  }
}

TEST_CASE("usage errors exit 64") {
  Scratch scratch;
  const auto f = scratch.write("f.txt", "1\n2\n");
  CHECK(run({"stats", "compare", "--baseline", f, "--candidate", f}).code == 64);
  CHECK(run({"stats", "compare", "--test", "t-test", "--baseline", f, "--candidate", f}).code ==
        64);
  auto r = run(
      {"stats", "compare", "--test", "welch", "--baseline", f, "--candidate", f, "--alpha", "0.7"});
  CHECK(r.code == 64);
  CHECK(r.err.find("--alpha") != std::string::npos);
  CHECK(run({"stats", "compare", "--test", "welch", "--baseline", f, "--candidate", f, "--margin",
             "1", "--relative-margin", "0.1"})
            .code == 64);
  CHECK(run({"stats", "frobnicate"}).code == 64);
  CHECK(run({"stats"}).code == 64);
}
