#include "operator/runtime/canary_events.hpp"

#include <atomic>

#include "base/time_format.hpp"

namespace veer::runtime {

bool CanaryEvents::write(const model::Canary& canary, bool warning, const std::string& reason,
                         const std::string& message) {
  return write(canary.metadata, canary.api_version, "Canary", warning, reason, message);
}

bool CanaryEvents::write(const model::ObjectMeta& meta, const std::string& api_version,
                         const std::string& kind, bool warning, const std::string& reason,
                         const std::string& message) {
  const auto now = clock_.now();
  {
    std::lock_guard guard(mutex_);
    const auto key = meta.namespace_ + "/" + meta.name + "\n" + message;
    auto it = last_.find(key);
    if (it != last_.end() && now - it->second < window_) return false;
    last_[key] = now;
    if (last_.size() > 10000) last_.clear();  // bounded; a repeat event is harmless
  }
  static std::atomic<std::uint64_t> counter{0};
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata",
       {{"name", meta.name + ".r" + std::to_string(ms) + "." + std::to_string(counter++)},
        {"namespace", meta.namespace_}}},
      {"involvedObject",
       {{"apiVersion", api_version},
        {"kind", kind},
        {"name", meta.name},
        {"namespace", meta.namespace_},
        {"uid", meta.uid}}},
      {"reason", reason},
      {"message", message},
      {"type", warning ? "Warning" : "Normal"},
      {"source", {{"component", "veer"}}},
      {"firstTimestamp", base::format_time(now)},
      {"lastTimestamp", base::format_time(now)},
      {"count", 1}};
  return cluster_.create(event).ok();
}

}  // namespace veer::runtime
