#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
#include <vector>

#include "operator/kube/informer.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/kube/tests/support/backends.hpp"

using namespace std::chrono_literals;
using namespace veer::kube;
using veer::kube::testing::eventually;

namespace {

const ResourceType kConfigMap{"", "v1", "configmaps", "ConfigMap"};

Json config_map(const std::string& ns, const std::string& name, const std::string& value) {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"data", {{"value", value}}}};
}

struct Recorder {
  std::mutex mutex;
  std::vector<std::string> events;
  InformerHandlers handlers() {
    return InformerHandlers{[this](const Json& o) { push("add " + key_of(o)); },
                            [this](const Json&, const Json& n) {
                              push("update " + key_of(n) + "=" + n["data"].value("value", ""));
                            },
                            [this](const Json& o) { push("delete " + key_of(o)); }};
  }
  void push(std::string e) {
    std::lock_guard guard(mutex);
    events.push_back(std::move(e));
  }
  std::vector<std::string> snapshot() {
    std::lock_guard guard(mutex);
    return events;
  }
  std::size_t size() { return snapshot().size(); }
};

}  // namespace

TEST_CASE("an informer lists, then follows the watch, handlers see each change once, in order") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  REQUIRE(cluster.create(config_map("default", "a", "1")).ok());
  Informer informer(cluster, clock, kConfigMap);
  Recorder recorder;
  informer.add_handlers(recorder.handlers());
  informer.add_index("namespace", Informer::namespace_index);
  informer.start();
  REQUIRE(informer.wait_for_sync());
  CHECK(informer.get("default", "a").has_value());

  auto b = cluster.create(config_map("default", "b", "1"));
  REQUIRE(b.ok());
  Json changed = *b;
  changed["data"]["value"] = "2";
  REQUIRE(cluster.update(changed).ok());
  REQUIRE(cluster.remove(ObjectRef{kConfigMap, "default", "a"}).ok());
  REQUIRE(eventually([&] { return recorder.size() == 4; }, 5s));
  CHECK(recorder.snapshot() == std::vector<std::string>{"add default/a", "add default/b",
                                                        "update default/b=2", "delete default/a"});
  CHECK_FALSE(informer.get("default", "a").has_value());
  CHECK(informer.get("default", "b").value()["data"]["value"] == "2");
  CHECK(informer.by_index("namespace", "default").size() == 1);
  informer.stop();
}

TEST_CASE("after its watch history is gone the informer relists and reports what it missed") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  REQUIRE(cluster.create(config_map("default", "stays", "1")).ok());
  REQUIRE(cluster.create(config_map("default", "goes", "1")).ok());
  InformerOptions options;
  options.backoff_base = 1s;
  Informer informer(cluster, clock, kConfigMap, options);
  Recorder recorder;
  informer.add_handlers(recorder.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync());
  REQUIRE(eventually([&] { return cluster.open_watches() == 1; }, 5s));

  // The watch drops; while the informer is away, things change and the history is compacted.
  cluster.close_watches();
  // The informer is backing off: its deadline is seconds away, not the watch's minutes.
  REQUIRE(eventually(
      [&] {
        auto next = clock.next_deadline();
        return next && *next < clock.now() + 1min;
      },
      5s));
  Json stays = *cluster.get(ObjectRef{kConfigMap, "default", "stays"});
  stays["data"]["value"] = "2";
  REQUIRE(cluster.update(stays).ok());
  REQUIRE(cluster.remove(ObjectRef{kConfigMap, "default", "goes"}).ok());
  REQUIRE(cluster.create(config_map("default", "new", "1")).ok());
  cluster.compact();
  clock.advance(2s);

  REQUIRE(eventually([&] { return recorder.size() == 5; }, 5s));
  auto events = recorder.snapshot();
  std::vector<std::string> after(events.begin() + 2, events.end());
  std::sort(after.begin(), after.end());
  CHECK(after == std::vector<std::string>{"add default/new", "delete default/goes",
                                          "update default/stays=2"});
  CHECK(informer.size() == 2);
  CHECK(cluster.request_counts()["list"] == 2);
  CHECK(informer.relists() == 1);
  informer.stop();
}

TEST_CASE("an idle informer makes no API calls beyond its watch over 10 simulated minutes") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  for (int i = 0; i < 50; ++i)
    REQUIRE(cluster.create(config_map("default", "cm" + std::to_string(i), "x")).ok());
  InformerOptions options;
  options.watch_timeout = 5min;
  Informer informer(cluster, clock, kConfigMap, options);
  informer.start();
  REQUIRE(informer.wait_for_sync());
  REQUIRE(eventually([&] { return cluster.open_watches() == 1; }, 5s));
  auto before = cluster.request_counts();
  for (int minute = 0; minute < 10; ++minute) {
    clock.wait_for_waiters(1);  // the watch, parked until its timeout
    clock.advance(1min);
  }
  clock.wait_for_waiters(1);  // the watch reopened at minute 10
  auto after = cluster.request_counts();
  CHECK(after["list"] == before["list"]);
  CHECK(after["get"] == 0);
  CHECK(after["watch"] - before["watch"] == 2);  // re-opened at each 5-minute timeout
  informer.stop();
}

TEST_CASE("a resync replays every cached object as an update, spread over its period, each once") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  for (int i = 0; i < 100; ++i)
    REQUIRE(cluster.create(config_map("default", "c" + std::to_string(i), "1")).ok());
  InformerOptions options;
  options.resync = 10min;
  options.watch_timeout = 1h;
  Informer informer(cluster, clock, kConfigMap, options);
  Recorder recorder;
  informer.add_handlers(recorder.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync());
  REQUIRE(eventually([&] { return cluster.open_watches() == 1; }, 5s));
  clock.wait_for_waiters(2);        // resync timer and the watch
  REQUIRE(recorder.size() == 100);  // the list's adds
  clock.advance(5min);
  clock.wait_for_waiters(2);  // the resync caught up with the clock
  // Half the period: some of the objects, not all (100 one-second slots of 600 drawn by hash).
  const auto half = recorder.size() - 100;
  CHECK(half > 0);
  CHECK(half < 100);
  clock.advance(5min);
  clock.wait_for_waiters(2);
  const auto all = recorder.snapshot();
  REQUIRE(all.size() == 200);
  std::set<std::string> updated(all.begin() + 100, all.end());
  CHECK(updated.size() == 100);  // each once
  CHECK(updated.count("update default/c7=1"));
  informer.stop();
}

TEST_CASE("an informer keeps retrying a failing list with backoff and reports the error") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  cluster.fail_next("list",
                    ApiError{ErrorType::Forbidden, 403, "Forbidden",
                             "configmaps is forbidden: User \"veer\" cannot list"},
                    2);
  Informer informer(cluster, clock, kConfigMap);
  informer.start();
  clock.wait_for_waiters(1);
  CHECK_FALSE(informer.has_synced());
  CHECK(informer.last_error().find("forbidden") != std::string::npos);
  clock.advance(2s);
  clock.wait_for_waiters(1);
  clock.advance(5s);
  CHECK(informer.wait_for_sync());
  CHECK(informer.last_error().empty());
  informer.stop();
}

TEST_CASE(
    "a refused watch is told once, naming the call and keeping its kind, however often it is "
    "retried, and after a watch works a new refusal is told again") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  const ApiError refused{ErrorType::Forbidden, 403, "Forbidden",
                         "configmaps is forbidden: User \"veer\" cannot watch resource "
                         "\"configmaps\" in API group \"\" in the namespace \"shop\""};
  cluster.fail_next("watch", refused, 3);
  std::mutex mutex;
  std::vector<std::pair<std::string, ApiError>> told;
  InformerOptions options;
  options.ns = "shop";
  options.on_error = [&](const std::string& what, const ApiError& error) {
    std::lock_guard guard(mutex);
    told.emplace_back(what, error);
  };
  auto told_count = [&] {
    std::lock_guard guard(mutex);
    return told.size();
  };
  // Moves the simulated time to each backoff's end until `done`.
  auto drive = [&](const std::function<bool()>& done) {
    return eventually([&] {
      if (done()) return true;
      if (auto next = clock.next_deadline()) clock.advance(*next - clock.now());
      return false;
    });
  };
  Informer informer(cluster, clock, kConfigMap, options);
  informer.start();
  REQUIRE(informer.wait_for_sync());  // the list works: only the watch is refused
  REQUIRE(drive([&] { return cluster.open_watches() == 1; }));  // after three refusals
  REQUIRE(told_count() == 1);
  CHECK(told[0].first == "watch of configmaps (v1) in namespace shop");
  CHECK(told[0].second.is(ErrorType::Forbidden));
  CHECK(told[0].second.message == refused.message);
  CHECK(informer.last_error().empty());  // the watch works now

  // The watch ends and its reopening is refused again: news again.
  cluster.fail_next("watch", refused, 1);
  cluster.close_watches();
  REQUIRE(drive([&] { return told_count() == 2; }));
  informer.stop();
}

TEST_CASE(
    "with its watch refused for good an informer keeps its cache current by listing again, and "
    "its handlers see each change") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  auto a = cluster.create(config_map("default", "a", "0"));
  REQUIRE(a.ok());
  cluster.fail_next("watch",
                    ApiError{ErrorType::Forbidden, 403, "Forbidden",
                             "configmaps is forbidden: User \"veer\" cannot watch"},
                    1000);
  Recorder recorder;
  Informer informer(cluster, clock, kConfigMap);
  informer.add_handlers(recorder.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync());
  Json changed = *a;
  changed["data"]["value"] = "1";
  REQUIRE(cluster.update(changed).ok());
  REQUIRE(cluster.create(config_map("default", "b", "0")).ok());
  // Moves the simulated time to each backoff's end until the cache has both changes.
  REQUIRE(eventually([&] {
    auto cached = informer.get("default", "a");
    if (cached && (*cached)["data"]["value"] == "1" && informer.get("default", "b")) return true;
    if (auto next = clock.next_deadline()) clock.advance(*next - clock.now());
    return false;
  }));
  CHECK(cluster.open_watches() == 0);
  const auto events = recorder.snapshot();
  CHECK(std::count(events.begin(), events.end(), "update default/a=1") == 1);
  CHECK(std::count(events.begin(), events.end(), "add default/b") == 1);
  CHECK(std::count(events.begin(), events.end(), "add default/a") == 1);
  // Polling backs off: at most one list per 30 s once the backoff reached its cap.
  auto lists_so_far = [&] { return cluster.request_counts()["list"]; };
  const auto lists = lists_so_far();
  for (int i = 0; i < 20; ++i)
    if (auto next = clock.next_deadline()) clock.advance(*next - clock.now());
  clock.wait_for_waiters(1);
  const auto later = lists_so_far();
  clock.advance(10min);
  clock.wait_for_waiters(1);
  CHECK(lists_so_far() - later <= 10min / 30s + 1);
  CHECK(later >= lists);
  informer.stop();
}

TEST_CASE("an informer with a field selector lists and follows one name only, trimmed") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  REQUIRE(cluster.create(config_map("default", "other", "1")).ok());
  auto held = cluster.create(config_map("default", "held", "1"));
  REQUIRE(held.ok());
  InformerOptions options;
  options.ns = "default";
  options.field_selector = "metadata.name=held";
  options.trim = [](Json& o) { o["metadata"].erase("labels"); };
  Informer informer(cluster, clock, kConfigMap, options);
  Recorder recorder;
  informer.add_handlers(recorder.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync());
  CHECK(informer.size() == 1);
  CHECK_FALSE(informer.get("default", "other").has_value());

  // Other names never arrive; the selected one is followed, trimmed, to its deletion.
  auto labelled = config_map("default", "held", "2");
  labelled["metadata"]["labels"] = {{"app", "x"}};
  labelled["metadata"]["resourceVersion"] = resource_version_of(*held);
  REQUIRE(cluster.update(labelled).ok());
  REQUIRE(cluster.create(config_map("default", "other-2", "1")).ok());
  REQUIRE(cluster.remove(ObjectRef{kConfigMap, "default", "other"}).ok());
  REQUIRE(cluster.remove(ObjectRef{kConfigMap, "default", "held"}).ok());
  REQUIRE(eventually([&] { return recorder.size() == 3; }, 5s));
  CHECK(recorder.snapshot() == std::vector<std::string>{"add default/held", "update default/held=2",
                                                        "delete default/held"});
  CHECK(informer.size() == 0);
  informer.stop();
}

// What a read gives back is the object as listed and as watched, to the number type, also
// through the namespace list, an index and the update handlers' old object (the cache was packed
// as MessagePack for a while; a layout change must keep this).
TEST_CASE("a cached object reads back exactly as it was stored, numbers, text and nesting") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  Json odd = config_map("default", "odd", "1");
  odd["metadata"]["labels"] = {{"app", "caf\u00e9 \xF0\x9F\x90\xA6"}};
  odd["data"]["nested"] = Json::array({nullptr, true, false, Json::object(), Json::array()});
  odd["extra"] = {{"int", -42},
                  {"big", std::numeric_limits<std::int64_t>::max()},
                  {"unsigned", std::numeric_limits<std::uint64_t>::max()},
                  {"double", 0.1},
                  {"whole_double", 2.0},
                  {"empty", ""}};
  auto created = cluster.create(odd);
  REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  Informer informer(cluster, clock, kConfigMap);
  std::mutex mutex;
  std::vector<Json> old_objects;
  informer.add_handlers({nullptr,
                         [&](const Json& old_object, const Json&) {
                           std::lock_guard guard(mutex);
                           old_objects.push_back(old_object);
                         },
                         nullptr});
  informer.add_index("namespace", Informer::namespace_index);
  informer.start();
  REQUIRE(informer.wait_for_sync());
  auto listed = informer.get("default", "odd");
  REQUIRE(listed.has_value());
  CHECK(*listed == *created);
  CHECK((*listed)["extra"]["big"].is_number_integer());
  CHECK((*listed)["extra"]["unsigned"].is_number_unsigned());
  CHECK((*listed)["extra"]["whole_double"].is_number_float());
  CHECK(informer.list("default") == std::vector<Json>{*created});
  CHECK(informer.list("other").empty());
  CHECK(informer.by_index("namespace", "default") == std::vector<Json>{*created});

  Json changed = *created;
  changed["data"]["value"] = "2";
  auto updated = cluster.update(changed);
  REQUIRE(updated.ok());
  REQUIRE(eventually(
      [&] {
        std::lock_guard guard(mutex);
        return old_objects.size() == 1;
      },
      5s));
  CHECK(old_objects[0] == *created);  // the update handler's old object, unpacked
  CHECK(informer.get("default", "odd").value() == *updated);
  informer.stop();
}
