// The reading layer refuses hostile or broken input with an error naming where, never a throw,
// a stack overflow or gigabytes of memory.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/document.hpp"
#include "model/input_files.hpp"

using veer::model::Documents;
using veer::model::read_documents;
using veer::model::ReadLimits;

namespace {

bool has_error(const Documents& docs, const std::string& text, int line = 0) {
  for (const auto& e : docs.errors)
    if (e.message.find(text) != std::string::npos && (line == 0 || e.line == line)) return true;
  return false;
}

std::string all_errors(const Documents& docs) {
  std::string out;
  for (const auto& e : docs.errors) out += std::to_string(e.line) + ": " + e.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("numbers out of a double's range are errors naming the field, never a throw") {
  auto docs = read_documents(R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  huge: 1e400
  negative: -1e400
  tiny: 1e-400
  digits: 1)" + std::string(400, '0') +
                                 R"(
  fine: 1.5e300
)",
                             "mixed.yaml");
  INFO(all_errors(docs));
  REQUIRE(docs.documents.size() == 2);
  CHECK(has_error(docs, "data.huge: the number 1e400 is larger than", 9));
  CHECK(has_error(docs, "data.negative: the number -1e400 is larger than", 10));
  CHECK(has_error(docs, "data.tiny: the number 1e-400 is too small to hold and would be read as 0",
                  11));
  CHECK(has_error(docs, "data.digits: the number 1000", 12));
  CHECK(docs.errors.size() == 4);
  CHECK(docs.documents[1].json["data"]["fine"] == 1.5e300);
  // The text is kept, so later checks see a string where a number was meant, not 0.
  CHECK(docs.documents[1].json["data"]["tiny"] == "1e-400");
}

TEST_CASE("the same rules hold for JSON input and in sequences") {
  auto docs = read_documents(R"({"kind": "X", "spec": {"values": [1, 1e999]}})", "a.json");
  INFO(all_errors(docs));
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].message.find("spec.values[1]: the number 1e999") == 0);
}

TEST_CASE(".inf and .nan are errors, not strings, quoted they are strings") {
  auto docs = read_documents("kind: X\na: .inf\nb: -.Inf\nc: .NaN\nd: \".nan\"\n", "s.yaml");
  INFO(all_errors(docs));
  CHECK(has_error(docs, "a: .inf is YAML's infinity or not-a-number", 2));
  CHECK(has_error(docs, "b: -.Inf is", 3));
  CHECK(has_error(docs, "c: .NaN is", 4));
  CHECK(docs.errors.size() == 3);
  CHECK(docs.documents[0].json["d"] == ".nan");
}

TEST_CASE("aliases are expanded, a recursive alias is refused") {
  auto ok = read_documents(
      "kind: X\nbase: &b {port: 80, tags: [a, b]}\ncopy: *b\nname: &n web\n"
      "other: *n\n",
      "alias.yaml");
  INFO(all_errors(ok));
  REQUIRE(ok.errors.empty());
  CHECK(ok.documents[0].json["copy"]["tags"][1] == "b");
  CHECK(ok.documents[0].json["other"] == "web");
  CHECK(ok.documents[0].line_of("copy.port") == 3);

  auto recursive = read_documents("kind: X\na: &x [*x]\n", "r.yaml");
  CHECK(recursive.documents.empty());
  CHECK(has_error(recursive, "a[0]: an alias refers to a node that contains it", 2));
  auto in_map = read_documents("kind: X\na: &x {b: {c: *x}}\n", "r.yaml");
  CHECK(has_error(in_map, "a.b.c: an alias refers to a node that contains it"));
}

TEST_CASE("a billion-laughs alias bomb is refused by the expansion budget") {
  std::string bomb = "kind: X\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
  const char* names = "abcdefghi";
  for (int level = 1; level < 9; ++level) {
    bomb += std::string(1, static_cast<char>('a' + level)) + ": &" + names[level] + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + names[level - 1];
    bomb += "]\n";
  }
  CHECK(bomb.size() < 1000);
  auto docs = read_documents(bomb, "bomb.yaml");
  CHECK(docs.documents.empty());
  CHECK(has_error(docs, "aliases expand to more than 100000 nodes"));

  ReadLimits few;
  few.max_aliases = 3;
  auto counted = read_documents("kind: X\na: &a 1\nb: [*a, *a, *a, *a]\n", "c.yaml", few);
  CHECK(has_error(counted, "more than 3 aliases in one document", 3));
}

TEST_CASE("nesting is capped at the stated depth") {
  ReadLimits limits;
  limits.max_depth = 5;
  CHECK(read_documents("a: [[[[1]]]]\n", "ok.yaml", limits).errors.empty());
  auto deep = read_documents("a: [[[[[1]]]]]\n", "deep.yaml", limits);
  INFO(all_errors(deep));
  CHECK(deep.documents.empty());
  CHECK(has_error(deep, "a[0][0][0][0]: nested deeper than 5 levels"));
  // Far past any limit: refused, no stack overflow in yaml-cpp or in the conversion.
  auto hostile = read_documents("a: " + std::string(200000, '['), "hostile.yaml");
  CHECK(hostile.documents.empty());
  CHECK(has_error(hostile, "nested deeper than 100 levels"));
}

TEST_CASE("a text or file over the size limit is refused with its size") {
  ReadLimits limits;
  limits.max_file_bytes = 1024;
  auto docs = read_documents("kind: X\nv: " + std::string(2000, 'x') + "\n", "big.yaml", limits);
  CHECK(docs.documents.empty());
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].message == "is 2012 bytes; veer reads at most 1024 bytes from one file");

  auto dir =
      std::filesystem::temp_directory_path() / ("veer-read-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "big.yaml") << "kind: X\nv: " << std::string(2000, 'x') << "\n"; }
  auto file = veer::model::read_bounded_file((dir / "big.yaml").string(), limits);
  CHECK(file.text.empty());
  CHECK(file.error.find("is 2012 bytes") != std::string::npos);
  // Standard input has no size to ask for: it is read up to the limit and then refused.
  std::istringstream stdin_text(std::string(5000, 'x'));
  auto piped = veer::model::read_input_files({"-"}, stdin_text, limits);
  REQUIRE(piped.size() == 1);
  CHECK(piped[0].text.empty());
  CHECK(piped[0].error.find("is larger than") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a directory walk skips symbolic link loops and broken links and says so") {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("veer-walk-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  { std::ofstream(dir / "sub" / "good.yaml") << "kind: X\n"; }
  fs::create_symlink("loop.yaml", dir / "loop.yaml");  // points at itself
  fs::create_symlink("b.yaml", dir / "a.yaml");
  fs::create_symlink("a.yaml", dir / "b.yaml");
  fs::create_symlink("missing.yaml", dir / "broken.yaml");
  fs::create_directory_symlink(".", dir / "sub" / "self");  // not followed
  std::istringstream no_stdin;
  std::vector<veer::model::InputFile> files;
  REQUIRE_NOTHROW(files = veer::model::read_input_files({dir.string()}, no_stdin));
  std::map<std::string, veer::model::InputFile> by_name;
  for (const auto& f : files) by_name[fs::path(f.name).filename().string()] = f;
  REQUIRE(by_name.size() == 5);
  CHECK(by_name["good.yaml"].text == "kind: X\n");
  CHECK_FALSE(by_name["good.yaml"].skipped);
  for (const char* name : {"loop.yaml", "a.yaml", "b.yaml"}) {
    CHECK(by_name[name].skipped);
    CHECK(by_name[name].error == "skipped: a symbolic link loop");
  }
  CHECK(by_name["broken.yaml"].skipped);
  CHECK(by_name["broken.yaml"].error == "skipped: a broken symbolic link");
  // Named directly, a loop is an error rather than a throw.
  auto direct = veer::model::read_input_files({(dir / "loop.yaml").string()}, no_stdin);
  REQUIRE(direct.size() == 1);
  CHECK(direct[0].error.find("cannot read") == 0);
  fs::remove_all(dir);
}
