#include "model/input_files.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>

namespace veer::model {

namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& path) {
  auto ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

std::string size_text(std::size_t bytes) {
  if (bytes < (std::size_t{1} << 20)) return std::to_string(bytes) + " bytes";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// Reads at most one byte past the limit, so a pipe or /dev/zero cannot fill memory.
InputFile read_stream(const std::string& name, std::istream& in, const ReadLimits& limits) {
  InputFile f{name, "", ""};
  std::size_t cap = limits.max_file_bytes + 1;
  char buffer[1 << 16];
  while (f.text.size() < cap && in) {
    in.read(buffer, static_cast<std::streamsize>(std::min(sizeof buffer, cap - f.text.size())));
    f.text.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (f.text.size() > limits.max_file_bytes) {
    f.error = "is larger than " + size_text(limits.max_file_bytes) +
              "; veer reads at most that much from one file";
    f.text.clear();
  }
  return f;
}

// Why a directory entry named like a manifest is skipped; "" for a regular file (read) and
// nullopt for anything else (a FIFO or a directory named *.yaml: ignored, as before).
std::optional<std::string> unreadable_entry(const fs::directory_entry& entry) {
  std::error_code ec;
  auto status = entry.status(ec);  // follows symbolic links
  if (ec == std::errc::too_many_symbolic_link_levels) return "skipped: a symbolic link loop";
  if (ec || status.type() == fs::file_type::not_found) {
    std::error_code link_ec;
    if (entry.is_symlink(link_ec)) return "skipped: a broken symbolic link";
    return "skipped: " + (ec ? ec.message() : std::string("no longer exists"));
  }
  if (status.type() == fs::file_type::regular) return "";
  return std::nullopt;
}

}  // namespace

std::string too_large_message(std::size_t bytes, const ReadLimits& limits) {
  std::string size = size_text(bytes);
  if (size.find("MiB") != std::string::npos) size += " (" + std::to_string(bytes) + " bytes)";
  return "is " + size + "; veer reads at most " + size_text(limits.max_file_bytes) +
         " from one file";
}

InputFile read_bounded_file(const std::string& name, const ReadLimits& limits) {
  std::error_code ec;
  auto size = fs::file_size(name, ec);
  if (!ec && size > limits.max_file_bytes) return {name, "", too_large_message(size, limits)};
  std::ifstream in(name, std::ios::binary);
  if (!in) return {name, "", "cannot read file"};
  return read_stream(name, in, limits);
}

std::vector<InputFile> read_input_files(const std::vector<std::string>& paths, std::istream& in,
                                        const ReadLimits& limits) {
  std::vector<InputFile> out;
  for (const auto& path : paths) {
    if (path == "-") {
      out.push_back(read_stream("<stdin>", in, limits));
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      out.push_back({path, "", "cannot read: " + ec.message()});
      continue;
    }
    if (!fs::exists(status)) {
      out.push_back({path, "", "no such file or directory"});
      continue;
    }
    if (!fs::is_directory(status)) {
      out.push_back(read_bounded_file(path, limits));
      continue;
    }
    std::vector<std::string> found;
    std::vector<InputFile> skipped;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto& entry = *it;
      auto name = entry.path().filename().string();
      std::error_code type_ec;
      if (entry.is_directory(type_ec)) {
        if (!name.empty() && name[0] == '.') it.disable_recursion_pending();  // .git and friends
        continue;
      }
      if (!is_manifest(entry.path())) continue;
      auto why = unreadable_entry(entry);
      if (why && why->empty())
        found.push_back(entry.path().string());
      else if (why)
        skipped.push_back({entry.path().string(), "", *why, true});
    }
    if (ec) out.push_back({path, "", "cannot list directory: " + ec.message()});
    std::sort(found.begin(), found.end());
    for (const auto& f : found) out.push_back(read_bounded_file(f, limits));
    out.insert(out.end(), skipped.begin(), skipped.end());
  }
  return out;
}

}  // namespace veer::model
