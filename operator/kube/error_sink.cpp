#include "operator/kube/error_sink.hpp"

#include <mutex>
#include <utility>
#include <vector>

namespace veer::kube {
namespace {

struct Sinks {
  std::mutex mutex;
  std::uint64_t next = 1;
  std::vector<std::pair<std::uint64_t, ErrorSink>> registered;  // the last one receives
};

Sinks& sinks() {
  static Sinks instance;
  return instance;
}

}  // namespace

std::uint64_t add_error_sink(ErrorSink sink) {
  auto& s = sinks();
  std::lock_guard guard(s.mutex);
  const auto handle = s.next++;
  s.registered.emplace_back(handle, std::move(sink));
  return handle;
}

void remove_error_sink(std::uint64_t handle) {
  auto& s = sinks();
  std::lock_guard guard(s.mutex);
  for (auto it = s.registered.begin(); it != s.registered.end(); ++it)
    if (it->first == handle) {
      s.registered.erase(it);
      return;
    }
}

void report_error(const std::string& what, const ApiError& error) {
  auto& s = sinks();
  // Called under the lock, so that a sink is never called after its remove_error_sink returned
  // (a logger being destroyed); sinks only log.
  std::lock_guard guard(s.mutex);
  if (!s.registered.empty() && s.registered.back().second) s.registered.back().second(what, error);
}

}  // namespace veer::kube
