#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "base/clock.hpp"

using namespace std::chrono_literals;
using veer::base::SimulatedClock;

TEST_CASE("a simulated sleep ends only when time is advanced past its deadline") {
  SimulatedClock clock;
  auto start = clock.now();
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.sleep_for(30min);
    woke = true;
  });
  clock.wait_for_waiters(1);
  CHECK(clock.next_deadline() == start + 30min);
  clock.advance(29min);
  CHECK_FALSE(woke.load());
  CHECK(clock.waiters() == 1);
  clock.advance(1min);
  sleeper.join();
  CHECK(woke.load());
  CHECK(clock.now() == start + 30min);
  CHECK(clock.waiters() == 0);
}

TEST_CASE("a wait ends early when its condition becomes true") {
  SimulatedClock clock;
  std::mutex mutex;
  std::condition_variable cv;
  bool ready = false;
  bool result = false;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    result = clock.wait_until(lock, cv, clock.now() + 1h, [&] { return ready; });
  });
  clock.wait_for_waiters(1);
  {
    std::lock_guard guard(mutex);
    ready = true;
  }
  cv.notify_all();
  waiter.join();
  CHECK(result);
}

TEST_CASE("many threads with staggered deadlines all wake in order of advancing") {
  SimulatedClock clock;
  std::atomic<int> woke{0};
  std::vector<std::thread> threads;
  for (int i = 1; i <= 8; ++i)
    threads.emplace_back([&, i] {
      clock.sleep_for(std::chrono::seconds(i));
      ++woke;
    });
  clock.wait_for_waiters(8);
  for (int i = 1; i <= 8; ++i) clock.advance(1s);
  for (auto& t : threads) t.join();
  CHECK(woke == 8);
}
