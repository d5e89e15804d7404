// Gives the memory the allocator holds free back to the operating system, every so often.
// glibc keeps freed memory in its arenas (one per thread that allocated); after a rollout of
// thousands of Canaries, or the start-up lists, most of the process's RSS can be such free
// memory that is never reused at that size (bench/scale/results.md, part 10).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace veer::runtime {

// What one return did: the resident set before and after, in kB (0 when unknown).
struct MemoryReturned {
  long rss_before_kb = 0;
  long rss_after_kb = 0;
};

class MemoryReturn {
 public:
  using Release = std::function<void()>;
  // Every `interval` (real time) calls `release` (default: malloc_trim), then `on_returned`.
  // An interval of 0 starts nothing.
  explicit MemoryReturn(std::chrono::milliseconds interval, Release release = {},
                        std::function<void(const MemoryReturned&)> on_returned = {});
  ~MemoryReturn();  // stops
  MemoryReturn(const MemoryReturn&) = delete;
  MemoryReturn& operator=(const MemoryReturn&) = delete;

  void stop();                  // idempotent; returns once the thread has ended
  std::size_t returns() const;  // how many returns have run

 private:
  void run();

  std::chrono::milliseconds interval_;
  Release release_;
  std::function<void(const MemoryReturned&)> on_returned_;
  mutable std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::size_t returns_ = 0;
  std::thread thread_;
};

// VmRSS of this process in kB, 0 when /proc is not there.
long resident_set_kb();

}  // namespace veer::runtime
