#include "operator/kube/tests/support/backends.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "operator/kube/memory_cluster.hpp"
#if __has_include("operator/kube/rest_cluster.hpp")
#define VEER_HAVE_REST 1
#include "operator/kube/kubeconfig.hpp"
#include "operator/kube/rest_cluster.hpp"
#endif
#include "testing/skip.hpp"

namespace veer::kube::testing {

const ResourceType kWidget{"conformance.veer.dev", "v1", "widgets", "Widget"};

Json widget(const std::string& ns, const std::string& name, Json spec) {
  return Json{{"apiVersion", "conformance.veer.dev/v1"},
              {"kind", "Widget"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec", std::move(spec)}};
}

namespace {

Json widget_crd() {
  Json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return Json{{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "widgets.conformance.veer.dev"}}},
              {"spec",
               {{"group", "conformance.veer.dev"},
                {"scope", "Namespaced"},
                {"names",
                 {{"plural", "widgets"},
                  {"singular", "widget"},
                  {"kind", "Widget"},
                  {"listKind", "WidgetList"}}},
                {"versions", Json::array({{{"name", "v1"},
                                           {"served", true},
                                           {"storage", true},
                                           {"subresources", {{"status", Json::object()}}},
                                           {"schema", {{"openAPIV3Schema", schema}}}}})}}}};
}

std::string fresh_namespace() {
  static std::atomic<int> counter{0};
  // Unique across runs against the same real server: the pid and a counter.
  return "conf-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

void install_crd(Cluster& cluster, bool real) {
  auto created = cluster.create(widget_crd());
  if (!created && !created.is(ErrorType::AlreadyExists))
    FAIL("cannot create the test CRD: " << created.error().message);
  if (!real) return;
  REQUIRE(eventually([&] {
    auto listed = cluster.list(kWidget, "default", ListOptions{});
    return listed.ok();
  }));
}

void run_in_namespace(Backend& backend,
                      const std::function<void(Backend&, const std::string& ns)>& body) {
  std::string ns = fresh_namespace();
  auto created = backend.cluster.create(
      Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  body(backend, ns);
  backend.cluster.remove(ObjectRef{{"", "v1", "namespaces", "Namespace"}, "", ns});
}

}  // namespace

void for_each_backend(const std::function<void(Backend&, const std::string& ns)>& body) {
  {
    base::SimulatedClock clock;
    MemoryCluster memory(clock);
    install_crd(memory, false);
    Backend backend{"memory", memory, clock, false, [&] { memory.compact(); }};
    INFO("backend: memory");
    run_in_namespace(backend, body);
  }
  const char* kubeconfig = std::getenv("VEER_TEST_KUBECONFIG");
  if (kubeconfig == nullptr || *kubeconfig == '\0') {
    // The memory half ran (its failures still fail); the real half did not: say so.
    veer::testing::skip_test("VEER_TEST_KUBECONFIG is not set: the real-server half is skipped");
    return;
  }
#ifdef VEER_HAVE_REST
  static base::RealClock real_clock;
  auto config = load_kubeconfig(KubeconfigOptions{kubeconfig, ""});
  REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  RestCluster rest(*config, real_clock);
  install_crd(rest, true);
  Backend backend{"real", rest, real_clock, true, [] {}};
  INFO("backend: real kube-apiserver (" << kubeconfig << ")");
  run_in_namespace(backend, body);
#endif
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::mutex mutex;
  std::condition_variable never;
  std::unique_lock lock(mutex);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Polling an external server: nothing notifies us, so re-check every 100 ms.
    never.wait_for(lock, std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace veer::kube::testing
