#include <ostream>

#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

namespace veer::cli {
namespace {

int run_version(Invocation& call) {
  ArgParser parser("version", "", "Prints veer's version and the API version of its resources.");
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty()) return usage_error(parser, "takes no arguments", call.err);
  call.out << "veer " << VEER_VERSION << " (API veer.dev/v1beta1)\n";
  return 0;
}

}  // namespace

VEER_COMMAND("version", "print veer's version", run_version);

}  // namespace veer::cli
