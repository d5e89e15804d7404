// What the bench reads about its own process: /proc/self/status fields and thread CPU time.
#pragma once

#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace veer::bench {

// A field of /proc/self/status in kB ("VmRSS", "VmHWM"); 0 when absent.
inline long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size() + 1);
  }
  return 0;
}

// CPU time of the calling thread, in nanoseconds.
inline std::int64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace veer::bench
