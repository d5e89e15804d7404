#include <doctest/doctest.h>

#include "operator/kube/watch_frames.hpp"

using namespace veer::kube;

TEST_CASE("watch framing: complete lines out, the unfinished rest kept, blank lines dropped") {
  std::string buffer = "{\"a\":1}\n\n{\"b\":";
  std::vector<std::string> lines;
  CHECK(take_lines(buffer, lines, 64));
  CHECK(lines == std::vector<std::string>{"{\"a\":1}"});
  CHECK(buffer == "{\"b\":");
  buffer += "2}\n";
  CHECK(take_lines(buffer, lines, 64));
  CHECK(lines.back() == "{\"b\":2}");
  CHECK(buffer.empty());
}

TEST_CASE("watch framing: an unfinished line past the limit gives the stream up") {
  std::string buffer = "{}\n" + std::string(65, 'x');
  std::vector<std::string> lines;
  CHECK_FALSE(take_lines(buffer, lines, 64));
  CHECK(lines == std::vector<std::string>{"{}"});  // what came before is still delivered
  std::string exact(64, 'x');
  CHECK(take_lines(exact, lines, 64));
}

TEST_CASE("watch frames: known types decode, anything else is skipped") {
  auto added = decode_watch_frame(R"({"type":"ADDED","object":{"kind":"Canary"}})");
  REQUIRE(added);
  CHECK(added->type == WatchEvent::Type::Added);
  CHECK(added->object["kind"] == "Canary");
  auto error = decode_watch_frame(R"({"type":"ERROR","object":{"code":410}})");
  REQUIRE(error);
  CHECK(error->type == WatchEvent::Type::Error);
  for (const char* line : {"not json", "[1]", "{\"type\":7}", "{\"type\":\"ADDED\"", "{}",
                           "{\"type\":\"RENAMED\",\"object\":{}}", "{\"type\":\"ADDED\"}",
                           "{\"type\":\"ADDED\",\"object\":[1]}"}) {
    CHECK_FALSE(decode_watch_frame(line));
  }
}
