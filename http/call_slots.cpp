#include "http/call_slots.hpp"

namespace veer::http {

bool CallSlots::acquire(int capacity, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const bool got = freed_.wait_until(lock, deadline, [&] { return in_flight_ < capacity; });
  if (got) ++in_flight_;
  return got;
}

void CallSlots::release() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  freed_.notify_one();
}

int CallSlots::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

}  // namespace veer::http
