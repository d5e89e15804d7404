// The docs' examples are checked against the code: every `veer ...` line in a shell block of
// README.md and docs/*.md must parse with the current command line (the command exists, its flags
// exist, their values are among the allowed ones), and every veer.dev document in a yaml block
// must validate. A renamed flag or a changed field fails here, naming the page and line.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "model/document.hpp"
#include "model/validate_document.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "testing/skip.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kSource = VEER_SOURCE_DIR;

struct Block {
  std::string page;  // e.g. docs/cli.md
  int line = 0;      // of the block's first content line
  std::string language;
  std::vector<std::string> lines;
};

std::vector<Block> fenced_blocks() {
  std::vector<fs::path> pages{kSource / "README.md"};
  for (const auto& entry : fs::directory_iterator(kSource / "docs"))
    if (entry.path().extension() == ".md") pages.push_back(entry.path());
  std::vector<Block> blocks;
  for (const auto& page : pages) {
    std::ifstream in(page);
    std::string text;
    int number = 0;
    Block* open = nullptr;
    while (std::getline(in, text)) {
      ++number;
      if (text.rfind("```", 0) == 0) {
        if (open != nullptr) {
          open = nullptr;
        } else {
          blocks.push_back({fs::relative(page, kSource).string(), number + 1, text.substr(3), {}});
          open = &blocks.back();
        }
      } else if (open != nullptr) {
        open->lines.push_back(text);
      }
    }
  }
  return blocks;
}

// Splits one shell command line into words as the shell would for the docs' simple lines:
// quotes group, `# ...` outside quotes is a comment, and an expansion ($VAR, $(...)) is one word
// standing for a value.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else
        word += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '#' && !in_word) {
      break;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The command lines of a shell block, with `\` continuations joined.
std::vector<std::pair<int, std::string>> command_lines(const Block& block) {
  std::vector<std::pair<int, std::string>> out;
  std::string pending;
  int start = 0;
  for (std::size_t i = 0; i < block.lines.size(); ++i) {
    std::string text = block.lines[i];
    if (pending.empty()) start = block.line + static_cast<int>(i);
    if (!text.empty() && text.back() == '\\') {
      pending += text.substr(0, text.size() - 1) + " ";
      continue;
    }
    out.emplace_back(start, pending + text);
    pending.clear();
  }
  return out;
}

bool is_shell(const std::string& language) {
  return language == "sh" || language == "bash" || language == "shell" || language == "console";
}

struct CheckOnly {
  CheckOnly() { veer::cli::set_flags_check_only(true); }
  ~CheckOnly() { veer::cli::set_flags_check_only(false); }
};

}  // namespace

TEST_CASE("docs: every veer command line in the docs parses with the current command line") {
  CheckOnly check_only;
  int checked = 0;
  for (const auto& block : fenced_blocks()) {
    if (!is_shell(block.language)) continue;
    for (const auto& [line, text] : command_lines(block)) {
      auto words = shell_words(text);
      if (words.empty() || words.front() != "veer") continue;
      words.erase(words.begin());
      auto result = veer::cli::testing::run(words);
      INFO(block.page << ":" << line << ": " << text << "\n" << result.err);
      CHECK(result.code == 0);
      ++checked;
    }
  }
  // The docs show the main commands (validate, convert, stats, analyze, notify, demo, operator);
  // a parser that found none would check nothing.
  CHECK(checked >= 15);
}

TEST_CASE("docs: a renamed flag in a doc line is caught") {
  CheckOnly check_only;
  CHECK(veer::cli::testing::run(shell_words("validate --mesh-provider istio x.yaml")).code == 0);
  CHECK(veer::cli::testing::run(shell_words("validate --mesh-providr istio x.yaml")).code != 0);
  CHECK(veer::cli::testing::run(shell_words("stats compare --test welsh")).code != 0);
  CHECK(veer::cli::testing::run(shell_words("no-such-command")).code != 0);
}

TEST_CASE("docs: shell words are split as the shell would for the docs' lines") {
  CHECK(shell_words(R"(veer notify --address "$SLACK_URL" --channel '#deploys'  # note)") ==
        std::vector<std::string>{"veer", "notify", "--address", "$SLACK_URL", "--channel",
                                 "#deploys"});
  CHECK(shell_words("a b#c") == std::vector<std::string>{"a", "b#c"});
}

TEST_CASE("docs: every veer.dev document in a yaml block of the docs validates") {
  int checked = 0;
  for (const auto& block : fenced_blocks()) {
    if (block.language != "yaml") continue;
    std::string text;
    for (const auto& line : block.lines) text += line + "\n";
    if (text.find("apiVersion: veer.dev/") == std::string::npos) continue;
    auto documents = veer::model::read_documents(text, block.page);
    INFO(block.page << ":" << block.line);
    CHECK(documents.errors.empty());
    for (const auto& document : documents.documents) {
      if (document.api_version.rfind("veer.dev/", 0) != 0) continue;
      auto errors = veer::model::validate_document(document);
      for (const auto& error : errors)
        FAIL_CHECK(block.page << ":" << block.line + document.line - 1 << ": " << error.path << ": "
                              << error.reason);
      ++checked;
    }
  }
  CHECK(checked >= 3);  // the Canary, MetricTemplate, Experiment and AlertProvider examples
}

namespace {

// The `spec` of the PrometheusRule in docs/operations.md, as a rules file (promtool's format).
std::string operations_alert_rules() {
  for (const auto& block : fenced_blocks()) {
    if (block.page != "docs/operations.md" || block.language != "yaml") continue;
    std::string text;
    for (const auto& line : block.lines) text += line + "\n";
    if (text.find("kind: PrometheusRule") == std::string::npos) continue;
    auto documents = veer::model::read_documents(text, block.page);
    REQUIRE(documents.errors.empty());
    REQUIRE(documents.documents.size() == 1);
    return documents.documents.front().json.at("spec").dump();  // JSON is YAML
  }
  FAIL("docs/operations.md has no PrometheusRule block");
  return {};
}

std::string sources_under(const fs::path& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".cpp" ||
        entry.path().string().find("/tests/") != std::string::npos)
      continue;
    std::ifstream in(entry.path());
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

}  // namespace

TEST_CASE("docs: the alerting rules in operations.md use only series veer exports") {
  const auto rules = operations_alert_rules();
  const auto sources = sources_under(kSource / "operator");
  static const std::regex series(R"(veer_[a-z_]+)");
  int names = 0;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), series);
       it != std::sregex_iterator(); ++it, ++names) {
    INFO("docs/operations.md alerts on " << it->str() << ", which veer does not export");
    CHECK(sources.find("\"" + it->str()) !=
          std::string::npos);  // written as "veer_x{..." or "veer_x "
  }
  CHECK(names >= 5);
}

TEST_CASE("docs: the alerting rules in operations.md load in promtool") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    veer::testing::skip_test("promtool is not installed (Debian package prometheus)");
    return;
  }
  const auto file =
      fs::temp_directory_path() / ("veer-alert-rules-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file) << operations_alert_rules();
  const int status = std::system(("promtool check rules " + file.string() + " >&2").c_str());
  fs::remove(file);
  CHECK(status == 0);
}
