#include "operator/runtime/memory_return.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using veer::runtime::MemoryReturn;
using veer::runtime::MemoryReturned;

namespace {

// Waits (real time, polling a condition) at most a minute; false on timeout.
template <typename Condition>
bool within_a_minute(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST_CASE("the allocator's free memory is given back every interval, with the RSS around it") {
  std::atomic<int> released{0};
  std::mutex mutex;
  std::vector<MemoryReturned> seen;
  MemoryReturn returner(
      5ms, [&] { ++released; },
      [&](const MemoryReturned& r) {
        std::lock_guard lock(mutex);
        seen.push_back(r);
      });
  REQUIRE(within_a_minute([&] { return returner.returns() >= 3; }));
  returner.stop();
  const auto after_stop = released.load();
  CHECK(after_stop >= 3);
  CHECK(returner.returns() == static_cast<std::size_t>(after_stop));
  std::lock_guard lock(mutex);
  REQUIRE(seen.size() == static_cast<std::size_t>(after_stop));
  CHECK(seen.front().rss_before_kb > 0);  // read from /proc/self/statm
  CHECK(seen.front().rss_after_kb > 0);
}

TEST_CASE("an interval of 0 never returns memory, and stop ends a long wait at once") {
  std::atomic<int> released{0};
  {
    MemoryReturn off(0ms, [&] { ++released; });
    std::this_thread::sleep_for(20ms);
    CHECK(off.returns() == 0);
  }
  CHECK(released == 0);
  // Waiting an hour between returns: stop (and the destructor) must not wait for it.
  MemoryReturn hourly(std::chrono::hours(1), [&] { ++released; });
  hourly.stop();
  hourly.stop();  // idempotent
  CHECK(released == 0);
}

TEST_CASE("resident_set_kb reads this process's resident set") {
  CHECK(veer::runtime::resident_set_kb() > 1000);  // a test binary is more than 1 MB resident
}
