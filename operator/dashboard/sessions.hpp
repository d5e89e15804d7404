// Browser sessions: a browser cannot send an Authorization header on a link, so /login trades a
// valid bearer token for a random session id in an HttpOnly, SameSite=Strict cookie. The token is
// kept server-side and authenticated again on every request. Forms carry a CSRF value bound to
// the session (HMAC of the id under a per-process key).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.hpp"

namespace veer::dashboard {

class Sessions {
 public:
  explicit Sessions(base::Clock& clock, base::Clock::Duration lifetime = std::chrono::hours(8));

  std::string start(const std::string& token);  // the new session id
  std::optional<std::string> token_of(const std::string& id);
  void end(const std::string& id);

  std::string csrf_of(const std::string& id) const;
  bool csrf_matches(const std::string& id, const std::string& value) const;

 private:
  base::Clock& clock_;
  base::Clock::Duration lifetime_;
  std::string key_;
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, base::Clock::TimePoint>> sessions_;
};

// `bytes` random bytes from OpenSSL as lower-case hex.
std::string random_hex(std::size_t bytes);

}  // namespace veer::dashboard
