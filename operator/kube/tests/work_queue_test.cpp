#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <thread>

#include "operator/kube/work_queue.hpp"

using namespace std::chrono_literals;
using namespace veer::kube;

TEST_CASE("a key queued many times is handed out once, and again if re-added while processing") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  queue.add("default/a");
  queue.add("default/a");
  queue.add("default/b");
  CHECK(queue.length() == 2);
  auto first = queue.get();
  REQUIRE(first == "default/a");
  queue.add("default/a");      // changed while being reconciled
  CHECK(queue.length() == 1);  // only b is ready: a waits for done()
  CHECK(queue.get() == "default/b");
  CHECK(queue.length() == 0);
  queue.done("default/a");
  CHECK(queue.length() == 1);
  CHECK(queue.get() == "default/a");
}

TEST_CASE("a delayed add waits for simulated time") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  std::atomic<bool> got{false};
  std::thread worker([&] {
    auto key = queue.get();
    got = key == "ns/canary";
  });
  queue.add_after("ns/canary", 30s);
  clock.wait_for_waiters(1);
  clock.advance(29s);
  CHECK_FALSE(got.load());
  clock.advance(1s);
  worker.join();
  CHECK(got.load());
}

TEST_CASE("an earlier add_after replaces a later one, a later one does not") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  auto start = clock.now();
  queue.add_after("k", 60s);
  queue.add_after("k", 10s);
  queue.add_after("k", 30s);
  CHECK(queue.delayed() == 1);
  std::thread worker([&] { queue.get(); });
  clock.wait_for_waiters(1);
  CHECK(clock.next_deadline() == start + 10s);
  clock.advance(10s);
  worker.join();
}

TEST_CASE("failures back off exponentially up to the cap, and forget resets") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock, BackoffPolicy{1s, 8s});
  auto start = clock.now();
  std::vector<veer::base::Clock::Duration> delays;
  for (int i = 0; i < 6; ++i) {
    auto before = clock.now();
    queue.add_rate_limited("k");
    std::thread worker([&] {
      auto key = queue.get();
      queue.done(*key);
    });
    clock.wait_for_waiters(1);
    delays.push_back(*clock.next_deadline() - before);
    clock.set(*clock.next_deadline());
    worker.join();
  }
  CHECK(delays == std::vector<veer::base::Clock::Duration>{1s, 2s, 4s, 8s, 8s, 8s});
  CHECK(queue.failures("k") == 6);
  queue.forget("k");
  CHECK(queue.failures("k") == 0);
  CHECK(clock.now() - start == 31s);
}

TEST_CASE("workers never reconcile the same key at the same time") {
  veer::base::RealClock clock;
  WorkQueue queue(clock);
  std::mutex mutex;
  std::map<std::string, int> running;
  std::atomic<int> overlaps{0};
  std::condition_variable progressed;
  int calls = 0;
  {
    WorkerPool pool(queue, 4, [&](const std::string& key) {
      {
        std::lock_guard guard(mutex);
        if (++running[key] > 1) ++overlaps;
      }
      // Keys are re-added while this one runs.
      queue.add(key);
      std::this_thread::yield();
      {
        std::lock_guard guard(mutex);
        --running[key];
        ++calls;
        progressed.notify_all();
      }
      return ReconcileResult{};
    });
    for (int i = 0; i < 200; ++i) queue.add("k" + std::to_string(i % 3));
    std::unique_lock lock(mutex);
    progressed.wait(lock, [&] { return calls >= 300; });
    lock.unlock();
    pool.stop();
  }
  CHECK(overlaps == 0);
}

TEST_CASE("a failed reconcile is retried with backoff, requeue_after comes back later") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock, BackoffPolicy{1s, 60s});
  std::mutex mutex;
  std::condition_variable reconciled;
  std::vector<std::pair<std::string, veer::base::Clock::TimePoint>> seen;
  auto start = clock.now();
  WorkerPool pool(queue, 1, [&](const std::string& key) {
    std::lock_guard guard(mutex);
    seen.emplace_back(key, clock.now());
    reconciled.notify_all();
    if (seen.size() == 1) return ReconcileResult{true, std::nullopt, "boom", false};
    if (seen.size() == 2) return ReconcileResult{false, 30s, "", false};
    return ReconcileResult{};
  });
  queue.add("ns/c");
  clock.wait_for_waiters(1);  // parked on the 1 s backoff
  clock.advance(1s);
  clock.wait_for_waiters(1);  // parked on the 30 s requeue
  clock.advance(30s);
  std::unique_lock lock(mutex);
  reconciled.wait(lock, [&] { return seen.size() >= 3; });
  lock.unlock();
  pool.stop();
  lock.lock();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].second == start);
  CHECK(seen[1].second == start + 1s);
  CHECK(seen[2].second == start + 31s);
}

TEST_CASE("keys whose time has come are handed out before keys added by changes, each once") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  // Thousands of watch events queued first (here three), then a step falls due and an
  // analysis finishes: both go ahead of the changes.
  queue.add("ns/changed-1");
  queue.add("ns/changed-2");
  queue.add("ns/changed-3");
  queue.add_after("ns/step-due", 60s);
  clock.advance(60s);
  queue.add_first("ns/analysed");
  CHECK(queue.length() == 4);  // the due key joins the first lane when a get() looks
  bool due = false;
  CHECK(queue.get(&due) == "ns/analysed");
  CHECK(due);  // its API requests go ahead of the changes' (rate_limiter.hpp)
  CHECK(queue.get(&due) == "ns/step-due");
  CHECK(due);
  // A key queued by a change and then asked first moves ahead, and is handed out once.
  queue.add_first("ns/changed-3");
  CHECK(queue.length() == 3);
  CHECK(queue.get() == "ns/changed-3");
  CHECK(queue.get(&due) == "ns/changed-1");
  CHECK_FALSE(due);
  // ns/changed-3's old place in the changes lane is skipped.
  CHECK(queue.length() == 1);
  CHECK(queue.get() == "ns/changed-2");
  CHECK(queue.length() == 0);
  // A change after add_first does not move the key back.
  queue.add("ns/other");
  queue.add_first("ns/analysed-2");
  queue.add("ns/analysed-2");
  CHECK(queue.get() == "ns/analysed-2");
  CHECK(queue.get() == "ns/other");
  CHECK(queue.length() == 0);
}

TEST_CASE("a poll falling due waits behind the changes, a step falling due does not") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  // Thousands of Canaries waiting for their primaries to roll out look again every few seconds;
  // at the same moment a step falls due.
  queue.add_after("ns/promoting", 5s, false);
  queue.add_after("ns/step-due", 5s);
  queue.add("ns/changed");
  clock.advance(5s);
  bool due = true;
  CHECK(queue.get(&due) == "ns/step-due");
  CHECK(due);
  CHECK(queue.get(&due) == "ns/changed");
  CHECK_FALSE(due);
  CHECK(queue.get(&due) == "ns/promoting");
  CHECK_FALSE(due);
  // An earlier step replaces a later poll of the same key: the step's lane is kept.
  queue.add_after("ns/both", 10s, false);
  queue.add_after("ns/both", 5s);
  queue.add("ns/changed-2");
  clock.advance(10s);
  CHECK(queue.get(&due) == "ns/both");
  CHECK(due);
  CHECK(queue.get() == "ns/changed-2");
  CHECK(queue.length() == 0);
  CHECK(queue.delayed() == 0);
}

TEST_CASE("a key asked first while it is processed is queued first when done") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  queue.add("ns/a");
  REQUIRE(queue.get() == "ns/a");
  queue.add("ns/b");
  queue.add("ns/a");        // a change while a is reconciled
  queue.add_first("ns/a");  // and its analysis finished
  CHECK(queue.length() == 1);
  queue.done("ns/a");
  CHECK(queue.length() == 2);
  CHECK(queue.get() == "ns/a");
  CHECK(queue.get() == "ns/b");
  // A key handed out from the first lane and added again by a change is handed out once more,
  // not twice (its old entry in the changes lane stays behind).
  queue.add("ns/c");
  queue.add_first("ns/c");
  REQUIRE(queue.get() == "ns/c");
  queue.done("ns/c");
  queue.add("ns/d");
  queue.add("ns/c");
  CHECK(queue.length() == 2);
  CHECK(queue.get() == "ns/c");
  CHECK(queue.get() == "ns/d");
  CHECK(queue.length() == 0);
  queue.done("ns/a");
  queue.done("ns/b");
  queue.done("ns/c");
  queue.done("ns/d");
  CHECK(queue.length() == 0);
}

// A simulation must not move time past a delayed key that no worker waits for on the clock yet
// (one between two waits), nor call the queue idle while a key whose time has come is not handed
// out: next_waiting() says when the earliest falls due, whether or not a get() waits for it.
TEST_CASE(
    "the earliest delayed key's time is known before and after it falls due, until handed out") {
  veer::base::SimulatedClock clock;
  WorkQueue queue(clock);
  CHECK_FALSE(queue.next_waiting());
  const auto start = clock.now();
  queue.add_after("ns/b", 60s);
  queue.add_after("ns/a", 30s);
  CHECK(queue.next_waiting() == start + 30s);
  CHECK(clock.next_deadline() == std::nullopt);  // nobody waits on the clock for it
  clock.advance(45s);
  CHECK(queue.length() == 0);                  // not moved to a lane: no get() ran
  CHECK(queue.next_waiting() == start + 30s);  // due, still said
  CHECK(queue.get() == "ns/a");
  CHECK(queue.next_waiting() == start + 60s);
  queue.done("ns/a");
}
