// `veer promote|abort|retry|pause|resume NAME [-n NS]`: manual gates, written onto the Canary
// through the Kubernetes API with the user's kubeconfig (see docs/canary.md "Manual gates").
#include <ostream>

#include "base/time_format.hpp"
#include "http/printable.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/controller/gates.hpp"
#include "operator/kube/connect.hpp"

namespace veer::cli {
namespace {

int run_gate(Invocation& call, controller::Gate gate) {
  std::string ns, kubeconfig, context;
  const std::string name = controller::to_string(gate);
  ArgParser parser(name, "NAME",
                   std::string("Asks the controller to ") + controller::describe(gate) + ".");
  parser.option("namespace", &ns, "NS", "the Canary's namespace (default: the context's)", 'n')
      .option("kubeconfig", &kubeconfig, "FILE",
              "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
      .option("context", &context, "NAME", "kubeconfig context");
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (parsed.positionals.size() != 1) return usage_error(parser, "wants one Canary NAME", call.err);
  auto connection = kube::connect(kubeconfig, context);
  if (!connection) {
    call.err << "veer " << name << ": " << http::printable(connection.error().message) << "\n";
    return 1;
  }
  if (ns.empty()) ns = connection->config.ns;
  const auto id = base::format_micro_time(connection->clock->now());
  auto error = controller::request_gate(*connection->cluster, ns, parsed.positionals[0], gate, id);
  if (!error.empty()) {
    call.err << "veer " << name << ": " << http::printable(error) << "\n";
    return 1;
  }
  call.out << "canary " << http::printable(ns + "/" + parsed.positionals[0]) << ": " << name
           << " requested (" << id << "); `veer status " << parsed.positionals[0] << " -n " << ns
           << " -w` follows it\n";
  return 0;
}

int run_promote(Invocation& call) {
  return run_gate(call, controller::Gate::Promote);
}
int run_abort(Invocation& call) {
  return run_gate(call, controller::Gate::Abort);
}
int run_retry(Invocation& call) {
  return run_gate(call, controller::Gate::Retry);
}
int run_pause(Invocation& call) {
  return run_gate(call, controller::Gate::Pause);
}
int run_resume(Invocation& call) {
  return run_gate(call, controller::Gate::Resume);
}

}  // namespace

VEER_COMMAND("promote", "promote a running canary now", run_promote);
VEER_COMMAND("abort", "roll a canary back now", run_abort);
VEER_COMMAND("retry", "run a failed revision again without editing it", run_retry);
VEER_COMMAND("pause", "hold a canary at its current step", run_pause);
VEER_COMMAND("resume", "continue a paused canary", run_resume);

}  // namespace veer::cli
