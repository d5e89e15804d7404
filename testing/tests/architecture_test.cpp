// docs/architecture.md's table of parts is the rule: a source file may include headers of its
// own part and of the parts its row lists. This reads the table and every #include outside the
// tests/ folders, and names each include that crosses an arrow the table does not have; and it
// reads every veer_part() of the CMake files, so a part's library links no part its row leaves out.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path kSource = VEER_SOURCE_DIR;

struct Parts {
  std::map<std::string, std::string> folder_part;        // "operator/kube/" -> "kube"
  std::map<std::string, std::set<std::string>> allowed;  // part -> parts it may include
};

std::vector<std::string> split_list(const std::string& text, const std::regex& item) {
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), item); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

// The rows between <!-- parts --> and <!-- /parts -->: | part | `folder/`, ... | a, b |
Parts read_parts(const std::string& page) {
  Parts parts;
  const auto begin = page.find("<!-- parts -->");
  const auto end = page.find("<!-- /parts -->");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::istringstream rows(page.substr(begin, end - begin));
  static const std::regex row(R"(^\|\s*([a-z]+)\s*\|([^|]*)\|([^|]*)\|\s*$)");
  static const std::regex folder("`([^`]+)`");
  static const std::regex name("([a-z]+)");
  std::string line;
  while (std::getline(rows, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row) || m[1] == "part") continue;
    for (const auto& f : split_list(m[2], folder)) parts.folder_part[f] = m[1];
    auto& may = parts.allowed[m[1]];
    for (const auto& p : split_list(m[3], name)) may.insert(p);
  }
  return parts;
}

// The part of the longest listed folder that holds `path` ("" when none does).
std::string part_of(const Parts& parts, const std::string& path) {
  std::string best_folder, best;
  for (const auto& [folder, part] : parts.folder_part)
    if (path.rfind(folder, 0) == 0 && folder.size() > best_folder.size()) {
      best_folder = folder;
      best = part;
    }
  return best;
}

struct Crossing {
  std::string where;  // file:line
  std::string from, to, header;
};

std::vector<Crossing> crossings(const Parts& parts, std::set<std::string>& unknown_files) {
  std::vector<Crossing> out;
  static const std::regex include(R"re(^\s*#\s*include\s+"([^"]+)")re");
  for (const char* top : {"base", "http", "model", "analysis", "meshes", "operator", "testing",
                          "bench", "fuzz", "e2e", "cmake"}) {
    if (!fs::exists(kSource / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(kSource / top)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      const auto relative = fs::relative(entry.path(), kSource).generic_string();
      if (relative.find("/tests/") != std::string::npos) continue;
      const auto from = part_of(parts, relative);
      if (from.empty()) {
        unknown_files.insert(relative);
        continue;
      }
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const std::string header = m[1];
        const auto to = part_of(parts, header);
        if (to.empty() || to == from) continue;  // a local include, or the part's own header
        if (parts.allowed.at(from).count(to) == 0)
          out.push_back({relative + ":" + std::to_string(number), from, to, header});
      }
    }
  }
  return out;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Each `veer_part(veer_<part> ... DEPS veer_<other> ...)` of a CMake text whose <part> is in the
// table, with the parts among its DEPS: (part, other, where) for each dependency not allowed.
std::vector<std::string> link_crossings(const Parts& parts, const std::string& cmake,
                                        const std::string& where) {
  std::vector<std::string> out;
  static const std::regex call(R"(veer_part\(\s*veer_([a-z]+)([^)]*)\))");
  static const std::regex dep(R"(\bveer_([a-z]+)\b)");
  for (auto it = std::sregex_iterator(cmake.begin(), cmake.end(), call);
       it != std::sregex_iterator(); ++it) {
    const std::string part = (*it)[1];
    if (parts.allowed.count(part) == 0) continue;  // veer_testing and the like: not a part row
    const std::string args = (*it)[2];
    const auto deps = args.find("DEPS");
    if (deps == std::string::npos) continue;
    const auto listed = args.substr(deps);
    for (const auto& other : split_list(listed, dep))
      if (other != part && parts.allowed.count(other) == 1 &&
          parts.allowed.at(part).count(other) == 0)
        out.push_back(where + ": veer_" + part + " links veer_" + other);
  }
  return out;
}

}  // namespace

TEST_CASE("architecture: every include follows an arrow of docs/architecture.md") {
  const auto parts = read_parts(read(kSource / "docs/architecture.md"));
  REQUIRE(parts.allowed.size() >= 10);
  for (const auto& [part, may] : parts.allowed)
    for (const auto& other : may) {
      INFO("docs/architecture.md: " << part << " may include " << other << ", not a part");
      CHECK(parts.allowed.count(other) == 1);
    }
  std::set<std::string> unknown_files;
  for (const auto& c : crossings(parts, unknown_files))
    FAIL_CHECK(c.where << ": " << c.from << " includes " << c.header << " of " << c.to
                       << ", which docs/architecture.md does not allow " << c.from);
  for (const auto& file : unknown_files)
    FAIL_CHECK(file << " is in no part of docs/architecture.md");
}

TEST_CASE("architecture: every part's library links only the parts its row allows") {
  const auto parts = read_parts(read(kSource / "docs/architecture.md"));
  int libraries = 0;
  for (auto it = fs::recursive_directory_iterator(kSource);
       it != fs::recursive_directory_iterator(); ++it) {
    const auto name = it->path().filename().string();
    if (it->is_directory() && (name.rfind("build", 0) == 0 || name.rfind('.', 0) == 0)) {
      it.disable_recursion_pending();  // build folders and .git hold no part of the source
      continue;
    }
    if (name != "CMakeLists.txt") continue;
    const auto relative = fs::relative(it->path(), kSource).generic_string();
    const auto text = read(it->path());
    for (auto at = text.find("veer_part("); at != std::string::npos;
         at = text.find("veer_part(", at + 1))
      ++libraries;
    for (const auto& crossing : link_crossings(parts, text, relative))
      FAIL_CHECK(crossing << ", which docs/architecture.md does not allow");
  }
  CHECK(libraries >= 14);  // one per part (docs/architecture.md, "How the build holds the arrows")
}

TEST_CASE("architecture: a library linking across a missing arrow is found") {
  Parts parts;
  parts.allowed = {{"base", {}}, {"kube", {"base"}}, {"notify", {"base"}}};
  CHECK(link_crossings(parts, "veer_part(veer_notify DIR x DEPS veer_base veer_externals)", "a")
            .empty());
  const auto found = link_crossings(
      parts, "veer_part(veer_notify DIR ${here}/notify\n          DEPS veer_base veer_kube)", "b");
  REQUIRE(found.size() == 1);
  CHECK(found[0] == "b: veer_notify links veer_kube");
}

TEST_CASE("architecture: an include across a missing arrow is found") {
  Parts parts;
  parts.folder_part = {{"model/", "model"}, {"analysis/", "analysis"}, {"http/", "http"}};
  parts.allowed = {{"model", {}}, {"analysis", {"model", "http"}}, {"http", {}}};
  CHECK(part_of(parts, "http/client.hpp") == "http");
  CHECK(part_of(parts, "analysis/stats/welch.hpp") == "analysis");
  CHECK(part_of(parts, "base/clock.hpp").empty());
  const auto table = read_parts(
      "<!-- parts -->\n| part | folders | may include |\n|---|---|---|\n"
      "| model | `model/` | |\n| analysis | `analysis/` | model, http |\n"
      "| http | `http/` | |\n<!-- /parts -->\n");
  CHECK(table.folder_part == parts.folder_part);
  CHECK(table.allowed == parts.allowed);
}
