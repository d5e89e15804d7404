// A cap on outbound calls in flight: a call waits for a free slot up to its own deadline, so a
// burst of slow servers cannot pile up threads and sockets without bound.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace veer::http {

class CallSlots {
 public:
  // False when no slot freed before `deadline`. `capacity` is read at each call, so a changed
  // policy applies to the next call.
  bool acquire(int capacity, std::chrono::steady_clock::time_point deadline);
  void release();
  int in_flight() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  int in_flight_ = 0;
};

// Holds one slot for its lifetime.
class CallSlot {
 public:
  explicit CallSlot(CallSlots& slots) : slots_(slots) {}
  ~CallSlot() { slots_.release(); }
  CallSlot(const CallSlot&) = delete;
  CallSlot& operator=(const CallSlot&) = delete;

 private:
  CallSlots& slots_;
};

}  // namespace veer::http
