#include "operator/notify/notification.hpp"

#include <ctime>

#include <fmt/format.h>

namespace veer::notify {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warn:
      return "warn";
    case Severity::error:
      return "error";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text.empty() || text == "info") return Severity::info;
  if (text == "warn" || text == "warning") return Severity::warn;
  if (text == "error") return Severity::error;
  return std::nullopt;
}

bool passes(Severity s, Severity threshold) {
  return static_cast<int>(s) >= static_cast<int>(threshold);
}

std::vector<SuggestedCommand> suggested_commands(const Notification& n) {
  const std::string target = n.name + " -n " + n.namespace_;
  const SuggestedCommand promote{"Promote now", "veer promote " + target};
  const SuggestedCommand abort{"Abort and roll back", "veer abort " + target};
  if (n.phase == "Waiting" || n.phase == "WaitingPromotion") return {promote, abort};
  if (n.phase == "Progressing" || n.phase == "Promoting") return {abort};
  if (n.phase == "Failed") return {{"Promote this revision anyway", promote.command}};
  return {};
}

std::string summary_line(const Notification& n) {
  std::string line = n.canary_id() + ": " + n.message;
  if (!n.reason.empty()) line += " — " + n.reason;
  if (!n.phase.empty()) line += fmt::format(" ({}, weight {}%)", n.phase, n.weight);
  return line;
}

std::vector<Fact> facts(const Notification& n) {
  std::vector<Fact> out;
  if (!n.cluster.empty()) out.push_back({"Cluster", n.cluster});
  if (!n.phase.empty()) out.push_back({"Phase", n.phase});
  out.push_back({"Weight", fmt::format("{}%", n.weight)});
  if (!n.revision.empty()) out.push_back({"Revision", n.revision});
  return out;
}

std::string content_key(const Notification& n) {
  // Fields joined with a separator that cannot appear in Kubernetes names; evidence included,
  // so a new analysis result is never swallowed as a duplicate.
  std::string key = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", n.name,
                                n.namespace_, n.cluster, n.phase, n.weight, n.revision,
                                to_string(n.severity), n.message, n.reason);
  for (const auto& e : n.evidence) {
    key += fmt::format("\x1e{}\x1f{}\x1f{}\x1f{}\x1f{}", e.metric, e.canary, e.primary, e.verdict,
                       e.margin);
  }
  return key;
}

}  // namespace veer::notify
