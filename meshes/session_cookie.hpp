// The Set-Cookie values and Cookie match of session affinity (shared by Istio and Gateway API).
#pragma once

#include <string>

#include "meshes/canary_routing.hpp"

namespace veer::meshes {

// "name=value; Max-Age=86400[; Domain=..][; Path=..][; SameSite=..][; Secure][; HttpOnly]
// [; Partitioned]" for a cookie "name=value".
std::string set_cookie_value(const SessionAffinity& affinity, const std::string& cookie);

// The same for the primary cookie, whose Max-Age is the analysis interval.
std::string set_primary_cookie_value(const SessionAffinity& affinity, const std::string& cookie);

// The run's primary cookie "primaryCookieName=<10 letters>", derived from the run's canary cookie
// (so it is new each run and rendering stays a pure function); "" without primaryCookieName.
std::string primary_session_cookie(const SessionAffinity& affinity,
                                   const std::string& canary_cookie);

// "name=value; Max-Age=-1": tells browsers to drop the previous run's cookie.
std::string expire_cookie_value(const std::string& cookie);

// The regex on the Cookie header that recognises a cookie "name=value": ".*name.*value.*".
std::string cookie_regex(const std::string& cookie);

}  // namespace veer::meshes
