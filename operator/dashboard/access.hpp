// The dashboard's gate: a request's bearer token is either the shared token (from
// --dashboard-token-file or a Secret: sees every namespace) or a token the Reviews vouch for
// (TokenReview), and then each namespace is checked with a SubjectAccessReview, so a team sees
// only what kubectl would show it. Answers are cached briefly; errors are never cached and never
// read as "allowed".
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "base/clock.hpp"
#include "operator/dashboard/reviews.hpp"

namespace veer::dashboard {

struct Principal {
  User user;
  bool every_namespace = false;  // the shared token
};

class Access {
 public:
  // `shared_token` "" = none; `reviews` nullptr = no TokenReview. At least one should be set.
  Access(base::Clock& clock, std::string shared_token, Reviews* reviews,
         base::Clock::Duration cache_for = std::chrono::seconds(30));

  // nullopt when the token is empty or not valid.
  kube::Result<std::optional<Principal>> authenticate(const std::string& token);
  kube::Result<bool> allowed(const Principal& who, const AccessQuestion& question);

 private:
  base::Clock& clock_;
  std::string shared_token_;
  Reviews* reviews_;
  base::Clock::Duration cache_for_;
  std::mutex mutex_;
  std::map<std::string, std::pair<std::optional<Principal>, base::Clock::TimePoint>> tokens_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>,
           std::pair<bool, base::Clock::TimePoint>>
      answers_;
};

}  // namespace veer::dashboard
