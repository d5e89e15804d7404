// CTest runs each doctest case by its name, split at ';' (a CMake list): a case named "a; b"
// becomes two tests, "a" and " b", that each match no case and fail. This finds such names in
// every test source before CI does.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path kSourceRoot = VEER_SOURCE_DIR;

// The names of the TEST_CASEs in `text`, adjacent string literals joined.
std::vector<std::string> case_names(const std::string& text) {
  static const std::regex test_case(R"re(TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\))re");
  static const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), test_case);
       it != std::sregex_iterator(); ++it) {
    const std::string literals = (*it)[1];
    std::string name;
    for (auto l = std::sregex_iterator(literals.begin(), literals.end(), literal);
         l != std::sregex_iterator(); ++l)
      name += (*l)[1];
    names.push_back(name);
  }
  return names;
}

}  // namespace

TEST_CASE("test names: a name split over lines is read whole, and a semicolon in it is found") {
  const auto names = case_names(
      "TEST_CASE(\"one\") {}\nTEST_CASE(\n    \"two, then \"\n    \"three; four\") {}\n");
  REQUIRE(names.size() == 2);
  CHECK(names[0] == "one");
  CHECK(names[1] == "two, then three; four");
}

TEST_CASE("test names: no test case in the sources has a semicolon in its name") {
  std::size_t cases = 0;
  for (const char* top : {"analysis", "base", "bench", "docs", "e2e", "fuzz", "http", "meshes",
                          "model", "operator", "testing"}) {
    if (!fs::exists(kSourceRoot / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(kSourceRoot / top)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      for (const auto& name : case_names(text.str())) {
        ++cases;
        CHECK_MESSAGE(name.find(';') == std::string::npos,
                      fs::relative(entry.path(), kSourceRoot).string()
                          << ": \"" << name << "\" (CTest splits a name at ';')");
      }
    }
  }
  CHECK(cases > 500);
}
