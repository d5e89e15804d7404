// Manual gates (`veer promote|abort|retry|pause|resume`): a request is an annotation on the
// Canary, so it survives restarts and is seen by whichever replica leads; the controller records
// in status.rollout.handledGates which requests it acted on.
#pragma once

#include <optional>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::controller {

enum class Gate { Promote, Abort, Retry, Pause, Resume };

std::optional<Gate> parse_gate(const std::string& text);
const char* to_string(Gate gate);
// What the gate does, for `veer help`.
const char* describe(Gate gate);

// Writes the request onto Canary ns/name (a merge patch of its annotations). Promote, abort and
// retry carry a unique id (`request_id`, e.g. the time); pause sets veer.dev/paused and resume
// removes it. Returns "" or an error message naming the Canary.
std::string request_gate(kube::Cluster& cluster, const std::string& ns, const std::string& name,
                         Gate gate, const std::string& request_id);

}  // namespace veer::controller
