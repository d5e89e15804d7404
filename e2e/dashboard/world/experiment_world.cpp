// For browser_test.py: a whole Experiment (A/B/n, three versions, `express` converts best) run
// by the real reconciler on the in-memory cluster under the simulated clock, recorded and served
// by the dashboard. A doctest program, because the simulated Experiment world is test support:
// VEER_DASHBOARD_USERS names the users table (as --dashboard-users). Prints
// `dashboard listening on http://ADDR/`, then `experiment finished: PHASE winner NAME` and serves
// until its standard input closes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"
#include "operator/dashboard/dashboard_server.hpp"

using namespace veer;
using namespace veer::controller::experiment::testing;

TEST_CASE("serve a whole Experiment on the dashboard until standard input closes") {
  const char* users_path = std::getenv("VEER_DASHBOARD_USERS");
  REQUIRE_MESSAGE(users_path, "VEER_DASHBOARD_USERS is not set");
  std::ifstream file(users_path);
  std::stringstream users;
  users << file.rdbuf();
  std::string error;
  auto reviews = dashboard::StaticReviews::parse(users.str(), error);
  REQUIRE_MESSAGE(reviews, error);

  World world(experiment_json(),
              {{"current", {0.999, 0.05}},
               {"one-page", {0.95, 0.09}},  // fails its guardrail: cut off
               {"express", {0.999, 0.08}}},
              1500);  // requests per look: a few looks before the decision
  dashboard::DashboardOptions options;
  options.reviews = std::make_unique<dashboard::StaticReviews>(std::move(*reviews));
  dashboard::DashboardServer server(world.cluster, world.clock, std::move(options));
  std::cout << "dashboard listening on http://" << server.address() << "/" << std::endl;

  // Every status is recorded through the watch once the recorder has listed (the Experiment
  // exists from the start, without a status).
  for (int i = 0; i < 1000 && server.experiment_recorder().observed() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(server.experiment_recorder().observed() >= 1);
  world.run();
  const auto status = world.experiment()["status"];
  std::cout << "experiment finished: " << status.value("phase", "") << " winner "
            << status.value("winner", "-") << " after " << status.value("completedIterations", 0)
            << " looks" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.stop();
}
