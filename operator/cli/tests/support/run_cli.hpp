// Runs `veer <args...>` in-process for CLI tests, with `input` as standard input.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "operator/cli/command.hpp"

namespace veer::cli::testing {

struct Result {
  int code;
  std::string out;
  std::string err;
};

inline Result run(const std::vector<std::string>& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  int code = run_veer(args, in, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace veer::cli::testing
