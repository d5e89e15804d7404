// `veer notify`: sends one test message through an AlertProvider's settings, so a user can check
// a webhook or token before a rollout depends on it.
#include <fstream>
#include <ostream>
#include <sstream>

#include "http/outbound_policy.hpp"
#include "http/printable.hpp"
#include "model/duration.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/outbound_flags.hpp"
#include "operator/notify/curl_transport.hpp"
#include "operator/notify/provider.hpp"

namespace veer::cli {
namespace {

std::string trim(std::string text) {
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  return text;
}

int run_notify(Invocation& call) {
  std::string type, address, channel, token_file, username = "veer", proxy, cluster;
  std::string message = "Test notification from veer: this provider receives rollout messages.";
  std::string timeout_text = "5s";
  ArgParser parser("notify", "--type TYPE --address URL [flags]",
                   "Sends one test message to a chat provider or webhook and reports the answer.\n"
                   "Exit status: 0 delivered, 1 refused or unreachable (the HTTP status and body\n"
                   "are printed), 64 usage error.");
  parser.option("type", &type, "TYPE", "provider: slack|msteams|discord|rocket|gchat|webhook", 't')
      .choices("type", {"slack", "msteams", "discord", "rocket", "gchat", "webhook"})
      .option("address", &address, "URL",
              "webhook URL (for Slack with --token-file: defaults to chat.postMessage)", 'a')
      .option("channel", &channel, "C", "channel (Slack, Rocket.Chat)", 'c')
      .option("token-file", &token_file, "F", "file holding a bearer token (Slack bot token)")
      .option("message", &message, "TEXT", "the text to send", 'm')
      .option("username", &username, "NAME", "sender name shown by the provider")
      .option("proxy", &proxy, "URL", "HTTP(S) proxy")
      .option("cluster", &cluster, "NAME", "cluster name shown in the message")
      .option("timeout", &timeout_text, "DURATION", "how long to wait for the answer (5s)");
  OutboundFlags outbound;
  outbound.add_to(parser, false);
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  std::string policy_error;
  const auto policy = outbound.policy(policy_error);
  if (!policy) return usage_error(parser, policy_error, call.err);
  http::set_outbound_policy(*policy);
  if (!parsed.positionals.empty()) return usage_error(parser, "takes no arguments", call.err);
  if (type.empty()) return usage_error(parser, "--type is required", call.err);
  const auto timeout = model::parse_duration_ms(timeout_text);
  if (!timeout || timeout->count() <= 0) {
    return usage_error(parser, "--timeout \"" + timeout_text + "\" is not a duration like 5s",
                       call.err);
  }

  notify::Destination to;
  to.type = *notify::parse_provider_type(type);
  to.address = address;
  to.channel = channel;
  to.username = username;
  to.proxy = proxy;
  if (!token_file.empty()) {
    std::ifstream file(token_file);
    if (!file) {
      call.err << "veer notify: cannot read --token-file " << http::printable(token_file) << "\n";
      return 1;
    }
    std::stringstream text;
    text << file.rdbuf();
    to.token = trim(text.str());
    if (to.token.empty()) {
      call.err << "veer notify: --token-file " << http::printable(token_file) << " is empty\n";
      return 1;
    }
  }
  if (address.empty() && !(to.type == notify::ProviderType::slack && !to.token.empty())) {
    return usage_error(parser, "--address is required (or --token-file for Slack)", call.err);
  }

  notify::Notification n;
  n.name = "veer-notify-test";
  n.namespace_ = "default";
  n.cluster = cluster;
  n.message = message;
  n.severity = notify::Severity::info;
  const auto request = notify::build_request(n, to);
  if (auto refused = http::refuse_url(*policy, request.url)) {
    return usage_error(parser, "--address: " + *refused, call.err);
  }
  notify::CurlTransport transport;
  const auto reply = transport.post(request, *timeout);
  if (reply.status == 0) {
    call.err << "veer notify: " << type
             << " unreachable: " << http::printable(notify::redact(reply.error, to)) << "\n";
    return 1;
  }
  if (auto refused = notify::rejection(to, reply.status, reply.body)) {
    call.err << "veer notify: " << type
             << " refused the message: " << http::printable(notify::redact(*refused, to)) << "\n";
    return 1;
  }
  call.out << "sent a test message to " << type << " (HTTP " << reply.status << ")\n";
  return 0;
}

}  // namespace

VEER_COMMAND("notify", "send a test message to a notification provider", run_notify);

}  // namespace veer::cli
