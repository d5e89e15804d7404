// One sample app process (sample_app.py beside this file, a test fixture) standing in for the pods
// of one workload version: its behaviour comes from the image tag (`good`, `errors-<pct>`,
// `slow-<ms>`, `converts-<pct>`: each visit an order with that probability, from a generator
// seeded with `seed`), it binds port 0 and says which port it got, and it counts what it served.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "e2e/controller/tests/support/process.hpp"

namespace veer::e2e::traffic {

// What an app has served so far: every request to /, and those marked as an A/B test's insiders
// (an `x-canary` header or a `canary` cookie).
struct Served {
  long all = 0;
  long marked = 0;
};

// The behaviour an image asks for: the tag after the last ':' ("good" without one).
std::string behaviour_of(const std::string& image);

class SampleApp {
 public:
  // Starts it and waits until /healthz answers; check error() after construction.
  SampleApp(const std::string& ns, const std::string& workload, const std::string& image,
            const std::string& log_path, std::uint64_t seed = 0);

  const std::string& error() const { return error_; }
  const std::string& image() const { return image_; }
  int port() const { return port_; }
  // Requests to / served so far; nullopt when it does not answer.
  std::optional<Served> served() const;
  // SIGTERM, by its pid.
  void stop();

 private:
  std::string image_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  std::string error_;
};

}  // namespace veer::e2e::traffic
