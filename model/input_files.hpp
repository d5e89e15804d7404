// Expands the PATH... arguments of `veer validate` and `veer convert`: files, directories
// (recursively, *.yaml, *.yml and *.json in sorted order) and "-" for standard input.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace veer::model {

struct InputFile {
  std::string name;   // the path as found, or "<stdin>"
  std::string text;   // the contents, when readable
  std::string error;  // why it could not be read, "" when it could
};

std::vector<InputFile> read_input_files(const std::vector<std::string>& paths, std::istream& in);

}  // namespace veer::model
