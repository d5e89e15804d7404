#include "operator/controller/event_object.hpp"

#include <atomic>

#include "base/time_format.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::controller {

using nlohmann::json;

namespace {

// Event names must be unique in the namespace, across reconciler instances and threads.
std::uint64_t next_event_number() {
  static std::atomic<std::uint64_t> counter{0};
  return counter++;
}

}  // namespace

json event_object(const json& object, const std::string& kind, const std::string& ns,
                  const Event& event, TimePoint now) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto& meta = object["metadata"];
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata",
           {{"name", kube::name_of(object) + "." + std::to_string(ms) + "." +
                         std::to_string(next_event_number())},
            {"namespace", ns}}},
          {"involvedObject",
           {{"apiVersion", object.value("apiVersion", "veer.dev/v1beta1")},
            {"kind", kind},
            {"name", meta.value("name", "")},
            {"namespace", ns},
            {"uid", meta.value("uid", "")}}},
          {"reason", "Synced"},
          {"message", event.message},
          {"type", event.warning ? "Warning" : "Normal"},
          {"source", {{"component", "veer"}}},
          {"firstTimestamp", base::format_time(now)},
          {"lastTimestamp", base::format_time(now)},
          {"count", 1}};
}

}  // namespace veer::controller
