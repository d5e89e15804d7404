// A Dashboard for the handler tests, answering as two users from a users table: t-shop (alice,
// namespace shop) and t-other (bob, namespace other), plus an optional shared token.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "operator/dashboard/dashboard.hpp"

namespace veer::dashboard::testing {

inline StaticReviews test_users() {
  std::string error;
  auto users = StaticReviews::parse("t-shop alice shop\nt-other bob other\n", error);
  REQUIRE_MESSAGE(users, error);
  return std::move(*users);
}

struct UsersDashboard {
  // `shared_token` "" = none.
  UsersDashboard(kube::Cluster& cluster, base::Clock& clock, const std::string& shared_token,
                 bool actions)
      : reviews(test_users()),
        access(clock, shared_token, &reviews),
        dashboard(cluster, clock, access, history, DashboardSettings{"", actions}) {}
  StaticReviews reviews;
  Access access;
  History history;
  Dashboard dashboard;
};

}  // namespace veer::dashboard::testing
