// Expands the PATH... arguments of `veer validate`, `veer convert` and `veer analyze -f`: files,
// directories (recursively, *.yaml, *.yml and *.json in sorted order) and "-" for standard
// input, each read up to ReadLimits::max_file_bytes.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "model/read_limits.hpp"

namespace veer::model {

struct InputFile {
  std::string name;   // the path as found, or "<stdin>"
  std::string text;   // the contents, when readable
  std::string error;  // why it could not be read (or was skipped), "" when it could
  // A directory entry left out (a symbolic link loop, a broken link): worth a note, and not
  // a failure of the walk, as `kubectl apply -f DIR` would not read it either.
  bool skipped = false;
};

// Entries of a directory that cannot be read (a symbolic link loop, a broken link) come back
// with an error saying so, and the walk goes on; nothing here throws.
std::vector<InputFile> read_input_files(const std::vector<std::string>& paths, std::istream& in,
                                        const ReadLimits& limits = {});

// One file, or an error when it cannot be read or is larger than the limit.
InputFile read_bounded_file(const std::string& name, const ReadLimits& limits = {});

// "is 70.0 MiB (73400320 bytes); veer reads at most 64.0 MiB from one file".
std::string too_large_message(std::size_t bytes, const ReadLimits& limits);

}  // namespace veer::model
