// Small helpers for the programs the traffic e2e runs on 127.0.0.1.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace veer::e2e::traffic {

// A port free on 127.0.0.1 right now, for a program that cannot bind port 0 and report it
// (nginx, Prometheus): the kernel picks it, the socket is closed, the program binds it next.
int free_port();

// GET http://127.0.0.1:<port><path>; the body when it answered 200, nullopt otherwise.
std::optional<std::string> get_ok(int port, const std::string& path,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Polls `done` (every 50 ms) until it is true or `timeout` passes; whether it became true.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Where the upstream router CRDs are: VEER_UPSTREAM_CRDS, or ../shared/fixtures/upstream-crds
// beside the clone (as meshes/tests finds them).
std::string upstream_crds_dir();

}  // namespace veer::e2e::traffic
