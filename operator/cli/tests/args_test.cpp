#include <doctest/doctest.h>

#include <sstream>

#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

using veer::cli::ArgParser;

TEST_CASE("flags, options and positionals parse in any order") {
  bool in_place = false;
  std::string output = "text";
  std::vector<std::string> files;
  ArgParser parser("convert", "PATH...");
  parser.flag("in-place", &in_place, "rewrite files", 'i')
      .option("output", &output, "FORMAT", "output format", 'o')
      .choices("output", {"text", "json"})
      .repeated("file", &files, "FILE", "a file", 'f');
  std::ostringstream out;
  auto r = parser.parse({"a.yaml", "--output=json", "-i", "-f", "x", "--file", "y", "-"}, out);
  REQUIRE(r.ok);
  CHECK(in_place);
  CHECK(output == "json");
  CHECK(files == std::vector<std::string>{"x", "y"});
  CHECK(r.positionals == std::vector<std::string>{"a.yaml", "-"});
}

TEST_CASE("an unknown flag is an error with a hint") {
  std::string output;
  ArgParser parser("validate", "PATH...");
  parser.option("output", &output, "FORMAT", "output format");
  std::ostringstream out;
  auto r = parser.parse({"--ouptut", "json"}, out);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "unknown flag --ouptut; did you mean --output?");
}

TEST_CASE("a value outside the choices and a missing value are errors") {
  std::string output;
  ArgParser parser("validate", "PATH...");
  parser.option("output", &output, "FORMAT", "output format").choices("output", {"text", "json"});
  std::ostringstream out;
  CHECK(parser.parse({"--output", "xml"}, out).error ==
        "--output must be one of text, json, not \"xml\"");
  CHECK(parser.parse({"--output"}, out).error == "--output needs a value (FORMAT)");
}

TEST_CASE("--help prints usage and every flag") {
  std::string output;
  ArgParser parser("validate", "PATH...", "Validates documents.");
  parser.option("output", &output, "FORMAT", "output format");
  std::ostringstream out;
  auto r = parser.parse({"--help"}, out);
  CHECK(r.help);
  CHECK(out.str().find("Usage: veer validate PATH...") != std::string::npos);
  CHECK(out.str().find("--output FORMAT") != std::string::npos);
}

TEST_CASE("veer dispatches subcommands and hints at misspelt ones") {
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(veer::cli::run_veer({"version"}, in, out, err) == 0);
  CHECK(out.str().find("veer ") == 0);
  CHECK(veer::cli::run_veer({"versoin"}, in, out, err) == veer::cli::kUsageExitCode);
  CHECK(err.str().find("did you mean \"version\"?") != std::string::npos);
  std::ostringstream help;
  CHECK(veer::cli::run_veer({"help"}, in, help, err) == 0);
  CHECK(help.str().find("version") != std::string::npos);
}
