// One behaviour, two clusters: every case runs against the MemoryCluster and, when
// VEER_TEST_KUBECONFIG is set, against a real kube-apiserver (see support/backends.hpp).
#include <doctest/doctest.h>

#include "operator/kube/cluster.hpp"
#include "operator/kube/tests/support/backends.hpp"

using namespace veer::kube;
using namespace veer::kube::testing;

namespace {

std::int64_t generation_of(const Json& object) {
  return object["metadata"].value("generation", std::int64_t{0});
}

ObjectRef widget_ref(const std::string& ns, const std::string& name) {
  return ObjectRef{kWidget, ns, name};
}

std::string message_of(const Result<Json>& r) {
  return r.ok() ? "" : r.error().message;
}

}  // namespace

TEST_CASE("create, get, and a stale update is a Conflict") {
  for_each_backend([](Backend& b, const std::string& ns) {
    auto created = b.cluster.create(widget(ns, "w1", {{"size", 1}}));
    REQUIRE_MESSAGE(created.ok(), message_of(created));
    CHECK_FALSE(uid_of(*created).empty());
    CHECK_FALSE(resource_version_of(*created).empty());
    CHECK(generation_of(*created) == 1);

    auto again = b.cluster.create(widget(ns, "w1"));
    CHECK(again.is(ErrorType::AlreadyExists));

    auto missing = b.cluster.get(widget_ref(ns, "nope"));
    CHECK(missing.is(ErrorType::NotFound));
    CHECK(missing.error().code == 404);

    Json first = *created;
    first["spec"]["size"] = 2;
    auto updated = b.cluster.update(first);
    REQUIRE_MESSAGE(updated.ok(), message_of(updated));
    CHECK((*updated)["spec"]["size"] == 2);
    CHECK(resource_version_of(*updated) != resource_version_of(*created));

    Json stale = *created;  // still carries the first resourceVersion
    stale["spec"]["size"] = 3;
    auto conflict = b.cluster.update(stale);
    REQUIRE(conflict.is(ErrorType::Conflict));
    CHECK(conflict.error().code == 409);
    CHECK(conflict.error().message.find("w1") != std::string::npos);

    auto got = b.cluster.get(widget_ref(ns, "w1"));
    REQUIRE(got.ok());
    CHECK((*got)["spec"]["size"] == 2);
  });
}

TEST_CASE("generation counts spec changes only, status is a subresource") {
  for_each_backend([](Backend& b, const std::string& ns) {
    auto created = b.cluster.create(widget(ns, "w", {{"size", 1}}));
    REQUIRE(created.ok());

    Json with_status = *created;
    with_status["status"] = {{"phase", "Ready"}};
    auto status = b.cluster.update_status(with_status);
    REQUIRE_MESSAGE(status.ok(), message_of(status));
    CHECK((*status)["status"]["phase"] == "Ready");
    CHECK(generation_of(*status) == 1);

    // The main resource ignores status; a spec change bumps generation.
    Json changed = *status;
    changed["spec"]["size"] = 5;
    changed["status"] = {{"phase", "Overwritten"}};
    auto updated = b.cluster.update(changed);
    REQUIRE(updated.ok());
    CHECK(generation_of(*updated) == 2);
    CHECK((*updated)["status"]["phase"] == "Ready");

    // A label change is metadata: no new generation.
    Json labelled = *updated;
    labelled["metadata"]["labels"] = {{"team", "a"}};
    auto relabelled = b.cluster.update(labelled);
    REQUIRE(relabelled.ok());
    CHECK(generation_of(*relabelled) == 2);

    // Status writes ignore spec.
    Json sneaky = *relabelled;
    sneaky["spec"]["size"] = 99;
    sneaky["status"]["phase"] = "Progressing";
    auto status2 = b.cluster.update_status(sneaky);
    REQUIRE(status2.ok());
    CHECK((*status2)["spec"]["size"] == 5);
    CHECK((*status2)["status"]["phase"] == "Progressing");

    // A status merge patch through the subresource.
    PatchOptions status_patch;
    status_patch.status = true;
    auto patched = b.cluster.patch(widget_ref(ns, "w"), PatchType::Merge,
                                   {{"status", {{"weight", 20}}}}, status_patch);
    REQUIRE_MESSAGE(patched.ok(), message_of(patched));
    CHECK((*patched)["status"]["weight"] == 20);
    CHECK((*patched)["status"]["phase"] == "Progressing");
    CHECK(generation_of(*patched) == 2);
  });
}

TEST_CASE("list filters by label selector and pages with limit and continue") {
  for_each_backend([](Backend& b, const std::string& ns) {
    for (int i = 0; i < 5; ++i) {
      Json w = widget(ns, "w" + std::to_string(i));
      w["metadata"]["labels"] = {{"tier", i % 2 == 0 ? "even" : "odd"}};
      REQUIRE(b.cluster.create(w).ok());
    }
    ListOptions even;
    even.label_selector = "tier=even";
    auto evens = b.cluster.list(kWidget, ns, even);
    REQUIRE(evens.ok());
    CHECK(evens->items.size() == 3);

    ListOptions set_based;
    set_based.label_selector = "tier in (odd),tier!=even";
    auto odds = b.cluster.list(kWidget, ns, set_based);
    REQUIRE(odds.ok());
    CHECK(odds->items.size() == 2);

    ListOptions page;
    page.limit = 2;
    std::vector<std::string> names;
    int pages = 0;
    while (true) {
      auto got = b.cluster.list(kWidget, ns, page);
      REQUIRE(got.ok());
      ++pages;
      for (const auto& item : got->items) names.push_back(name_of(item));
      if (got->continue_token.empty()) break;
      page.continue_token = got->continue_token;
    }
    CHECK(pages == 3);
    CHECK(names == std::vector<std::string>{"w0", "w1", "w2", "w3", "w4"});

    ListOptions by_name;
    by_name.field_selector = "metadata.name=w3";
    auto one = b.cluster.list(kWidget, ns, by_name);
    REQUIRE(one.ok());
    REQUIRE(one->items.size() == 1);
    CHECK(name_of(one->items[0]) == "w3");

    ListOptions bad;
    bad.label_selector = "tier in (odd";
    CHECK(b.cluster.list(kWidget, ns, bad).is(ErrorType::BadRequest));
  });
}

TEST_CASE("merge patch, JSON patch and server-side apply with field managers") {
  for_each_backend([](Backend& b, const std::string& ns) {
    REQUIRE(b.cluster.create(widget(ns, "w", {{"size", 1}, {"color", "red"}})).ok());
    auto merged = b.cluster.patch(widget_ref(ns, "w"), PatchType::Merge,
                                  {{"spec", {{"color", nullptr}, {"shape", "round"}}}});
    REQUIRE_MESSAGE(merged.ok(), message_of(merged));
    CHECK_FALSE((*merged)["spec"].contains("color"));
    CHECK((*merged)["spec"]["shape"] == "round");
    CHECK(generation_of(*merged) == 2);

    auto json_patched =
        b.cluster.patch(widget_ref(ns, "w"), PatchType::JsonPatch,
                        Json::array({{{"op", "test"}, {"path", "/spec/size"}, {"value", 1}},
                                     {{"op", "replace"}, {"path", "/spec/size"}, {"value", 7}}}));
    REQUIRE_MESSAGE(json_patched.ok(), message_of(json_patched));
    CHECK((*json_patched)["spec"]["size"] == 7);

    auto failed_test =
        b.cluster.patch(widget_ref(ns, "w"), PatchType::JsonPatch,
                        Json::array({{{"op", "test"}, {"path", "/spec/size"}, {"value", 1}}}));
    CHECK_FALSE(failed_test.ok());

    // Server-side apply: "veer" applies spec.size; another manager's different value conflicts
    // unless forced.
    Json config = {{"apiVersion", "conformance.veer.dev/v1"},
                   {"kind", "Widget"},
                   {"metadata", {{"name", "applied"}, {"namespace", ns}}},
                   {"spec", {{"size", 3}, {"owner", "veer"}}}};
    auto applied = b.cluster.patch(widget_ref(ns, "applied"), PatchType::Apply, config);
    REQUIRE_MESSAGE(applied.ok(), message_of(applied));
    CHECK((*applied)["spec"]["size"] == 3);

    PatchOptions other;
    other.field_manager = "someone-else";
    Json theirs = config;
    theirs["spec"] = {{"size", 4}};
    auto clash = b.cluster.patch(widget_ref(ns, "applied"), PatchType::Apply, theirs, other);
    REQUIRE(clash.is(ErrorType::Conflict));
    CHECK(clash.error().message.find("veer") != std::string::npos);

    other.force = true;
    auto forced = b.cluster.patch(widget_ref(ns, "applied"), PatchType::Apply, theirs, other);
    REQUIRE_MESSAGE(forced.ok(), message_of(forced));
    CHECK((*forced)["spec"]["size"] == 4);
    CHECK((*forced)["spec"]["owner"] == "veer");

    // Re-applying veer's config without the field it lost leaves the other manager's value.
    Json mine = config;
    mine["spec"] = {{"owner", "veer"}};
    auto reapplied = b.cluster.patch(widget_ref(ns, "applied"), PatchType::Apply, mine);
    REQUIRE_MESSAGE(reapplied.ok(), message_of(reapplied));
    CHECK((*reapplied)["spec"]["size"] == 4);

    // Dropping a field it alone owns removes it.
    Json fewer = config;
    fewer["spec"] = Json::object();
    fewer["spec"]["shape"] = "square";
    auto dropped = b.cluster.patch(widget_ref(ns, "applied"), PatchType::Apply, fewer);
    REQUIRE_MESSAGE(dropped.ok(), message_of(dropped));
    CHECK_FALSE((*dropped)["spec"].contains("owner"));
    CHECK((*dropped)["spec"]["shape"] == "square");
  });
}

TEST_CASE("finalizers hold a deleted object until they are removed, preconditions guard delete") {
  for_each_backend([](Backend& b, const std::string& ns) {
    Json w = widget(ns, "held");
    w["metadata"]["finalizers"] = {"veer.dev/cleanup"};
    auto created = b.cluster.create(w);
    REQUIRE(created.ok());

    DeleteOptions wrong_uid;
    wrong_uid.precondition_uid = "00000000-0000-0000-0000-000000000000";
    auto refused = b.cluster.remove(widget_ref(ns, "held"), wrong_uid);
    CHECK(refused.is(ErrorType::Conflict));

    REQUIRE(b.cluster.remove(widget_ref(ns, "held")).ok());
    auto deleting = b.cluster.get(widget_ref(ns, "held"));
    REQUIRE(deleting.ok());
    CHECK((*deleting)["metadata"].contains("deletionTimestamp"));

    Json released = *deleting;
    released["metadata"]["finalizers"] = Json::array();
    REQUIRE(b.cluster.update(released).ok());
    CHECK(b.cluster.get(widget_ref(ns, "held")).is(ErrorType::NotFound));
    CHECK(b.cluster.remove(widget_ref(ns, "held")).is(ErrorType::NotFound));
  });
}

TEST_CASE("dependents are garbage-collected with their owner") {
  for_each_backend([](Backend& b, const std::string& ns) {
    auto owner = b.cluster.create(widget(ns, "owner"));
    REQUIRE(owner.ok());
    Json child = widget(ns, "child");
    child["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", "conformance.veer.dev/v1"},
                                                         {"kind", "Widget"},
                                                         {"name", "owner"},
                                                         {"uid", uid_of(*owner)}}});
    REQUIRE(b.cluster.create(child).ok());
    REQUIRE(b.cluster.create(widget(ns, "bystander")).ok());
    REQUIRE(b.cluster.remove(widget_ref(ns, "owner")).ok());
    // The real server's garbage collector is asynchronous (kube-controller-manager).
    CHECK(
        eventually([&] { return b.cluster.get(widget_ref(ns, "child")).is(ErrorType::NotFound); }));
    CHECK(b.cluster.get(widget_ref(ns, "bystander")).ok());
  });
}

TEST_CASE("a watch with a field selector delivers one name only, from create to delete") {
  for_each_backend([](Backend& b, const std::string& ns) {
    REQUIRE(b.cluster.create(widget(ns, "other", {{"size", 1}})).ok());
    auto listed = b.cluster.list(kWidget, ns);
    REQUIRE(listed.ok());
    WatchOptions one;
    one.resource_version = listed->resource_version;
    one.field_selector = "metadata.name=chosen";
    auto opened = b.cluster.watch(kWidget, ns, one);
    REQUIRE(opened.ok());
    auto& stream = **opened;

    // Changes of other names come first on the server, and never on this stream.
    auto other = b.cluster.get(widget_ref(ns, "other"));
    REQUIRE(other.ok());
    (*other)["spec"]["size"] = 2;
    REQUIRE(b.cluster.update(*other).ok());
    REQUIRE(b.cluster.create(widget(ns, "other-2")).ok());
    auto created = b.cluster.create(widget(ns, "chosen", {{"size", 1}}));
    REQUIRE(created.ok());
    Json changed = *created;
    changed["spec"]["size"] = 2;
    REQUIRE(b.cluster.update(changed).ok());
    REQUIRE(b.cluster.remove(widget_ref(ns, "chosen")).ok());

    std::vector<std::string> seen;
    while (seen.size() < 3) {
      auto event = stream.next();
      REQUIRE(event.has_value());
      if (event->type == WatchEvent::Type::Bookmark) continue;
      CHECK(name_of(event->object) == "chosen");
      seen.push_back(to_string(event->type));
    }
    CHECK(seen == std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"});
    stream.stop();
  });
}

TEST_CASE("watch delivers changes in order from a resourceVersion, and 410 for a too-old one") {
  for_each_backend([](Backend& b, const std::string& ns) {
    REQUIRE(b.cluster.create(widget(ns, "before")).ok());
    auto listed = b.cluster.list(kWidget, ns);
    REQUIRE(listed.ok());
    WatchOptions from_list;
    from_list.resource_version = listed->resource_version;
    auto opened = b.cluster.watch(kWidget, ns, from_list);
    REQUIRE(opened.ok());
    auto& stream = **opened;

    auto created = b.cluster.create(widget(ns, "w", {{"size", 1}}));
    REQUIRE(created.ok());
    Json changed = *created;
    changed["spec"]["size"] = 2;
    REQUIRE(b.cluster.update(changed).ok());
    REQUIRE(b.cluster.remove(widget_ref(ns, "w")).ok());

    std::vector<std::string> seen;
    std::string last_rv;
    while (seen.size() < 3) {
      auto event = stream.next();
      REQUIRE(event.has_value());
      if (event->type == WatchEvent::Type::Bookmark) continue;
      CHECK(name_of(event->object) == "w");
      seen.push_back(to_string(event->type));
      if (!last_rv.empty())
        CHECK(compare_resource_versions(last_rv, resource_version_of(event->object)) == -1);
      last_rv = resource_version_of(event->object);
    }
    CHECK(seen == std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"});
    stream.stop();
    CHECK_FALSE(stream.next().has_value());

    // A watch without a resourceVersion starts with the current objects.
    auto fresh = b.cluster.watch(kWidget, ns, {});
    REQUIRE(fresh.ok());
    auto first = (*fresh)->next();
    REQUIRE(first.has_value());
    CHECK(first->type == WatchEvent::Type::Added);
    CHECK(name_of(first->object) == "before");
    (*fresh)->stop();

    b.forget_history();
    WatchOptions too_old;
    too_old.resource_version = "1";
    auto old = b.cluster.watch(kWidget, ns, too_old);
    if (old.ok()) {
      auto event = (*old)->next();
      REQUIRE(event.has_value());
      CHECK(event->type == WatchEvent::Type::Error);
      CHECK(event->object.value("code", 0) == 410);
    } else {
      CHECK(old.is(ErrorType::Gone));
    }
  });
}

TEST_CASE("a missing type is NotFound and says what to install") {
  for_each_backend([](Backend& b, const std::string& ns) {
    ResourceType unknown{"nowhere.veer.dev", "v1", "", "Gizmo"};
    auto got = b.cluster.get(ObjectRef{unknown, ns, "x"});
    REQUIRE(got.is(ErrorType::NotFound));
    CHECK(got.error().message.find("Gizmo") != std::string::npos);
    CHECK(got.error().message.find("CustomResourceDefinition") != std::string::npos);
  });
}

TEST_CASE("a namespaced object needs its namespace") {
  for_each_backend([](Backend& b, const std::string&) {
    auto created = b.cluster.create(widget("no-such-namespace-here", "w"));
    CHECK(created.is(ErrorType::NotFound));
  });
}
