// `veer stats compare`: runs one of veer's comparison tests on two files, to try the statistics
// on one's own data or reproduce a verdict.
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/comparison.hpp"
#include "analysis/sample_compare.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

namespace veer::cli {
namespace {

using analysis::CheckResult;
using base::Outcome;

// A number from a flag, or an error naming the flag.
Outcome<double> number_flag(const std::string& flag, const std::string& text, double low,
                            double high, bool open_low, bool open_high) {
  std::istringstream in(text);
  double value = 0;
  if (!(in >> value) || !(in >> std::ws).eof() || !std::isfinite(value)) {
    return base::fail("--" + flag + ": \"" + text + "\" is not a number");
  }
  const bool below = open_low ? value <= low : value < low;
  const bool above = open_high ? value >= high : value > high;
  if (below || above) {
    std::ostringstream range;
    range << (open_low ? "(" : "[") << low << ", " << high << (open_high ? ")" : "]");
    return base::fail("--" + flag + ": " + text + " is outside " + range.str());
  }
  return value;
}

// Opens both files (or standard input for "-") and runs the comparison on them.
Outcome<CheckResult> compare(const model::Comparison& comparison, const std::string& baseline,
                             const std::string& candidate, std::istream& in) {
  std::ifstream files[2];
  std::istream* streams[2] = {&in, &in};
  std::string names[2] = {"<stdin>", "<stdin>"};
  for (int i = 0; i < 2; ++i) {
    const std::string& path = i == 0 ? baseline : candidate;
    if (path == "-") continue;
    files[i].open(path, std::ios::binary);
    if (!files[i]) return base::fail(path + ": cannot open the file");
    streams[i] = &files[i];
    names[i] = path;
  }
  return analysis::compare_sample_files(comparison, {*streams[0], names[0]},
                                        {*streams[1], names[1]});
}

void print_text(const CheckResult& result, std::ostream& out) {
  const auto json = analysis::to_json(result.evidence);
  out << "test:     " << result.evidence.test << "\n";
  out << "verdict:  " << analysis::to_string(result.verdict) << "\n";
  for (const char* key :
       {"n_baseline", "n_candidate", "statistic", "p_value", "p_value_worse", "e_value",
        "probability_worse", "estimate", "ci_low", "ci_high", "confidence", "margin"}) {
    if (json.contains(key)) out << key << ": " << json[key].get<double>() << "\n";
  }
  out << "why:      " << result.evidence.message << "\n";
}

// As typed; check() turns them into a Comparison.
struct CompareFlags {
  std::string test, baseline, candidate, alpha = "0.05", margin, relative_margin,
                                         confidence = "0.95", direction = "lower-is-better",
                                         min_samples = "0", output = "text";

  void add_to(ArgParser& parser) {
    parser
        .option("test", &test, "TEST",
                "mann-whitney | welch | sequential-binomial | bayes-binomial")
        .choices("test", {"mann-whitney", "welch", "sequential-binomial", "bayes-binomial"})
        .option("baseline", &baseline, "FILE", "the primary's samples")
        .option("candidate", &candidate, "FILE", "the canary's samples")
        .option("alpha", &alpha, "A", "significance level, 0 < A < 0.5 (default 0.05)")
        .option("margin", &margin, "M", "allowed worsening, absolute (default 0)")
        .option("relative-margin", &relative_margin, "R",
                "allowed worsening relative to the baseline (0.1 = 10%)")
        .option("confidence", &confidence, "C", "interval level, 0.5 < C < 1 (default 0.95)")
        .option("direction", &direction, "D", "lower-is-better (default) or higher-is-better")
        .choices("direction", {"lower-is-better", "higher-is-better"})
        .option("min-samples", &min_samples, "N", "below N values/requests: Inconclusive")
        .option("output", &output, "FORMAT", "text (default) or json", 'o')
        .choices("output", {"text", "json"});
  }

  // The comparison the flags describe, or a usage error naming the flag.
  Outcome<model::Comparison> check() const {
    for (const auto& [flag, value] : {std::pair{"test", test}, std::pair{"baseline", baseline},
                                      std::pair{"candidate", candidate}}) {
      if (value.empty()) return base::fail(std::string("--") + flag + " is required");
    }
    if (!margin.empty() && !relative_margin.empty())
      return base::fail("give --margin or --relative-margin, not both");
    model::Comparison comparison;
    comparison.test = test == "mann-whitney"     ? model::ComparisonTest::MannWhitney
                      : test == "welch"          ? model::ComparisonTest::Welch
                      : test == "bayes-binomial" ? model::ComparisonTest::BayesBinomial
                                                 : model::ComparisonTest::SequentialBinomial;
    comparison.direction = direction == "higher-is-better" ? model::Direction::HigherIsBetter
                                                           : model::Direction::LowerIsBetter;
    auto a = number_flag("alpha", alpha, 0, 0.5, true, true);
    if (!a) return base::fail(a.error().message);
    comparison.alpha = *a;
    auto c = number_flag("confidence", confidence, 0.5, 1, true, true);
    if (!c) return base::fail(c.error().message);
    comparison.confidence = *c;
    if (!margin.empty()) {
      auto m = number_flag("margin", margin, 0, HUGE_VAL, false, false);
      if (!m) return base::fail(m.error().message);
      comparison.margin = *m;
    }
    if (!relative_margin.empty()) {
      auto r = number_flag("relative-margin", relative_margin, 0, HUGE_VAL, false, false);
      if (!r) return base::fail(r.error().message);
      comparison.relative_margin = *r;
    }
    auto n = number_flag("min-samples", min_samples, 0, 1e15, false, false);
    if (!n || std::floor(*n) != *n)
      return base::fail("--min-samples: \"" + min_samples + "\" is not a count");
    comparison.min_samples = static_cast<std::int64_t>(*n);
    return comparison;
  }
};

int run_compare(Invocation& call, const std::vector<std::string>& args) {
  CompareFlags flags;
  ArgParser parser(
      "stats compare", "--test TEST --baseline FILE --candidate FILE",
      "Compares a candidate (canary) with a baseline (primary) with one of veer's tests. For "
      "mann-whitney and welch a FILE holds one number per line; for sequential-binomial and "
      "bayes-binomial each line holds `errors total` for one interval. '-' reads standard input. "
      "Estimates are candidate - baseline.");
  flags.add_to(parser);
  auto parsed = parser.parse(args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty())
    return usage_error(parser, "takes no positional arguments", call.err);
  const auto comparison = flags.check();
  if (!comparison) return usage_error(parser, comparison.error().message, call.err);

  auto result = compare(*comparison, flags.baseline, flags.candidate, call.in);
  if (!result) {
    call.err << "veer stats compare: " << result.error().message << "\n";
    return 1;
  }
  if (result->verdict == analysis::Verdict::NoData) {
    call.err << "veer stats compare: " << result->evidence.message << "\n";
    return 1;
  }
  if (flags.output == "json") {
    auto json = analysis::to_json(result->evidence);
    json["verdict"] = analysis::to_string(result->verdict);
    call.out << json.dump(2) << "\n";
  } else {
    print_text(*result, call.out);
  }
  return 0;
}

int run_stats(Invocation& call) {
  if (call.args.empty() || call.args[0] == "--help" || call.args[0] == "-h" ||
      call.args[0] == "help") {
    (call.args.empty() ? call.err : call.out)
        << "usage: veer stats compare --test TEST --baseline FILE --candidate FILE [flags]\n"
           "  compare   compare a candidate with a baseline (veer stats compare --help)\n";
    return call.args.empty() ? kUsageExitCode : 0;
  }
  if (call.args[0] != "compare") {
    call.err << "veer stats: unknown subcommand \"" << call.args[0]
             << "\" (the only one is: compare)\n";
    return kUsageExitCode;
  }
  return run_compare(call, {call.args.begin() + 1, call.args.end()});
}

}  // namespace

VEER_COMMAND("stats", "compare two samples with veer's statistical tests", run_stats);

}  // namespace veer::cli
