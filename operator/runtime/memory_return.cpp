#include "operator/runtime/memory_return.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

namespace veer::runtime {

long resident_set_kb() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (!statm) return 0;
  long size = 0;
  long resident = 0;
  const int read = std::fscanf(statm, "%ld %ld", &size, &resident);
  std::fclose(statm);
  if (read != 2) return 0;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

MemoryReturn::MemoryReturn(std::chrono::milliseconds interval, Release release,
                           std::function<void(const MemoryReturned&)> on_returned)
    : interval_(interval), release_(std::move(release)), on_returned_(std::move(on_returned)) {
  if (!release_) release_ = [] { malloc_trim(0); };
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

MemoryReturn::~MemoryReturn() {
  stop();
}

void MemoryReturn::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stopped_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t MemoryReturn::returns() const {
  std::lock_guard lock(mutex_);
  return returns_;
}

void MemoryReturn::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopped_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    MemoryReturned returned;
    returned.rss_before_kb = resident_set_kb();
    release_();
    returned.rss_after_kb = resident_set_kb();
    {
      std::lock_guard lock(mutex_);
      ++returns_;
    }
    if (on_returned_) on_returned_(returned);
  }
}

}  // namespace veer::runtime
