#include <iostream>

#include "operator/cli/command.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return veer::cli::run_veer(args, std::cin, std::cout, std::cerr);
}
