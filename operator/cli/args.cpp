#include "operator/cli/args.hpp"

#include <algorithm>
#include <atomic>
#include <ostream>
#include <sstream>

#include "http/printable.hpp"
#include "model/spelling.hpp"

namespace veer::cli {
namespace {
std::atomic<bool> flags_check_only{false};
}  // namespace

ArgParser::ArgParser(std::string command, std::string usage, std::string description)
    : command_(std::move(command)),
      usage_(std::move(usage)),
      description_(std::move(description)) {}

ArgParser& ArgParser::flag(const std::string& name, bool* target, std::string help,
                           char short_name) {
  specs_.push_back(Spec{name, short_name, {}, std::move(help), target, nullptr, nullptr, {}});
  return *this;
}

ArgParser& ArgParser::option(const std::string& name, std::string* target, std::string value_name,
                             std::string help, char short_name) {
  specs_.push_back(
      Spec{name, short_name, std::move(value_name), std::move(help), nullptr, target, nullptr, {}});
  return *this;
}

ArgParser& ArgParser::repeated(const std::string& name, std::vector<std::string>* target,
                               std::string value_name, std::string help, char short_name) {
  specs_.push_back(
      Spec{name, short_name, std::move(value_name), std::move(help), nullptr, nullptr, target, {}});
  return *this;
}

ArgParser& ArgParser::choices(const std::string& name, std::vector<std::string> allowed) {
  for (auto& spec : specs_) {
    if (spec.name == name) spec.allowed = std::move(allowed);
  }
  return *this;
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const {
  for (const auto& spec : specs_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const ArgParser::Spec* ArgParser::find_short(char name) const {
  for (const auto& spec : specs_) {
    if (spec.short_name != '\0' && spec.short_name == name) return &spec;
  }
  return nullptr;
}

std::string ArgParser::suggestion(const std::string& unknown) const {
  std::vector<std::string> names{"help"};
  for (const auto& spec : specs_) names.push_back(spec.name);
  if (auto match = model::closest_match(unknown, names)) return "; did you mean --" + *match + "?";
  return "";
}

ArgParser::Result ArgParser::parse(const std::vector<std::string>& args, std::ostream& out) const {
  Result result;
  auto fail = [&result](std::string message) {
    result.ok = false;
    result.error = std::move(message);
    return result;
  };
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg == "-" || arg.empty() || arg[0] != '-') {
      result.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      out << help_text();
      result.help = true;
      return result;
    }
    const Spec* spec = nullptr;
    std::string shown;
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      spec = find(name);
      shown = "--" + name;
      if (!spec) return fail("unknown flag " + shown + suggestion(name));
    } else {
      if (arg.size() != 2) return fail("unknown flag " + arg + suggestion(arg.substr(1)));
      spec = find_short(arg[1]);
      shown = arg;
      if (!spec) return fail("unknown flag " + arg + suggestion(arg.substr(1)));
    }
    if (spec->value_name.empty()) {
      // --flag=false turns off a flag that is on by default (--deny-link-local).
      if (inline_value && *inline_value != "true" && *inline_value != "false") {
        return fail(shown + " takes no value (or =true, =false)");
      }
      *spec->flag = !inline_value || *inline_value == "true";
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fail(shown + " needs a value (" + spec->value_name + ")");
    }
    if (!spec->allowed.empty() &&
        std::find(spec->allowed.begin(), spec->allowed.end(), value) == spec->allowed.end()) {
      std::string list;
      for (const auto& a : spec->allowed) list += (list.empty() ? "" : ", ") + a;
      return fail(shown + " must be one of " + list + ", not \"" + value + "\"");
    }
    if (spec->value) *spec->value = value;
    if (spec->values) spec->values->push_back(value);
  }
  if (flags_check_only.load()) result.help = true;
  return result;
}

void set_flags_check_only(bool on) {
  flags_check_only.store(on);
}

std::string ArgParser::help_text() const {
  std::ostringstream text;
  text << "Usage: veer " << command_ << ' ' << usage_ << "\n";
  if (!description_.empty()) text << "\n" << description_ << "\n";
  text << "\nFlags:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& spec : specs_) {
    std::string left = "  ";
    left += spec.short_name ? std::string("-") + spec.short_name + ", " : "    ";
    left += "--" + spec.name;
    if (!spec.value_name.empty()) left += " " + spec.value_name;
    std::string help = spec.help;
    if (!spec.allowed.empty()) {
      help += " (";
      for (std::size_t i = 0; i < spec.allowed.size(); ++i)
        help += (i ? "|" : "") + spec.allowed[i];
      help += ")";
    }
    rows.emplace_back(left, help);
  }
  rows.emplace_back("  -h, --help", "show this help");
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& [left, help] : rows)
    text << left << std::string(width - left.size() + 2, ' ') << help << "\n";
  return text.str();
}

int usage_error(const ArgParser& parser, const std::string& error, std::ostream& err) {
  err << "veer " << parser.command() << ": " << http::printable(error) << "\n"
      << "Run 'veer " << parser.command() << " --help' for usage.\n";
  return kUsageExitCode;
}

}  // namespace veer::cli
