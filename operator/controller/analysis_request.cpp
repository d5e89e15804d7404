#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "operator/controller/canary_reconciler.hpp"

namespace veer::controller {

namespace {

// A running 64-bit hash: each value is folded in and the sum mixed (the splitmix64 finalizer), so
// a change in any value, or in the order or number of values, moves the result. No allocation.
class Hasher {
 public:
  void add(std::uint64_t value) {
    state_ = mix(state_ ^ (value + 0x9e3779b97f4a7c15ULL + (state_ << 6) + (state_ >> 2)));
  }
  void add(std::int64_t value) { add(static_cast<std::uint64_t>(value)); }
  void add_text(std::string_view text) {
    add(static_cast<std::uint64_t>(std::hash<std::string_view>{}(text)));
    add(static_cast<std::uint64_t>(text.size()));
  }
  void add_json(const nlohmann::json& value) {
    add(static_cast<std::uint64_t>(std::hash<nlohmann::json>{}(value)));
  }
  std::uint64_t value() const { return state_; }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_ = 0;
};

#if defined(__GLIBCXX__) && defined(__x86_64__)
// A field added to CanaryStatus must be hashed in status_hash below (then update this size);
// analysis_request_test also changes every field written by to_json.
static_assert(sizeof(model::CanaryStatus) == 320 && sizeof(model::Condition) == 192,
              "CanaryStatus or Condition changed: hash the new fields in status_hash");
#endif

std::uint64_t status_hash(const model::CanaryStatus& s) {
  Hasher h;
  h.add(static_cast<std::int64_t>(s.phase));
  h.add(static_cast<std::int64_t>(s.failed_checks));
  h.add(static_cast<std::int64_t>(s.canary_weight));
  h.add(static_cast<std::int64_t>(s.iterations));
  h.add_text(s.session_affinity_cookie);
  h.add_text(s.previous_session_affinity_cookie);
  h.add_text(s.primary_session_affinity_cookie);
  h.add(static_cast<std::uint64_t>(s.tracked_configs.size()));
  for (const auto& [name, hash] : s.tracked_configs) {
    h.add_text(name);
    h.add_text(hash);
  }
  h.add_text(s.last_applied_spec);
  h.add_text(s.last_promoted_spec);
  h.add_text(s.last_transition_time);
  h.add(static_cast<std::uint64_t>(s.conditions.size()));
  for (const auto& c : s.conditions) {
    h.add_text(c.type);
    h.add_text(c.status);
    h.add_text(c.last_update_time);
    h.add_text(c.last_transition_time);
    h.add_text(c.reason);
    h.add_text(c.message);
  }
  h.add(s.observed_generation);
  h.add_json(s.evidence);
  h.add_json(s.rollout);
  return h.value();
}

}  // namespace

// The status holds the step (phase, weight, iterations, its start) and the revision under
// analysis; the spec, the metrics and their thresholds. Nothing else of the object (its
// resourceVersion moves with writes that do not change the question).
AnalysisRequestId analysis_request_id(const model::Canary& canary) {
  AnalysisRequestId id;
  const auto& meta = canary.metadata;
  if (!meta.uid.empty() && meta.generation > 0) {
    id.spec = meta.uid;
  } else {
    id.spec = model::to_json(canary.spec).dump();
  }
  id.generation = meta.generation;
  id.phase = canary.status.phase;
  id.canary_weight = canary.status.canary_weight;
  id.iterations = canary.status.iterations;
  id.failed_checks = canary.status.failed_checks;
  id.status_hash = status_hash(canary.status);
  return id;
}

}  // namespace veer::controller
