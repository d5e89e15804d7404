#include "operator/cli/command.hpp"

#include <algorithm>
#include <iostream>

#include "model/spelling.hpp"
#include "operator/cli/args.hpp"

namespace veer::cli {

namespace {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

void print_overview(std::ostream& out) {
  out << "veer " << VEER_VERSION
      << " - progressive delivery and experimentation for Kubernetes\n\n"
         "Usage: veer <command> [flags]\n\nCommands:\n";
  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  std::size_t width = 4;
  for (const auto& c : commands) width = std::max(width, c.name.size());
  out << "  help" << std::string(width - 4 + 2, ' ') << "show this overview, or a command's help\n";
  for (const auto& c : commands)
    out << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << c.summary << "\n";
  out << "\nRun 'veer <command> --help' for a command's flags.\n";
}

const Command* find_command(const std::string& name) {
  for (const auto& c : registered_commands())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

void register_command(Command command) {
  registry().push_back(std::move(command));
}

const std::vector<Command>& registered_commands() {
  return registry();
}

int run_veer(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
             std::ostream& err) {
  if (args.empty()) {
    print_overview(err);
    return kUsageExitCode;
  }
  std::string name = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "help" || name == "--help" || name == "-h") {
    if (rest.empty()) {
      print_overview(out);
      return 0;
    }
    name = rest[0];
    rest = {"--help"};
  }
  if (name == "--version") name = "version";
  const Command* command = find_command(name);
  if (!command) {
    std::vector<std::string> names{"help"};
    for (const auto& c : registered_commands()) names.push_back(c.name);
    err << "veer: unknown command \"" << name << "\"";
    if (auto match = model::closest_match(name, names))
      err << "; did you mean \"" << *match << "\"?";
    err << "\nRun 'veer help' for the list of commands.\n";
    return kUsageExitCode;
  }
  Invocation invocation{rest, in, out, err};
  return command->run(invocation);
}

}  // namespace veer::cli
