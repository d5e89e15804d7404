#include "operator/controller/gates.hpp"

#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/decision.hpp"

namespace veer::controller {

std::optional<Gate> parse_gate(const std::string& text) {
  if (text == "promote") return Gate::Promote;
  if (text == "abort") return Gate::Abort;
  if (text == "retry") return Gate::Retry;
  if (text == "pause") return Gate::Pause;
  if (text == "resume") return Gate::Resume;
  return std::nullopt;
}

const char* to_string(Gate gate) {
  switch (gate) {
    case Gate::Promote:
      return "promote";
    case Gate::Abort:
      return "abort";
    case Gate::Retry:
      return "retry";
    case Gate::Pause:
      return "pause";
    case Gate::Resume:
      return "resume";
  }
  return "";
}

const char* describe(Gate gate) {
  switch (gate) {
    case Gate::Promote:
      return "promote a running canary now (skips the remaining steps)";
    case Gate::Abort:
      return "roll a canary back now";
    case Gate::Retry:
      return "run a failed revision again without editing its pod template";
    case Gate::Pause:
      return "hold a canary at its current step";
    case Gate::Resume:
      return "continue a paused canary";
  }
  return "";
}

std::string request_gate(kube::Cluster& cluster, const std::string& ns, const std::string& name,
                         Gate gate, const std::string& request_id) {
  nlohmann::json annotations;
  switch (gate) {
    case Gate::Promote:
      annotations[kPromoteAnnotation] = request_id;
      break;
    case Gate::Abort:
      annotations[kAbortAnnotation] = request_id;
      break;
    case Gate::Retry:
      annotations[kRetryAnnotation] = request_id;
      break;
    case Gate::Pause:
      annotations[kPausedAnnotation] = "true";
      break;
    case Gate::Resume:
      annotations[kPausedAnnotation] = nullptr;
      break;
  }
  auto patched = cluster.patch({canary_type(), ns, name}, kube::PatchType::Merge,
                               {{"metadata", {{"annotations", annotations}}}});
  if (patched) return "";
  if (patched.is(kube::ErrorType::NotFound))
    return "Canary " + ns + "/" + name + " not found (check the name and -n NAMESPACE)";
  return "Canary " + ns + "/" + name + ": " + patched.error().message;
}

}  // namespace veer::controller
