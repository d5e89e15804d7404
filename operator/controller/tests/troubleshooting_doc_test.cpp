// docs/troubleshooting.md explains every message the rollout state machine can write to an Event,
// the status or a notification: each message text in decide.cpp must appear on the page, so a new
// or reworded message fails here until the page says what it means and what to do.
#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
const fs::path kSource = VEER_SOURCE_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message texts of the calls that write what users read. A message is built from literals
// and values; each literal part of six letters or more (trimmed of spaces and punctuation) must be
// on the page. The first argument of wait_for is an id for the status, not a message.
std::set<std::string> message_parts(const std::string& source) {
  static const std::regex call(
      R"(\b(event|rollback|wait_for|set_phase|alert|hold|failed_check|hold_expired)\()");
  static const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
  std::set<std::string> parts;
  for (auto it = std::sregex_iterator(source.begin(), source.end(), call);
       it != std::sregex_iterator(); ++it) {
    const auto start = static_cast<std::size_t>(it->position() + it->length());
    const auto end = source.find(';', start);
    const std::string arguments = source.substr(start, end - start);
    bool skip_id = (*it)[1] == "wait_for";
    for (auto lit = std::sregex_iterator(arguments.begin(), arguments.end(), literal);
         lit != std::sregex_iterator(); ++lit) {
      if (skip_id) {
        skip_id = false;
        continue;
      }
      std::string text = (*lit)[1];
      const auto first = text.find_first_not_of(" :;!(),.");
      const auto last = text.find_last_not_of(" :;!(),.");
      if (first == std::string::npos) continue;
      text = text.substr(first, last - first + 1);
      if (text.size() >= 6 && std::isalpha(static_cast<unsigned char>(text[0]))) parts.insert(text);
    }
  }
  return parts;
}

}  // namespace

TEST_CASE("docs: every message decide.cpp writes is explained in docs/troubleshooting.md") {
  const auto parts = message_parts(read(kSource / "operator/controller/decide.cpp"));
  const auto page = read(kSource / "docs/troubleshooting.md");
  CHECK(parts.size() >= 40);  // a parser that found nothing would check nothing
  for (const auto& part : parts) {
    INFO("docs/troubleshooting.md does not explain the message part \"" << part << "\"");
    CHECK(page.find(part) != std::string::npos);
  }
}

TEST_CASE("docs: message parts are the literals of the message calls") {
  const auto parts = message_parts(R"(
    event(false, "Advance " + name() + " canary weight " + w);
    wait_for("confirm-rollout", "Waiting for approval: " + m, false);
    note("internal only, not a message");
    rollback("aborted by veer abort");)");
  CHECK(parts == std::set<std::string>{"Advance", "canary weight", "Waiting for approval",
                                       "aborted by veer abort"});
}
