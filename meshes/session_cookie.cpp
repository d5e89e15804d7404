#include "meshes/session_cookie.hpp"

#include "meshes/routes.hpp"

namespace veer::meshes {

namespace {

std::string cookie_value(const SessionAffinity& affinity, const std::string& cookie, int max_age) {
  std::string value = cookie + "; Max-Age=" + std::to_string(max_age);
  if (!affinity.domain.empty()) value += "; Domain=" + affinity.domain;
  if (!affinity.path.empty()) value += "; Path=" + affinity.path;
  if (!affinity.same_site.empty()) value += "; SameSite=" + affinity.same_site;
  if (affinity.secure) value += "; Secure";
  if (affinity.http_only) value += "; HttpOnly";
  if (affinity.partitioned) value += "; Partitioned";
  return value;
}

// FNV-1a: a seed that does not depend on the standard library's std::hash.
unsigned long long seed_of(const std::string& text) {
  unsigned long long hash = 14695981039346656037ULL;
  for (unsigned char ch : text) {
    hash ^= ch;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

std::string set_cookie_value(const SessionAffinity& affinity, const std::string& cookie) {
  // 0 (unset) is a day, as in Flagger: Max-Age=0 would make browsers drop the cookie at once.
  return cookie_value(affinity, cookie, affinity.max_age > 0 ? affinity.max_age : 86400);
}

std::string set_primary_cookie_value(const SessionAffinity& affinity, const std::string& cookie) {
  // Flagger floors the interval to 10 s at run time; never Max-Age=0.
  return cookie_value(affinity, cookie,
                      affinity.primary_max_age > 0 ? affinity.primary_max_age : 60);
}

std::string primary_session_cookie(const SessionAffinity& affinity,
                                   const std::string& canary_cookie) {
  if (affinity.primary_cookie_name.empty()) return "";
  return make_session_cookie(affinity.primary_cookie_name, seed_of(canary_cookie));
}

std::string expire_cookie_value(const std::string& cookie) {
  return cookie + "; Max-Age=-1";
}

std::string cookie_regex(const std::string& cookie) {
  auto equals = cookie.find('=');
  std::string name = cookie.substr(0, equals);
  std::string value = equals == std::string::npos ? std::string() : cookie.substr(equals + 1);
  return ".*" + name + ".*" + value + ".*";
}

}  // namespace veer::meshes
