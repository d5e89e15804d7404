// fuzz_replay TARGET DIR...: runs every regular file below each DIR through TARGET's fuzz entry
// point, as libFuzzer would run one input. Under ASan/UBSan a crash, leak or undefined behaviour
// fails the run; the name of each file is printed before it runs, so the culprit is named.
// A missing DIR is fine (a target may have no reproducers yet); no input at all is an error.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "replay_table.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_below(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_replay TARGET DIR...\n");
    return 2;
  }
  const std::string name = argv[1];
  const auto& all = veer::fuzz::targets();
  auto target = std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.name == name; });
  if (target == all.end()) {
    std::fprintf(stderr, "fuzz_replay: no target named %s\n", name.c_str());
    return 2;
  }
  std::size_t count = 0;
  for (int i = 2; i < argc; ++i) {
    for (const auto& path : files_below(argv[i])) {
      std::ifstream in(path, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      std::printf("%s\n", path.c_str());
      std::fflush(stdout);
      // A copy in its own allocation, so ASan sees a read past the end as libFuzzer would.
      std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
      target->entry(input.data(), input.size());
      ++count;
    }
  }
  std::printf("%s: %zu inputs replayed\n", name.c_str(), count);
  if (count == 0) {
    std::fprintf(stderr, "fuzz_replay: no inputs for %s\n", name.c_str());
    return 1;
  }
  return 0;
}
