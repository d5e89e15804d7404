#include "model/input_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>

namespace veer::model {

namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& path) {
  auto ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

InputFile read_file(const std::string& name) {
  InputFile f{name, "", ""};
  std::ifstream in(name, std::ios::binary);
  if (!in) {
    f.error = "cannot read file";
    return f;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  f.text = buffer.str();
  return f;
}

}  // namespace

std::vector<InputFile> read_input_files(const std::vector<std::string>& paths, std::istream& in) {
  std::vector<InputFile> out;
  for (const auto& path : paths) {
    if (path == "-") {
      std::ostringstream buffer;
      buffer << in.rdbuf();
      out.push_back({"<stdin>", buffer.str(), ""});
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.push_back({path, "", "no such file or directory"});
      continue;
    }
    if (!fs::is_directory(status)) {
      out.push_back(read_file(path));
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto& entry = *it;
      auto name = entry.path().filename().string();
      if (entry.is_directory() && !name.empty() && name[0] == '.') {
        it.disable_recursion_pending();  // .git and friends
        continue;
      }
      if (entry.is_regular_file() && is_manifest(entry.path()))
        found.push_back(entry.path().string());
    }
    if (ec) out.push_back({path, "", "cannot list directory: " + ec.message()});
    std::sort(found.begin(), found.end());
    for (const auto& f : found) out.push_back(read_file(f));
  }
  return out;
}

}  // namespace veer::model
