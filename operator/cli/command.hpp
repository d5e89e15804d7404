// The `veer` command line: each subcommand is one .cpp in this folder that registers itself.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace veer::cli {

// What a subcommand sees: its arguments (without the subcommand's name) and its streams, so tests
// can run a subcommand in-process.
struct Invocation {
  std::vector<std::string> args;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

struct Command {
  std::string name;
  std::string summary;  // one line for `veer help`
  std::function<int(Invocation&)> run;
};

// Registers a subcommand; used through `VEER_COMMAND` at namespace scope.
void register_command(Command command);
const std::vector<Command>& registered_commands();

// Runs `veer <args...>`: dispatches to a subcommand, handles `help`, `--help` and unknown names.
int run_veer(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
             std::ostream& err);

struct Registrar {
  explicit Registrar(Command command) { register_command(std::move(command)); }
};

}  // namespace veer::cli

#define VEER_CLI_CONCAT_INNER(a, b) a##b
#define VEER_CLI_CONCAT(a, b) VEER_CLI_CONCAT_INNER(a, b)
// VEER_COMMAND("name", "summary", function): function is `int(veer::cli::Invocation&)`.
#define VEER_COMMAND(name, summary, function)                                    \
  static const ::veer::cli::Registrar VEER_CLI_CONCAT(veer_command_, __LINE__) { \
    ::veer::cli::Command {                                                       \
      name, summary, function                                                    \
    }                                                                            \
  }
