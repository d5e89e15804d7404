// A small flag parser shared by every subcommand: `--name value`, `--name=value`, `-n value`,
// boolean `--flag` (and `--flag=false`), `--` to end flags, `-` as a positional (stdin),
// `--help`/`-h`, and an error with a "did you mean" hint for unknown flags.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace veer::cli {

inline constexpr int kUsageExitCode = 64;

class ArgParser {
 public:
  ArgParser(std::string command, std::string usage, std::string description = {});

  // A boolean flag: present sets *target to true.
  ArgParser& flag(const std::string& name, bool* target, std::string help, char short_name = '\0');
  // An option with a value; the last occurrence wins.
  ArgParser& option(const std::string& name, std::string* target, std::string value_name,
                    std::string help, char short_name = '\0');
  // An option that may be given several times; values are appended.
  ArgParser& repeated(const std::string& name, std::vector<std::string>* target,
                      std::string value_name, std::string help, char short_name = '\0');
  // Restricts an option to a fixed set of values (checked after parsing).
  ArgParser& choices(const std::string& name, std::vector<std::string> allowed);

  struct Result {
    bool ok = true;
    bool help = false;  // --help was given: the help text was printed to `out`
    std::string error;  // when !ok: one line, with a hint
    std::vector<std::string> positionals;
  };
  // Parses and, for --help, prints the help text to `out`.
  Result parse(const std::vector<std::string>& args, std::ostream& out) const;

  std::string help_text() const;
  const std::string& command() const { return command_; }

 private:
  struct Spec {
    std::string name;
    char short_name = '\0';
    std::string value_name;  // empty for boolean flags
    std::string help;
    bool* flag = nullptr;
    std::string* value = nullptr;
    std::vector<std::string>* values = nullptr;
    std::vector<std::string> allowed;
  };
  const Spec* find(const std::string& name) const;
  const Spec* find_short(char name) const;
  std::string suggestion(const std::string& unknown) const;

  std::string command_;
  std::string usage_;
  std::string description_;
  std::vector<Spec> specs_;
};

// For the test that runs every `veer` command line in the docs: while on, a parse that succeeds
// returns as --help does (help = true) but prints nothing, so the command checks its flags and
// returns 0 without acting. Off by default; nothing but that test turns it on.
void set_flags_check_only(bool on);

// Prints `veer <command>: <error>` to err and returns the usage-error exit code, 64 (EX_USAGE,
// so it never collides with a subcommand's own exit codes such as `veer analyze`'s 1 and 2).
int usage_error(const ArgParser& parser, const std::string& error, std::ostream& err);

}  // namespace veer::cli
