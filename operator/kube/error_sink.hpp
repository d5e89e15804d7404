// Where an API error goes when the code that meets it has no caller to hand it to: a best-effort
// write (a Kubernetes Event, which never blocks a rollout) and the leader election's own loop. The
// operator's log takes them: runtime::Logger registers itself while it lives (the latest logger
// wins). With no sink registered they are dropped, as before. Never for errors a caller gets.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::kube {

// `what` names the call ("creating an Event about Canary team-a/podinfo"); the error keeps its
// kind and the server's message.
using ErrorSink = std::function<void(const std::string& what, const ApiError& error)>;

// Makes `sink` the receiver until it is removed (then the one registered before it, if still
// there, receives again); returns the handle to remove it with. Thread-safe.
std::uint64_t add_error_sink(ErrorSink sink);
void remove_error_sink(std::uint64_t handle);

// Hands the error to the current sink (on the calling thread), or drops it when there is none.
void report_error(const std::string& what, const ApiError& error);

}  // namespace veer::kube
