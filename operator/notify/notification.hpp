// What veer tells people about a rollout: one event of one Canary, independent of where it goes.
// Providers (slack.hpp, msteams.hpp, ...) turn it into their own payloads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace veer::notify {

// Flagger's alert severities: an alert set to `info` receives everything, `warn` receives warn
// and error, `error` receives only error.
enum class Severity { info, warn, error };

std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);
// True when an alert configured at `threshold` should receive a notification of severity `s`.
bool passes(Severity s, Severity threshold);

// One line of analysis evidence, already formatted for people ("99.2%", "182 ms").
struct EvidenceRow {
  std::string metric;
  std::string canary;
  std::string primary;
  std::string verdict;  // "pass", "fail", "inconclusive", ...
  std::string margin;   // how far from the limit, or the interval ("-0.4 pp [-0.9, 0.1]")
};

// A command a person can run next, with what it does.
struct SuggestedCommand {
  std::string label;    // "Promote now"
  std::string command;  // "veer promote podinfo -n test"
};

struct Notification {
  std::string name;  // the Canary's name
  std::string namespace_;
  std::string cluster;   // --cluster-name; may be empty
  std::string phase;     // Flagger phase: Progressing, WaitingPromotion, Succeeded, Failed, ...
  int weight = 0;        // canary traffic weight in percent
  std::string revision;  // the new revision, usually the image
  Severity severity = Severity::info;
  std::string message;  // one sentence: what happened
  std::string reason;   // why (a failed check, the approval that is missing, ...); may be empty
  std::vector<EvidenceRow> evidence;
  std::optional<std::chrono::system_clock::time_point> time;  // when it happened, if known

  // "podinfo.test": how Flagger and veer name a canary in messages.
  std::string canary_id() const { return name + "." + namespace_; }
};

// The commands that fit the canary's phase: promote/abort while waiting, abort while progressing,
// promote anyway after a rollback. Empty when nothing is left to do.
std::vector<SuggestedCommand> suggested_commands(const Notification& n);

// A one-line plain-text summary ("podinfo.test: Promotion completed (Succeeded, weight 0%)"),
// used as every provider's notification preview and accessibility fallback.
std::string summary_line(const Notification& n);

// The facts every provider shows, in order, skipping empty ones: Cluster, Phase, Weight, Revision.
struct Fact {
  std::string title;
  std::string value;
};
std::vector<Fact> facts(const Notification& n);

// The notification's content without its time: equal keys mean an identical message.
std::string content_key(const Notification& n);

}  // namespace veer::notify
